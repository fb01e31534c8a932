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


# Emptying a used database is much cheaper than CREATE DATABASE (a checkpoint each) on a
# busy machine, so databases are recycled within the session. A test checks that a recycled
# database has exactly the schema of a fresh one.
WIPE = """
DO $$
DECLARE r record;
BEGIN
  FOR r IN SELECT extname FROM pg_extension WHERE extname <> 'plpgsql' LOOP
    EXECUTE format('DROP EXTENSION %I CASCADE', r.extname);
  END LOOP;
  FOR r IN SELECT nspname FROM pg_namespace
           WHERE nspname NOT IN ('pg_catalog', 'information_schema') AND left(nspname, 8) <> 'pg_toast' AND left(nspname, 7) <> 'pg_temp' LOOP
    EXECUTE format('DROP SCHEMA %I CASCADE', r.nspname);
  END LOOP;
END $$;
CREATE SCHEMA public AUTHORIZATION pg_database_owner;
GRANT USAGE ON SCHEMA public TO PUBLIC;
COMMENT ON SCHEMA public IS 'standard public schema';
"""


@pytest.fixture(scope="session")
def db_pool(pg_server):
    """Clean databases ready for reuse; all dropped at the end of the session."""
    free: list[str] = []
    created: list[str] = []
    yield free, created
    with psycopg.connect(pg_server.dsn(), autocommit=True) as c:
        for name in created:
            c.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(name)))


@pytest.fixture
def make_db(pg_server, diff_roles, db_pool):
    """make_db(sql_text) -> DSN of an empty database where `sql_text` then ran."""
    free, created = db_pool
    used: list[str] = []

    def make(script: str = "") -> str:
        if free:
            name = free.pop()
        else:
            name = "d_" + secrets.token_hex(6)
            with psycopg.connect(pg_server.dsn(), autocommit=True) as c:
                # FILE_COPY: ~0.1 s per database here, WAL_LOG ~0.8 s (fsync is off).
                c.execute(sql.SQL("CREATE DATABASE {} STRATEGY FILE_COPY").format(
                    sql.Identifier(name)))
            created.append(name)
        used.append(name)
        dsn = pg_server.dsn(name)
        if script.strip():
            with psycopg.connect(dsn) as c:
                c.execute(script)
        return dsn

    yield make
    for name in used:
        try:
            with psycopg.connect(pg_server.dsn(name), autocommit=True) as c:
                c.execute(WIPE)
        except psycopg.Error:
            continue  # not recycled; dropped at session end
        free.append(name)


def inspect_dsn(dsn: str, **kw):
    """Synchronous helper: the Schema of the database at `dsn`."""

    async def run():
        async with await psycopg.AsyncConnection.connect(dsn, autocommit=True) as conn:
            return await inspect_schema(conn, **kw)

    return asyncio.run(run())
