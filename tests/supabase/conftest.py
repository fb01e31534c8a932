"""Fixtures for the Supabase tests: a second real PG 18 server serving stackyard's stand-ins
(extension_control_path), fresh databases on it, and the fixture project applied to one."""

from __future__ import annotations

import asyncio
import secrets
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from core.pg import cluster
from core.pg.binaries import find_binaries
from core.supabase import bootstrap, load_supabase_config, probe_extensions, standin_names
from core.supabase.provider import standin_settings, write_standins

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
    bins = find_binaries()
    root = Path(tempfile.mkdtemp(prefix="stackyard-supa-pg-"))
    data = root / "data"
    password = secrets.token_urlsafe(16)
    cluster.initdb(bins, data, password)
    port = cluster.free_port()
    cluster.write_settings(data, port, {"fsync": False, "max_connections": 100})
    cluster.start(bins, data, root / "postgres.log", port)
    try:
        dsn = f"postgresql://postgres:{password}@127.0.0.1:{port}/postgres"
        # the real probe decides which stand-ins this build needs; then serve only those
        have = asyncio.run(probe_extensions(dsn, standin_names()))
        missing = {n for n, ok in have.items() if not ok}
        folder = write_standins(root / "standins", missing)
        cluster.write_settings(data, port, {"fsync": False, "max_connections": 100, **standin_settings(folder)})
        with psycopg.connect(dsn, autocommit=True) as c:
            c.execute("select pg_reload_conf()")
        yield StandinServer(port, password, missing)
    finally:
        cluster.stop(bins, data)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def standin_db(standin_server):
    """DSN of a fresh database on the stand-in server, dropped after the test."""
    name = "s_" + secrets.token_hex(6)
    with psycopg.connect(standin_server.dsn(), autocommit=True) as c:
        c.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield standin_server.dsn(name)
    finally:
        with psycopg.connect(standin_server.dsn(), autocommit=True) as c:
            c.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def apply_sql_files(dsn: str, files: list[Path]) -> None:
    """Apply each file in its own transaction on a NEW connection (as the migration engine will)."""
    with psycopg.connect(dsn) as conn:
        for f in files:
            with conn.transaction():
                conn.execute(f.read_text().encode())


@pytest.fixture
def project_db(standin_db):
    """The fixture project bootstrapped, migrated and seeded: returns (dsn, SupabaseProject)."""
    sp = load_supabase_config(PROJECT)
    asyncio.run(bootstrap(standin_db, buckets=sp.buckets))
    migrations = sorted((PROJECT / sp.migrations_dir).glob("*.sql"))
    seeds = [PROJECT / p for p in sp.seed_paths]
    apply_sql_files(standin_db, migrations + seeds)
    return standin_db, sp
