"""Small helpers for seeding tests."""

from __future__ import annotations

import psycopg

from seeds import builtin_seeds_dir


def run_sql(dsn: str, text: str) -> None:
    with psycopg.connect(dsn, autocommit=True) as c:
        c.execute(text)


def query(dsn: str, q: str, params=None) -> list[tuple]:
    with psycopg.connect(dsn) as c:
        return c.execute(q, params).fetchall()


def example_schema() -> str:
    return (builtin_seeds_dir() / "example" / "schema.sql").read_text()
