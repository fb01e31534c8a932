"""`stackyard migration ...` against a real environment (started through the Workspace API)."""

import asyncio
import json
import shutil
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from core.api import Workspace
from core.cli.main import cli


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


class Result:
    def __init__(self, r):
        self.returncode, self.stdout, self.stderr = r.exit_code, r.stdout, r.stderr


def sy(project, *args):
    env = {"STACKYARD_ENV": None, "STACKYARD_DB_URL": None, "STACKYARD_NO_TUI": "1"}
    return Result(CliRunner().invoke(cli, ["-C", str(project), *args], env=env, catch_exceptions=False))


async def start(project):
    async with Workspace.open(project) as ws:
        await ws.up("dev")


def test_migration_commands_on_a_running_environment(project):
    asyncio.run(start(project))  # `up` applies the project's migrations
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
