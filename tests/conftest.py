"""Shared fixtures: one real PostgreSQL 18 server per test session, a fresh database per test."""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from core.pg import cluster
from core.pg.binaries import find_binaries

os.environ.setdefault("STACKYARD_NO_TUI", "1")


@dataclass
class PgServer:
    host: str
    port: int
    user: str
    password: str
    data_dir: Path

    def dsn(self, dbname: str = "postgres") -> str:
        return f"postgresql://{self.user}:{self.password}@{self.host}:{self.port}/{dbname}"


@contextmanager
def scratch_server(settings: dict | None = None, prefix: str = "stackyard-test-pg-") -> Iterator[PgServer]:
    """Start a throwaway PG server on 127.0.0.1 (outside pytest's tmp root); stop and delete it after."""
    bins = find_binaries()
    root = Path(tempfile.mkdtemp(prefix=prefix))
    data = root / "data"
    password = secrets.token_urlsafe(16)
    cluster.initdb(bins, data, password)
    port = cluster.free_port()
    cluster.write_settings(data, port, {"fsync": False, **(settings or {})})
    cluster.start(bins, data, root / "postgres.log", port)
    try:
        yield PgServer("127.0.0.1", port, "postgres", password, data)
    finally:
        cluster.stop(bins, data)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_server():
    """A real PostgreSQL server (embedded wheel) for the whole session, on 127.0.0.1."""
    with scratch_server({"max_connections": 200}) as server:
        yield server


@pytest.fixture
def pg_db(pg_server):
    """DSN of a fresh, empty database, dropped after the test."""
    name = "t_" + secrets.token_hex(6)
    with psycopg.connect(pg_server.dsn(), autocommit=True) as c:
        c.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield pg_server.dsn(name)
    finally:
        with psycopg.connect(pg_server.dsn(), autocommit=True) as c:
            c.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
