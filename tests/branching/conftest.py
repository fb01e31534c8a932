"""A real project with a running `dev` environment (embedded PG 18) per test."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Awaitable, Callable

import psycopg
import pytest

from psycopg import sql

from core.api import Workspace
from core.envfile import write_env_file


async def _async(value):
    return value


@dataclass
class Project:
    root: Path
    env: str = "dev"
    _ci: Any = None

    def run(self, fn: Callable[[Any], Awaitable[Any]]) -> Any:
        """Open the Workspace (reconciling, as every CLI run does), run ``fn(ws)``, close it."""
        async def go():
            async with Workspace.open(self.root) as ws:
                return await fn(ws)

        return asyncio.run(go())

    def url(self, branch: str | None = None, *, database: str | None = None) -> str:
        """URL of a branch (``main`` or ``app__<name>``) or a database, from conninfo read once."""
        if self._ci is None:
            self._ci = self.run(lambda ws: _async(ws.conninfo(self.env, database="postgres")))
        if database is None:
            database = "app" if branch in (None, "main") else f"app__{branch}"
        return self._ci.with_db(database).url

    def sql(self, branch: str, query: str, params: tuple = ()) -> list[tuple] | None:
        with psycopg.connect(self.url(branch), autocommit=True) as c:
            cur = c.execute(query, params or None)  # type: ignore[arg-type]
            return cur.fetchall() if cur.description else None

    def admin(self, query: str, params: tuple = ()) -> list[tuple]:
        with psycopg.connect(self.url(database="postgres"), autocommit=True) as c:
            cur = c.execute(query, params or None)  # type: ignore[arg-type]
            return cur.fetchall() if cur.description else []

    def databases(self) -> set[str]:
        return {r[0] for r in self.admin("SELECT datname FROM pg_database")}

    def branch_rows(self) -> dict[str, tuple]:
        async def get(ws):
            return {r[0]: tuple(r) for r in ws.state.db.execute(
                "SELECT name, parent, database, is_snapshot FROM branches WHERE env = ?", (self.env,))}

        return self.run(get)


# fsync off: tests measure behaviour, not durability (and copies with fsync cost seconds)
CONFIG = """\
project: branching-test
services:
  db:
    kind: postgres
    database: app
    settings: {fsync: false, synchronous_commit: false, full_page_writes: false}
"""


def start_project(root: Path, env: str = "dev", *, extra_settings: str = "") -> Project:
    root.mkdir(parents=True, exist_ok=True)
    (root / "stackyard.yaml").write_text(CONFIG.replace("}", extra_settings + "}") if extra_settings else CONFIG)
    p = Project(root, env)
    p.run(lambda ws: ws.up(env))
    return p


def stop_project(p: Project) -> None:
    async def destroy(ws):
        if ws.state.get_env(p.env) is not None:
            await ws.destroy(p.env)

    p.run(destroy)
    shutil.rmtree(p.root, ignore_errors=True)


def project_dir() -> Path:
    """Not pytest's tmp_path: another pytest session re-chmods its base to 0700 and would lock
    the server's OS user out of its data directory."""
    return Path(tempfile.mkdtemp(prefix="stackyard-branching-"))


def clean_slate(p: Project) -> None:
    """Back to a fresh env: no branches or scratch databases, an empty main, main active."""
    async def clean(ws):
        env = p.env
        async with ws._admin(env) as conn:
            cur = await conn.execute("SELECT datname FROM pg_database WHERE datname LIKE 'app%' OR datname LIKE 'sy\\_tmp\\_%'")
            for (name,) in await cur.fetchall():
                await conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
            await conn.execute("CREATE DATABASE app")
        with ws.state.tx() as db:
            db.execute("DELETE FROM branches WHERE env = ?", (env,))
            db.execute("UPDATE operations SET status = 'done' WHERE status = 'running'")
        ws.state.set_env_field(env, active_branch="main", profile="dev")
        write_env_file(ws, env)
        shutil.rmtree(ws.migrations_dir, ignore_errors=True)

    p.run(clean)


@pytest.fixture(scope="session")
def shared_project():
    """One running environment for the whole session (an `up` costs seconds; a clean slate does not)."""
    p = start_project(project_dir())
    try:
        yield p
    finally:
        stop_project(p)


@pytest.fixture
def project(shared_project):
    """The shared project with a clean `dev` environment (fresh empty main, no branches)."""
    clean_slate(shared_project)
    return shared_project


@pytest.fixture
def seeded(project):
    """`main` has table items(id pk, name) with 100 rows."""
    project.sql("main", "CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL);"
                        "INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 100) g")
    return project
