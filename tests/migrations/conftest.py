"""Fixtures for migration tests: a migrations folder and helpers over the real ``pg_db``."""

from __future__ import annotations

import asyncio
from pathlib import Path

import psycopg
import pytest

from core.pg.migrations import MigrationEngine


@pytest.fixture
def mdir(tmp_path: Path) -> Path:
    d = tmp_path / "supabase" / "migrations"
    d.mkdir(parents=True)
    return d


def write(mdir: Path, version: int | str, name: str, text: str) -> Path:
    p = mdir / f"{version}_{name}.sql"
    p.write_text(text)
    return p


def query(dsn: str, q: str, params=None) -> list[tuple]:
    with psycopg.connect(dsn, autocommit=True) as c:
        cur = c.execute(q, params)
        return cur.fetchall() if cur.description else []


def exists(dsn: str, relname: str) -> bool:
    return query(dsn, "SELECT to_regclass(%s) IS NOT NULL", (relname,))[0][0]


def run(coro):
    return asyncio.run(coro)


@pytest.fixture
def engine(pg_db: str, mdir: Path) -> MigrationEngine:
    return MigrationEngine(pg_db, mdir, lock_wait=5.0)
