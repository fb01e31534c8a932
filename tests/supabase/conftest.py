"""Fixtures for the Supabase tests: a second real PG 18 server serving stackyard's stand-ins
(extension_control_path), fresh databases on it, and the fixture project applied to one."""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import subprocess
import sys
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from core.pg import cluster
from core.supabase import bootstrap, load_supabase_config, probe_extensions, standin_names
from core.supabase.provider import standin_settings, write_standins

from tests.conftest import scratch_server

PROJECT = Path(__file__).parent / "fixtures" / "project"


@dataclass
class StandinServer:
    port: int
    password: str
    standins: set[str]

    def dsn(self, dbname: str = "postgres", user: str = "postgres") -> str:
        return f"postgresql://{user}:{self.password}@127.0.0.1:{self.port}/{dbname}"


@pytest.fixture(scope="session")
def standin_server():
    """A real PG 18 server whose extension_control_path serves the stand-ins it lacks."""
    with scratch_server({"max_connections": 100}, prefix="stackyard-supa-pg-") as pg:
        port, password, data = pg.port, pg.password, pg.data_dir
        dsn = f"postgresql://postgres:{password}@127.0.0.1:{port}/postgres"
        # the real probe decides which stand-ins this build needs; then serve only those
        have = asyncio.run(probe_extensions(dsn, standin_names()))
        missing = {n for n, ok in have.items() if not ok}
        folder = write_standins(data.parent / "standins", missing)
        cluster.write_settings(data, port, {"fsync": False, "max_connections": 100, **standin_settings(folder)})
        with psycopg.connect(dsn, autocommit=True) as c:
            c.execute("select pg_reload_conf()")
        yield StandinServer(port, password, missing)


def _fresh_db(server: StandinServer):
    name = "s_" + secrets.token_hex(6)
    with psycopg.connect(server.dsn(), autocommit=True) as c:
        c.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield server.dsn(name)
    finally:
        with psycopg.connect(server.dsn(), autocommit=True) as c:
            c.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture
def standin_db(standin_server):
    """DSN of a fresh database on the stand-in server, dropped after the test."""
    yield from _fresh_db(standin_server)


def apply_sql_files(dsn: str, files: list[Path]) -> None:
    """Apply each file in its own transaction on a NEW connection (as the migration engine will)."""
    with psycopg.connect(dsn) as conn:
        for f in files:
            with conn.transaction():
                conn.execute(f.read_text().encode())


def _apply_project(dsn: str):
    sp = load_supabase_config(PROJECT)
    asyncio.run(bootstrap(dsn, buckets=sp.buckets))
    migrations = sorted((PROJECT / sp.migrations_dir).glob("*.sql"))
    seeds = [PROJECT / p for p in sp.seed_paths]
    apply_sql_files(dsn, migrations + seeds)
    return dsn, sp


@pytest.fixture
def project_db(standin_db):
    """The fixture project bootstrapped, migrated and seeded: returns (dsn, SupabaseProject)."""
    return _apply_project(standin_db)


@pytest.fixture(scope="module")
def project_db_readonly(standin_server):
    """Like project_db, shared by a module's tests that commit nothing (they roll back)."""
    for dsn in _fresh_db(standin_server):
        yield _apply_project(dsn)


_script = Path(sys.executable).parent / "stackyard"
STACKYARD = [str(_script)] if _script.exists() else [sys.executable, "-m", "core.cli"]


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """The installed `stackyard` command, as users run it."""
    env = dict(os.environ, STACKYARD_NO_TUI="1", COLUMNS="200")
    env.pop("STACKYARD_ENV", None)
    return subprocess.run([*STACKYARD, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=180)


@dataclass
class UpProject:
    root: Path
    url: str
    stderr: str


@pytest.fixture(scope="session")
def up_project():
    """`stackyard up --wait` in a copy of the fixture project (one environment for the session)."""
    # not pytest's tmp_path: concurrent pytest runs of other sessions prune /tmp/pytest-of-<user>
    tmp = Path(tempfile.mkdtemp(prefix="stackyard-supa-up-"))
    root = tmp / "project"
    shutil.copytree(PROJECT, root)
    up = cli("up", "--wait", "--json", cwd=root)
    assert up.returncode == 0, up.stderr
    try:
        yield UpProject(root, json.loads(up.stdout)["database_url"], up.stderr)
    finally:
        cli("destroy", "--yes", cwd=root)
        shutil.rmtree(tmp, ignore_errors=True)
