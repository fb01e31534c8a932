"""pg_dump and catalog helpers: schema text for baselines/squash, and comparing two databases."""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from ...errors import StackyardError
from ..binaries import find_binaries
from .executor import connect

HISTORY_SCHEMA = "supabase_migrations"
_ENV_KEYS = {"host": "PGHOST", "port": "PGPORT", "user": "PGUSER", "password": "PGPASSWORD",
             "dbname": "PGDATABASE", "sslmode": "PGSSLMODE"}


def _pg_env(dsn: str) -> dict[str, str]:
    """Connection settings as PG* variables, so the password never shows on a command line."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    for key, value in conninfo_to_dict(dsn).items():
        if key in _ENV_KEYS and value is not None:
            env[_ENV_KEYS[key]] = str(value)
    return env


def strip_dump(text: str) -> str:
    """Drop psql-only lines newer pg_dump writes (``\\restrict`` / ``\\unrestrict``)."""
    return "\n".join(l for l in text.split("\n") if not l.startswith(("\\restrict", "\\unrestrict"))).strip() + "\n"


async def pg_dump(dsn: str, *args: str) -> str:
    """Run the server's pg_dump with ``args`` and return its stripped output."""
    tool = find_binaries().tool("pg_dump")
    proc = await asyncio.create_subprocess_exec(
        tool, "--no-password", *args, env=_pg_env(dsn),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    out, err = await proc.communicate()
    if proc.returncode != 0:
        raise StackyardError(f"pg_dump failed: {err.decode(errors='replace').strip()[:2000]}",
                             hint=f"ran {tool} {' '.join(args)}")
    return strip_dump(out.decode())


def _excludes(exclude_schemas: tuple[str, ...]) -> list[str]:
    return [f"--exclude-schema={s}" for s in (HISTORY_SCHEMA, *exclude_schemas)]


async def dump_schema(dsn: str, exclude_schemas: tuple[str, ...] = ()) -> str:
    """Schema-only dump without owners (roles differ between environments) and without history."""
    return await pg_dump(dsn, "--schema-only", "--no-owner", *_excludes(exclude_schemas))


async def dump_for_replay(dsn: str, exclude_schemas: tuple[str, ...] = (), *, with_data: bool = True
                          ) -> tuple[str, str, str]:
    """(pre-data schema, data, post-data schema) — rows load before indexes, constraints and
    triggers exist, so triggers do not fire twice and FK order does not matter. Data is written
    as INSERT statements (the runner cannot feed COPY FROM stdin); sequences are included."""
    common = ("--no-owner", *_excludes(exclude_schemas))
    pre, data, post = await asyncio.gather(
        pg_dump(dsn, "--section=pre-data", *common),
        pg_dump(dsn, "--section=data", "--rows-per-insert=500", *common) if with_data else _empty(),
        pg_dump(dsn, "--section=post-data", *common),
    )
    return pre, data, post


async def _empty() -> str:
    return ""


def comparable_schema(dump: str) -> list[str]:
    """A schema dump without comments, blank lines and SET noise, for equality checks."""
    return [l for l in dump.split("\n") if l.strip() and not l.startswith("--")]


@dataclass
class DataDigest:
    """Per-table row count and content hash, per-sequence state."""

    tables: dict[str, tuple[int, str]] = field(default_factory=dict)
    sequences: dict[str, tuple[int, bool]] = field(default_factory=dict)

    @property
    def rows(self) -> int:
        return sum(n for n, _ in self.tables.values())


async def data_digest(dsn: str, exclude_schemas: tuple[str, ...] = ()) -> DataDigest:
    """Hash every table's rows (order-independent) and read every sequence, outside the history schema."""
    skip = [HISTORY_SCHEMA, *exclude_schemas]
    conn = await connect(dsn)
    try:
        cur = await conn.execute(
            "SELECT n.nspname, c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE c.relkind IN ('r', 'p', 'S') AND n.nspname <> ALL(%s) AND n.nspname NOT LIKE 'pg\\_%%'"
            " AND n.nspname <> 'information_schema' ORDER BY 1, 2",
            (skip,),
        )
        digest = DataDigest()
        for schema, name, kind in await cur.fetchall():
            ident = sql.Identifier(schema, name)
            key = f"{schema}.{name}"
            if kind == "S":
                c2 = await conn.execute(sql.SQL("SELECT last_value, is_called FROM {}").format(ident))
                digest.sequences[key] = tuple(await c2.fetchone())  # type: ignore[assignment]
            elif kind == "r":
                c2 = await conn.execute(sql.SQL(
                    "SELECT count(*), md5(coalesce(string_agg(x::text, E'\\n' ORDER BY x::text), '')) FROM {} x"
                ).format(ident))
                digest.tables[key] = tuple(await c2.fetchone())  # type: ignore[assignment]
        return digest
    finally:
        await conn.close()


@asynccontextmanager
async def scratch_database(dsn: str, purpose: str) -> AsyncIterator[str]:
    """A temporary database on the same server (dropped afterwards); yields its DSN."""
    name = f"stackyard_{purpose}_{secrets.token_hex(4)}"
    conn = await connect(dsn)
    try:
        try:
            await conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        except psycopg.Error as e:
            raise StackyardError(f"cannot create a scratch database: {e.diag.message_primary or e}",
                                 hint="the migration role needs CREATEDB for squash verification") from None
        try:
            yield make_conninfo(dsn, dbname=name)
        finally:
            await conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
    finally:
        await conn.close()


def new_statements(dump: str, fresh_dump: str) -> list[str]:
    """Statements of ``dump`` that ``fresh_dump`` lacks; session SETs are always kept."""
    from .splitter import split_sql

    theirs = {s.text for s in split_sql(fresh_dump)}
    return [s.text for s in split_sql(dump) if s.words[:1] in (("SET",), ("SELECT",)) or s.text not in theirs]


def without_fresh(dump: str, fresh_dump: str) -> str:
    """``dump`` minus what a freshly prepared database already has (e.g. a bootstrap's publication)."""
    return "".join(s + ";\n\n" for s in new_statements(dump, fresh_dump))


@dataclass
class ManagedAdditions:
    """What migrations added inside schemas another component owns (e.g. Supabase's auth/storage):
    objects absent from a freshly prepared database, and the rows of those schemas."""

    pre: list[str] = field(default_factory=list)
    post: list[str] = field(default_factory=list)
    data: str = ""

    def sql(self, part: str) -> str:
        stmts = self.pre if part == "pre" else self.post
        return "".join(s + ";\n\n" for s in stmts)


async def managed_additions(dsn: str, fresh_dsn: str, schemas: tuple[str, ...], *, with_data: bool = True
                            ) -> ManagedAdditions:
    """Statements of ``dsn``'s dump of ``schemas`` that a fresh (just prepared) database lacks.

    Rows are dumped with ON CONFLICT DO NOTHING so rows the preparation already wrote are kept
    once; anything that cannot be replayed this way is caught by the caller's verification.
    """
    only = [f"--schema={s}" for s in schemas]
    out = ManagedAdditions()
    ours_pre, theirs_pre, ours_post, theirs_post, data = await asyncio.gather(
        *(pg_dump(d, f"--section={section}", "--no-owner", *only)
          for section in ("pre-data", "post-data") for d in (dsn, fresh_dsn)),
        pg_dump(dsn, "--section=data", "--no-owner", "--rows-per-insert=500", "--on-conflict-do-nothing", *only)
        if with_data else _empty(),
    )
    for ours, theirs, target in ((ours_pre, theirs_pre, out.pre), (ours_post, theirs_post, out.post)):
        target.extend(s for s in new_statements(ours, theirs) if not s.upper().startswith(("SET ", "SELECT ")))
    out.data = data
    return out
