"""Make a plain PostgreSQL database Supabase-compatible before a project's migrations run.

The SQL lives in ``core/supabase/sql/`` (one file per section; each names the upstream files its
facts come from). Everything runs in ONE transaction as a superuser, under a cluster-wide advisory
lock (roles are cluster-wide): a failure leaves nothing behind, and running it twice is a no-op.

Open a NEW connection for the migrations afterwards: role settings such as postgres' search_path
(which makes unqualified ``gen_random_bytes()`` resolve to schema ``extensions``) apply at login.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources

import psycopg
from psycopg import sql

from ..errors import SQLError, StackyardError, UnreachableError
from ..events import NULL_BUS, EventBus
from .config_toml import BucketConfig, parse_size
from .provider import SHIMMABLE, shim_sql

SECTIONS = ("10_roles.sql", "15_database.sql", "20_schemas.sql", "30_auth.sql", "40_storage.sql", "50_realtime.sql")
_SQL_PACKAGE = "core.supabase.sql"
_LOCK_KEY = 0x5359_5342  # "SYSB": one bootstrap at a time per cluster (roles are shared)

# Preinstalled by Supabase into schema extensions (initial-schema.sql); shimmed when missing.
CORE_EXTENSIONS = ("uuid-ossp", "pgcrypto", "pg_stat_statements")
# Preinstalled by Supabase into their own schemas; created when the server (or a stand-in) has them.
OPTIONAL_EXTENSIONS = (("supabase_vault", "vault"), ("pg_graphql", "graphql"))


@dataclass
class BootstrapReport:
    """What the bootstrap did to one database."""

    database: str
    roles_created: list[str] = field(default_factory=list)
    extensions: dict[str, str] = field(default_factory=dict)  # name -> extension | stand-in | shim | missing
    buckets: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def to_dict(self) -> dict:
        return {
            "database": self.database,
            "roles_created": self.roles_created,
            "extensions": self.extensions,
            "buckets": self.buckets,
            "warnings": self.warnings,
            "seconds": round(self.seconds, 4),
        }


def section_sql(name: str) -> str:
    """The text of one bootstrap section."""
    return (resources.files(_SQL_PACKAGE) / name).read_text()


def _bucket_row(b) -> tuple:
    """(name, public, file_size_limit bytes, allowed_mime_types or None) from a bucket config or dict."""
    if hasattr(b, "model_dump"):  # the config models' StorageBucket
        b = b.model_dump()
    if isinstance(b, BucketConfig):
        b = b.to_dict()
    if isinstance(b, dict) and isinstance(b.get("name"), str) and b["name"]:
        limit = b.get("file_size_limit")
        try:
            limit = parse_size(limit) if limit is not None else None
        except ValueError as e:
            raise StackyardError(f"storage bucket {b['name']!r}: file_size_limit: {e}") from None
        return (b["name"], bool(b.get("public", False)), limit, list(b.get("allowed_mime_types") or []) or None)
    raise StackyardError(f"invalid storage bucket {b!r}", hint="a bucket needs at least a non-empty name")


async def _install_extensions(conn: psycopg.AsyncConnection, report: BootstrapReport) -> None:
    for name in CORE_EXTENSIONS:
        await _try_extension(conn, report, name, "extensions")
    for name, schema in OPTIONAL_EXTENSIONS:
        await _try_extension(conn, report, name, schema)
    # database webhooks (as `supabase start` sets them up) need pg_net: real, or the stand-in
    await _try_extension(conn, report, "pg_net", "extensions")
    if report.extensions["pg_net"] != "missing":
        try:
            async with conn.transaction():
                await conn.execute(section_sql("60_webhooks.sql"))
        except psycopg.Error as e:
            raise SQLError(f"Supabase bootstrap section 60_webhooks.sql failed: {e.diag.message_primary or e}",
                           statement="60_webhooks.sql", sqlstate=e.diag.sqlstate, hint=e.diag.message_hint) from e


async def _try_extension(conn: psycopg.AsyncConnection, report: BootstrapReport, name: str, schema: str) -> None:
    try:
        async with conn.transaction():  # a savepoint: a missing extension must not abort the bootstrap
            await conn.execute(
                sql.SQL("create extension if not exists {} with schema {}").format(
                    sql.Identifier(name), sql.Identifier(schema)
                )
            )
        cur = await conn.execute(
            "select coalesce(obj_description(oid, 'pg_extension'), '') from pg_extension where extname = %s", (name,)
        )
        comment = (await cur.fetchone())[0]
        report.extensions[name] = "stand-in" if comment.startswith("stackyard stand-in") else "extension"
        return
    except psycopg.Error:
        pass
    if name in SHIMMABLE:
        async with conn.transaction():
            await conn.execute(shim_sql(name, "extensions"))
        report.extensions[name] = "shim"
        report.warnings.append(
            f"{name} is not available on this server: installed stackyard shims in schema extensions "
            f"(see extensions._stackyard_standin_{name.replace('-', '_')}); CREATE EXTENSION {name} in a "
            "migration will still fail unless stand-ins are served (extension_control_path)"
        )
    else:
        report.extensions[name] = "missing"


async def _upsert_buckets(conn: psycopg.AsyncConnection, rows: list[tuple]) -> None:
    """Insert or update bucket rows the way `supabase seed buckets` does (keyed by id = name)."""
    async with conn.cursor() as c:
        await c.executemany(
            "insert into storage.buckets (id, name, public, file_size_limit, allowed_mime_types) "
            "values (%s, %s, %s, %s, %s) on conflict (id) do update set public = excluded.public, "
            "file_size_limit = excluded.file_size_limit, allowed_mime_types = excluded.allowed_mime_types, "
            "updated_at = now()",
            [(r[0], *r) for r in rows],
        )


async def bootstrap(dsn: str, *, buckets: Iterable | None = None, bus: EventBus | None = None) -> BootstrapReport:
    """Create Supabase's roles, schemas, auth/storage tables, helpers, publication and privileges.

    ``dsn`` must connect as a superuser to the target database. ``buckets`` (BucketConfig or dicts
    with name/public/file_size_limit/allowed_mime_types) are upserted into ``storage.buckets``.
    Idempotent; all-or-nothing.
    """
    bus = bus or NULL_BUS
    rows = [_bucket_row(b) for b in (buckets or [])]
    t0 = time.monotonic()
    try:
        conn = await psycopg.AsyncConnection.connect(dsn)
    except psycopg.OperationalError as e:
        raise UnreachableError(f"cannot connect to bootstrap the database: {e}") from e
    async with conn:
        report = BootstrapReport(database=conn.info.dbname)
        with bus.operation("supabase.bootstrap", target=report.database) as op:
            cur = await conn.execute("select rolsuper from pg_roles where rolname = current_user")
            if not (await cur.fetchone())[0]:
                raise StackyardError(
                    "the Supabase bootstrap needs a superuser connection",
                    hint="connect as the cluster's superuser (postgres for the embedded server)",
                )
            async with conn.transaction():
                await conn.execute("select pg_advisory_xact_lock(%s)", (_LOCK_KEY,))
                cur = await conn.execute("select rolname from pg_roles")
                roles_before = {r[0] for r in await cur.fetchall()}
                total = len(SECTIONS) + 2
                for i, name in enumerate(SECTIONS):
                    op.progress(f"bootstrap {name}", i, total, "sections")
                    try:
                        await conn.execute(section_sql(name))
                    except psycopg.Error as e:
                        diag = e.diag
                        raise SQLError(
                            f"Supabase bootstrap section {name} failed: {diag.message_primary or e}",
                            statement=name,
                            sqlstate=diag.sqlstate,
                            hint=diag.message_hint,
                        ) from e
                op.progress("bootstrap extensions", len(SECTIONS), total, "sections")
                await _install_extensions(conn, report)
                op.progress("bootstrap storage buckets", len(SECTIONS) + 1, total, "sections")
                try:
                    await _upsert_buckets(conn, rows)
                except psycopg.Error as e:
                    raise SQLError(f"storage bucket rows: {e.diag.message_primary or e}",
                                   sqlstate=e.diag.sqlstate) from e
                report.buckets = [r[0] for r in rows]
                cur = await conn.execute("select rolname from pg_roles")
                report.roles_created = sorted({r[0] for r in await cur.fetchall()} - roles_before)
        for w in report.warnings:
            bus.warning(w)
    report.seconds = time.monotonic() - t0
    return report


async def apply_database_settings(dsn: str) -> None:
    """Re-apply what a database copy loses (owner, database grants, per-database role settings).

    Call on every database made from a bootstrapped one with ``CREATE DATABASE ... TEMPLATE``
    (branches, clones of a cached migrated template): without it, postgres' search_path no longer
    includes ``extensions`` there and unqualified ``gen_random_bytes()`` stops resolving.
    """
    try:
        conn = await psycopg.AsyncConnection.connect(dsn, autocommit=True)
    except psycopg.OperationalError as e:
        raise UnreachableError(f"cannot connect to the database: {e}") from e
    async with conn:
        try:
            await conn.execute(section_sql("15_database.sql"))
        except psycopg.Error as e:
            raise SQLError(f"Supabase database settings failed: {e.diag.message_primary or e}",
                           statement="15_database.sql", sqlstate=e.diag.sqlstate) from e


async def is_bootstrapped(dsn: str) -> bool:
    """Whether the database already has the Supabase bootstrap (auth helpers, storage, publication)."""
    async with await psycopg.AsyncConnection.connect(dsn) as conn:
        cur = await conn.execute(
            "select to_regprocedure('auth.uid()') is not null and to_regclass('storage.objects') is not null "
            "and exists (select 1 from pg_publication where pubname = 'supabase_realtime')"
        )
        return bool((await cur.fetchone())[0])
