"""The history tables: the Supabase CLI's, and stackyard's own beside it.

``supabase_migrations.schema_migrations(version, statements, name)`` is created exactly as the
Supabase CLI creates it, so both tools read and write one history. ``stackyard_migrations``
adds what Supabase lacks: checksum, timings, who applied it, and a ``partial`` state for a file
whose non-transactional statements did not all run.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import psycopg
from psycopg import sql

from ... import __version__

SCHEMA = "supabase_migrations"

# Mirrors supabase/cli pkg/migration/history.go so either tool can create the table first.
CREATE_SQL = (
    "CREATE SCHEMA IF NOT EXISTS supabase_migrations",
    "CREATE TABLE IF NOT EXISTS supabase_migrations.schema_migrations (version text NOT NULL PRIMARY KEY)",
    "ALTER TABLE supabase_migrations.schema_migrations ADD COLUMN IF NOT EXISTS statements text[]",
    "ALTER TABLE supabase_migrations.schema_migrations ADD COLUMN IF NOT EXISTS name text",
    """CREATE TABLE IF NOT EXISTS supabase_migrations.stackyard_migrations (
        version text PRIMARY KEY,
        name text,
        checksum text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now(),
        duration_ms double precision,
        applied_by text NOT NULL DEFAULT current_user,
        stackyard_version text,
        state text NOT NULL DEFAULT 'applied' CHECK (state IN ('applied', 'partial')),
        nontx_done integer NOT NULL DEFAULT 0,
        tx_checksum text
    )""",
)


@dataclass(frozen=True)
class HistoryRow:
    """What the database says about one version (either table may be missing the row)."""

    version: str
    name: str | None
    statements: list[str] | None
    in_supabase: bool  # a row in schema_migrations (= applied, for both tools)
    checksum: str | None = None
    applied_at: datetime | None = None
    duration_ms: float | None = None
    applied_by: str | None = None
    state: str | None = None  # stackyard's state: "applied" | "partial" | None (no stackyard row)
    nontx_done: int = 0
    tx_checksum: str | None = None


async def ensure_tables(conn: psycopg.AsyncConnection) -> None:
    """Create the history tables when missing (caller holds the migration lock)."""
    async with conn.transaction():
        await conn.execute("SET LOCAL lock_timeout = '4s'")
        for stmt in CREATE_SQL:
            await conn.execute(stmt)


async def read_history(conn: psycopg.AsyncConnection) -> dict[str, HistoryRow]:
    """All history rows by version; empty when the tables do not exist yet."""
    cur = await conn.execute(
        "SELECT to_regclass('supabase_migrations.schema_migrations') IS NOT NULL,"
        " to_regclass('supabase_migrations.stackyard_migrations') IS NOT NULL"
    )
    has_supabase, has_ours = await cur.fetchone()
    rows: dict[str, HistoryRow] = {}
    if has_supabase:
        cur = await conn.execute("SELECT version, name, statements FROM supabase_migrations.schema_migrations")
        for version, name, statements in await cur.fetchall():
            rows[version] = HistoryRow(version, name, statements, True)
    if has_ours:
        cur = await conn.execute(
            "SELECT version, name, checksum, applied_at, duration_ms, applied_by, state, nontx_done, tx_checksum"
            " FROM supabase_migrations.stackyard_migrations"
        )
        for version, name, checksum, at, ms, by, state, done, txsum in await cur.fetchall():
            base = rows.get(version)
            rows[version] = HistoryRow(
                version, base.name if base else name, base.statements if base else None, base is not None,
                checksum, at, ms, by, state, done, txsum,
            )
    return rows


async def record_applied(
    conn: psycopg.AsyncConnection, *, version: str, name: str, statements: list[str], checksum: str,
    duration_ms: float | None,
) -> None:
    """Write both history rows (inside the caller's transaction), in one round trip."""
    await conn.execute(
        "WITH supabase AS ("
        " INSERT INTO supabase_migrations.schema_migrations (version, name, statements) VALUES (%(v)s, %(n)s, %(s)s)"
        " ON CONFLICT (version) DO UPDATE SET name = EXCLUDED.name, statements = EXCLUDED.statements"
        " RETURNING version)"
        " INSERT INTO supabase_migrations.stackyard_migrations"
        " (version, name, checksum, duration_ms, stackyard_version, state, nontx_done, tx_checksum)"
        " VALUES (%(v)s, %(n)s, %(c)s, %(ms)s, %(sv)s, 'applied', 0, NULL)"
        " ON CONFLICT (version) DO UPDATE SET name = EXCLUDED.name, checksum = EXCLUDED.checksum,"
        " applied_at = now(), duration_ms = EXCLUDED.duration_ms, applied_by = current_user,"
        " stackyard_version = EXCLUDED.stackyard_version, state = 'applied', nontx_done = 0, tx_checksum = NULL",
        {"v": version, "n": name, "s": statements, "c": checksum, "ms": duration_ms, "sv": __version__},
    )


def applied_sql(*, version: str, name: str, statements: list[str], checksum: str, duration_ms: float | None
                ) -> sql.Composed:
    """The same two rows as :func:`record_applied`, as one literal statement for a simple query
    (so it can travel with COMMIT in one round trip)."""
    array = sql.SQL("ARRAY[{}]::text[]").format(sql.SQL(", ").join(sql.Literal(t) for t in statements))
    return sql.SQL(
        "WITH supabase AS ("
        " INSERT INTO supabase_migrations.schema_migrations (version, name, statements) VALUES ({v}, {n}, {s})"
        " ON CONFLICT (version) DO UPDATE SET name = EXCLUDED.name, statements = EXCLUDED.statements"
        " RETURNING version)"
        " INSERT INTO supabase_migrations.stackyard_migrations"
        " (version, name, checksum, duration_ms, stackyard_version, state, nontx_done, tx_checksum)"
        " VALUES ({v}, {n}, {c}, {ms}, {sv}, 'applied', 0, NULL)"
        " ON CONFLICT (version) DO UPDATE SET name = EXCLUDED.name, checksum = EXCLUDED.checksum,"
        " applied_at = now(), duration_ms = EXCLUDED.duration_ms, applied_by = current_user,"
        " stackyard_version = EXCLUDED.stackyard_version, state = 'applied', nontx_done = 0, tx_checksum = NULL"
    ).format(v=sql.Literal(version), n=sql.Literal(name), s=array, c=sql.Literal(checksum),
             ms=sql.Literal(duration_ms), sv=sql.Literal(__version__))


async def record_partial(
    conn: psycopg.AsyncConnection, *, version: str, name: str, checksum: str, tx_checksum: str, nontx_done: int,
) -> None:
    """Remember that a file's transactional part committed but not all standalone statements ran."""
    await conn.execute(
        "INSERT INTO supabase_migrations.stackyard_migrations"
        " (version, name, checksum, stackyard_version, state, nontx_done, tx_checksum)"
        " VALUES (%s, %s, %s, %s, 'partial', %s, %s)"
        " ON CONFLICT (version) DO UPDATE SET name = EXCLUDED.name, checksum = EXCLUDED.checksum,"
        " applied_at = now(), applied_by = current_user, state = 'partial',"
        " nontx_done = EXCLUDED.nontx_done, tx_checksum = EXCLUDED.tx_checksum",
        (version, name, checksum, __version__, nontx_done, tx_checksum),
    )


async def delete_rows(conn: psycopg.AsyncConnection, version: str) -> None:
    """Forget a version in both tables (inside the caller's transaction)."""
    await conn.execute("DELETE FROM supabase_migrations.schema_migrations WHERE version = %s", (version,))
    await conn.execute("DELETE FROM supabase_migrations.stackyard_migrations WHERE version = %s", (version,))
