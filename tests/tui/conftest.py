"""TUI fixtures: a real Workspace with a running embedded-Postgres ``dev`` env, and the app on it."""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

import pytest
import pytest_asyncio

from core.errors import StackyardError


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def workspace():
    """A project in a temp dir whose ``dev`` environment is up (real PG 18); destroyed afterwards.

    Shared by a module's tests (bringing an env up costs seconds); each test leaves ``dev`` running.
    """
    from core.api import Workspace

    # Not under pytest's tmp dir: a concurrent pytest run resets /tmp/pytest-of-<user> to 0700,
    # which locks out the unprivileged user the embedded Postgres runs as.
    root = Path(tempfile.mkdtemp(prefix="stackyard-tui-"))
    project = root / "shop"
    project.mkdir()
    async with Workspace.open(project, lock_timeout=30) as ws:
        await ws.up("dev")
        try:
            yield ws
        finally:
            for env in [e.name for e in ws.state.list_envs()]:
                try:
                    await ws.destroy(env)
                except StackyardError:
                    pass
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def utc():
    """Times in the UI are local: pin the zone so frames do not depend on the machine."""
    old = os.environ.get("TZ")
    os.environ["TZ"] = "UTC"
    time.tzset()
    yield
    if old is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = old
    time.tzset()
