"""Migrated template databases: replay migrations once per (migration files, PG major), clone after.

``db reset`` and new branches clone the template (``CREATE DATABASE x TEMPLATE t``) instead of
replaying every migration. The template is built under a temporary name and renamed when
complete, so a crash never leaves a half-migrated template behind a valid name.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Awaitable, Callable
from pathlib import Path

from psycopg import sql
from psycopg.conninfo import make_conninfo

from ...events import NULL_BUS, EventBus
from .executor import connect, migration_lock
from .files import fingerprint

PREFIX = "stackyard_tpl_"


def template_name(migrations_dir: Path, pg_major: int, extra_key: str = "") -> str:
    """``stackyard_tpl_<major>_<hash>``: changes whenever a migration (or ``extra_key``) changes."""
    h = hashlib.sha256(f"{fingerprint(migrations_dir)}\0{extra_key}".encode()).hexdigest()[:24]
    return f"{PREFIX}{pg_major}_{h}"


async def _exists(conn, name: str) -> bool:
    cur = await conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
    return await cur.fetchone() is not None


async def ensure_migrated_template(
    admin_dsn: str,
    migrations_dir: Path,
    *,
    extra_key: str = "",
    prepare: Callable[[str], Awaitable[None]] | None = None,
    finish: Callable[[str], Awaitable[None]] | None = None,
    bus: EventBus | None = None,
    lock_wait: float = 120.0,
) -> tuple[str, bool]:
    """Return ``(template database name, built_now)``; build it when missing.

    ``admin_dsn`` points at a maintenance database (e.g. ``postgres``) of the server.
    ``prepare(dsn)`` runs before the migrations (e.g. the Supabase bootstrap), ``finish(dsn)``
    after (e.g. seeds) — include what they depend on in ``extra_key``. Concurrent callers
    serialise on the advisory lock of the admin database; the second one finds it built.
    """
    bus = bus or NULL_BUS
    conn = await connect(admin_dsn)
    try:
        cur = await conn.execute("SELECT current_setting('server_version_num')::int / 10000")
        major = (await cur.fetchone())[0]
        name = template_name(migrations_dir, major, extra_key)
        if await _exists(conn, name):
            return name, False
        async with migration_lock(admin_dsn, wait=lock_wait, bus=bus):
            if await _exists(conn, name):
                return name, False
            building = f"{PREFIX}build_{secrets.token_hex(4)}"
            await conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(building)))
            try:
                dsn = make_conninfo(admin_dsn, dbname=building)
                if prepare is not None:
                    await prepare(dsn)
                from .engine import MigrationEngine

                with bus.operation("migration.template", target=name):
                    await MigrationEngine(dsn, migrations_dir, bus=bus, lock_wait=lock_wait).up()
                if finish is not None:
                    await finish(dsn)
                await conn.execute(sql.SQL("ALTER DATABASE {} RENAME TO {}").format(
                    sql.Identifier(building), sql.Identifier(name)))
                await conn.execute(sql.SQL("ALTER DATABASE {} WITH IS_TEMPLATE true").format(sql.Identifier(name)))
            except BaseException:
                await conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(building)))
                raise
            return name, True
    finally:
        await conn.close()


async def prune_templates(admin_dsn: str, keep: set[str] | frozenset[str] = frozenset()) -> list[str]:
    """Drop stackyard templates (and leftover builds) not in ``keep``; returns the dropped names."""
    conn = await connect(admin_dsn)
    dropped = []
    try:
        cur = await conn.execute(
            "SELECT d.datname, EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.datid = d.oid)"
            " FROM pg_database d WHERE d.datname LIKE %s", (PREFIX + "%",))
        for name, busy in await cur.fetchall():
            if name in keep or (busy and name.startswith(PREFIX + "build_")):
                continue  # a build in progress elsewhere is not garbage
            await conn.execute(sql.SQL("ALTER DATABASE {} WITH IS_TEMPLATE false").format(sql.Identifier(name)))
            await conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
            dropped.append(name)
        return dropped
    finally:
        await conn.close()
