"""`stackyard migration ...` against a real environment started with `stackyard up` (subprocess)."""

import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from core.api import Workspace

_script = Path(sys.executable).parent / "stackyard"
STACKYARD = [str(_script)] if _script.exists() else [sys.executable, "-m", "core.cli"]


@pytest.fixture
def project():
    # not tmp_path: the server's OS user must be able to traverse to the data dir
    root = Path(tempfile.mkdtemp(prefix="stackyard-mig-proj-"))
    (root / "stackyard.yaml").write_text(
        "project: shop\nservices:\n  db: {kind: postgres}\nmigrations: {dir: db/migrations, lock_timeout: 5s}\n")
    mdir = root / "db" / "migrations"
    mdir.mkdir(parents=True)
    (mdir / "20260101000000_items.sql").write_text(
        "-- migrate:up\ncreate table items (id bigint primary key, name text);\n-- migrate:down\ndrop table items;\n")
    yield root

    async def cleanup():
        async with Workspace.open(root) as ws:
            for e in ws.state.list_envs():
                try:
                    await ws.destroy(e.name)
                except Exception:
                    pass

    try:
        asyncio.run(cleanup())
    except Exception:
        pass
    shutil.rmtree(root, ignore_errors=True)


def sy(project, *args):
    env = dict(os.environ, STACKYARD_NO_TUI="1")
    env.pop("STACKYARD_ENV", None)
    env.pop("STACKYARD_DB_URL", None)
    return subprocess.run([*STACKYARD, *args], cwd=project, env=env, capture_output=True, text=True, timeout=180)


def test_migration_commands_on_a_running_environment(project):
    r = sy(project, "up", "--json")
    assert r.returncode == 0, r.stderr
    r = sy(project, "migration", "list", "--json")
    assert r.returncode == 0, r.stderr
    assert [(s["version"], s["state"]) for s in json.loads(r.stdout)] == [("20260101000000", "applied")]
    r = sy(project, "migration", "new", "add_price", "--json")
    path = Path(json.loads(r.stdout)["path"])
    assert path.parent == project / "db" / "migrations"
    path.write_text("alter table items add column price numeric;\n")
    r = sy(project, "migration", "up", "--json")
    assert r.returncode == 0, r.stderr
    assert [a["name"] for a in json.loads(r.stdout)["applied"]] == ["add_price"]
    r = sy(project, "migration", "down", "-e", "dev")
    assert r.returncode == 2 and "add_price" in r.stderr  # no down script: refused, nothing ran
