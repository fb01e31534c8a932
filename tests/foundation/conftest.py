"""Fixtures for foundation tests: a temp project, a CLI runner, a Workspace."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import tempfile
import subprocess
import sys
from pathlib import Path

import pytest

from core.api import Workspace

BASIC = """\
project: demo
services:
  db:
    kind: postgres
    database: app
environments:
  dev: {profile: dev}
"""


@pytest.fixture
def project() -> Path:
    # Not tmp_path: pytest re-chmods its base dir to 0700 when another session starts, which would
    # lock the server's OS user out of data dirs below it. /tmp itself is always traversable.
    tmp_path = Path(tempfile.mkdtemp(prefix="stackyard-proj-"))
    (tmp_path / "stackyard.yaml").write_text(BASIC)
    yield tmp_path
    # never leave servers behind, whatever the test did
    ws_dir = tmp_path / ".stackyard"
    if ws_dir.exists():
        async def cleanup():
            async with Workspace.open(tmp_path) as ws:
                for e in ws.state.list_envs():
                    try:
                        await ws.destroy(e.name)
                    except Exception:
                        pass
                await ws.gc()
        try:
            asyncio.run(cleanup())
        except Exception:
            pass
    shutil.rmtree(tmp_path, ignore_errors=True)


class CliResult:
    def __init__(self, proc: subprocess.CompletedProcess):
        self.code = proc.returncode
        self.out = proc.stdout
        self.err = proc.stderr

    def json(self):
        return json.loads(self.out)

    def __repr__(self) -> str:
        return f"<exit {self.code}\nstdout: {self.out[-2000:]}\nstderr: {self.err[-2000:]}>"


_script = Path(sys.executable).parent / "stackyard"
# the installed console script, as users run it (python -m would put the cwd on sys.path)
STACKYARD = [str(_script)] if _script.exists() else [sys.executable, "-m", "core.cli"]


def run_cli(*args: str, cwd: Path, env: dict | None = None, timeout: float = 120, input: str | None = None) -> CliResult:
    e = dict(os.environ, STACKYARD_NO_TUI="1", COLUMNS="200")
    e.pop("STACKYARD_ENV", None)
    if env:
        e.update(env)
    proc = subprocess.run([*STACKYARD, *args], cwd=cwd, env=e, capture_output=True,
                          text=True, timeout=timeout, input=input)
    return CliResult(proc)


@pytest.fixture
def cli(project):
    def _run(*args, **kw):
        return run_cli(*args, cwd=kw.pop("cwd", project), **kw)

    return _run


def arun(coro):
    return asyncio.run(coro)
