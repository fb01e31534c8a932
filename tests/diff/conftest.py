"""Fixtures for the schema diff tests: databases built from SQL files on the shared server."""

from __future__ import annotations

import asyncio
import secrets
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from core.pg.introspect import inspect_schema

CORPUS = Path(__file__).parent / "corpus"
# Cluster-wide roles the grant/policy cases refer to (roles are not per database).
ROLES = ("diff_reader", "diff_writer")


@pytest.fixture(scope="session")
def diff_roles(pg_server):
    with psycopg.connect(pg_server.dsn(), autocommit=True) as c:
        for role in ROLES:
            exists = c.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role]).fetchone()
            if not exists:
                c.execute(sql.SQL("CREATE ROLE {}").format(sql.Identifier(role)))
    return ROLES


@pytest.fixture
def make_db(pg_server, diff_roles):
    """make_db(sql_text) -> DSN of a new database where `sql_text` ran; dropped afterwards."""
    made: list[str] = []

    def make(script: str = "") -> str:
        name = "d_" + secrets.token_hex(6)
        with psycopg.connect(pg_server.dsn(), autocommit=True) as c:
            # FILE_COPY: ~0.1 s per database here, WAL_LOG ~0.8 s (fsync is off on the test server).
            c.execute(sql.SQL("CREATE DATABASE {} STRATEGY FILE_COPY").format(sql.Identifier(name)))
        made.append(name)
        dsn = pg_server.dsn(name)
        if script.strip():
            with psycopg.connect(dsn) as c:
                c.execute(script)
        return dsn

    yield make
    with psycopg.connect(pg_server.dsn(), autocommit=True) as c:
        for name in made:
            c.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def inspect_dsn(dsn: str, **kw):
    """Synchronous helper: the Schema of the database at `dsn`."""

    async def run():
        async with await psycopg.AsyncConnection.connect(dsn, autocommit=True) as conn:
            return await inspect_schema(conn, **kw)

    return asyncio.run(run())
