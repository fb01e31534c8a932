"""Fixtures for seeding tests: extra fresh databases and schema helpers (real Postgres)."""

from __future__ import annotations

import secrets

import psycopg
import pytest
from psycopg import sql


@pytest.fixture
def make_db(pg_server):
    """Factory for extra fresh databases (dropped after the test); returns their DSNs."""
    names: list[str] = []

    def make() -> str:
        name = "seed_" + secrets.token_hex(5)
        with psycopg.connect(pg_server.dsn(), autocommit=True) as c:
            c.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        names.append(name)
        return pg_server.dsn(name)

    yield make
    with psycopg.connect(pg_server.dsn(), autocommit=True) as c:
        for name in names:
            c.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
