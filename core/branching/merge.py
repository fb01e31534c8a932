"""``branch merge``: bring a branch's schema changes back to its parent as a proven migration.

1. diff parent → branch (schema only; migration history tables excluded),
2. write it as ``<UTC YYYYMMDDHHMMSS>_merge_<branch>.sql`` in the migrations dir,
3. prove it: copy the parent to a scratch database, apply the file there, and require an empty
   diff scratch → branch; the scratch is always dropped,
4. only then apply it to the parent with the migration engine (one transaction, history row).

A failed proof (or a failed apply) removes the file and leaves the parent untouched. A dry run
stops after the proof and removes the file too: it changes nothing and returns the SQL.
"""

from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path

import psycopg

from ..errors import ConflictError, SQLError, StackyardError, UsageError
from .base import BranchBase, app_name_for
from .copy import drop_database
from .models import MAIN, temp_database_name

HISTORY_SCHEMAS = ("supabase_migrations",)


def _excluded() -> tuple[str, ...]:
    from ..pg.introspect import DEFAULT_EXCLUDED_SCHEMAS

    return tuple(DEFAULT_EXCLUDED_SCHEMAS) + HISTORY_SCHEMAS


def merge_file_path(migrations_dir: Path, branch: str) -> tuple[str, Path]:
    """A version later than every existing migration, and the file's path."""
    from ..pg.migrations import scan

    version = int(datetime.now(timezone.utc).strftime("%Y%m%d%H%M%S"))
    existing = [int(f.version) for f in scan(migrations_dir).files if f.version.isdigit()]
    if existing and version <= max(existing):
        version = max(existing) + 1
    return str(version), migrations_dir / f"{version}_merge_{branch.replace('-', '_')}.sql"


async def version_applied(dsn: str, version: str | None) -> bool:
    """True when ``version`` is recorded in the database's migration history."""
    if not version:
        return False
    try:
        async with await psycopg.AsyncConnection.connect(dsn, autocommit=True) as c:
            cur = await c.execute("SELECT to_regclass('supabase_migrations.schema_migrations') IS NOT NULL")
            if not (await cur.fetchone())[0]:
                return False
            cur = await c.execute("SELECT 1 FROM supabase_migrations.schema_migrations WHERE version = %s", (version,))
            return await cur.fetchone() is not None
    except psycopg.Error:
        return False


async def pending_migrations(dsn: str, migrations_dir: Path) -> list[str]:
    """Migration files not (fully) applied to the database at ``dsn``."""
    from ..pg.migrations import MigrationEngine, MigrationState

    statuses = await MigrationEngine(dsn, migrations_dir).status()
    return [Path(s.path).name if s.path else s.version for s in statuses
            if s.state in (MigrationState.PENDING, MigrationState.PARTIAL)]


async def _apply_plain(dsn: str, path: Path) -> None:
    """Apply the file without history (the proof's scratch must match the branch exactly)."""
    from ..pg.migrations import apply_sql_in_transaction, connect, plan_statements, split_sql
    from ..pg.migrations.executor import run_standalone

    plan = plan_statements(split_sql(path.read_text(), path=str(path)), path=str(path))
    conn = await connect(dsn)
    try:
        await apply_sql_in_transaction(conn, plan.transactional, path=str(path))
        for stmt in plan.standalone:
            await run_standalone(conn, stmt, str(path))
    finally:
        await conn.close()


async def _apply_with_history(dsn: str, path: Path, bus, env: str) -> dict:
    """Apply through the migration engine's building blocks: its lock, one transaction, history."""
    from ..pg.migrations import connect, migration_lock
    from ..pg.migrations import history
    from ..pg.migrations.apply import apply_migration
    from ..pg.migrations.files import load_file

    mf = load_file(path)
    async with migration_lock(dsn, bus=bus):
        conn = await connect(dsn)
        try:
            await history.ensure_tables(conn)
            return (await apply_migration(conn, mf, None)).to_dict()
        finally:
            await conn.close()


class BranchMergeOps(BranchBase):
    async def branch_merge(self, env: str, name: str, *, into: str | None = None, dry_run: bool = False,
                           allow_destructive: bool = False, terminate: bool = False) -> dict:
        """Write branch ``name``'s schema changes (vs ``into``, default its parent) as a migration file,
        prove it on a scratch copy of the target, then apply it there (not with ``dry_run``).
        ``terminate`` ends sessions on the target for the scratch copy."""
        from ..pg.schemadiff import diff_databases

        self.require_env(env)
        async with self.lock(env):
            src = self._get(env, name)
            if name == MAIN and into is None:
                raise UsageError("`main` has no parent", hint="name the target: --into BRANCH")
            if src.is_snapshot:
                raise UsageError(f"{name!r} is a snapshot", hint="branch from it and merge the branch")
            target = self._get(env, into or src.parent or MAIN)
            if target.is_snapshot:
                raise UsageError(f"cannot merge into snapshot {target.name!r}: snapshots never change",
                                 hint="merge into a branch: --into BRANCH")
            if target.name == src.name:
                raise UsageError("a branch cannot be merged into itself")
            src_dsn = self.conninfo(env, database=src.database).url
            tgt_dsn = self.conninfo(env, database=target.database).url
            pending = await pending_migrations(tgt_dsn, self.migrations_dir)
            if pending:
                # the diff would repeat them in the merge file, and they would fail when applied later
                raise ConflictError(
                    f"{target.name!r} has migrations that are not applied yet: {', '.join(pending[:5])}"
                    + (f" (and {len(pending) - 5} more)" if len(pending) > 5 else ""),
                    hint=f"apply them to {target.name} first (`stackyard migration up`), then merge what is left")
            diff = await diff_databases(tgt_dsn, src_dsn, exclude_schemas=_excluded(), bus=self.bus)
            base = {"env": env, "branch": name, "into": target.name, "changes": diff.to_dict(),
                    "dry_run": dry_run}
            if diff.is_empty:
                return base | {"status": "up_to_date", "file": None, "sql": "", "proof": None}
            sql_text = diff.to_sql(allow_destructive=allow_destructive)
            version, path = merge_file_path(self.migrations_dir, name)
            scratch = temp_database_name()
            detail = {"file": str(path), "version": version, "scratch": scratch, "target_db": target.database,
                      "source": target.database, "terminate": terminate, "app": app_name_for(os.getpid())}
            async with self.journal("branch.merge", env, f"{name}->{target.name}", detail=detail) as op:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(f"-- merge of branch {name} into {target.name}, written by stackyard "
                                f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC\n{sql_text}")
                try:
                    await self._prove(env, op, target, scratch, path, src_dsn, terminate=terminate)
                    if dry_run:
                        path.unlink(missing_ok=True)
                        return base | {"status": "proven", "file": None, "sql": sql_text, "proof": "passed"}
                    op.progress(f"applying {path.name} to {target.name}")
                    applied = await _apply_with_history(tgt_dsn, path, self.bus, env)
                except BaseException:
                    path.unlink(missing_ok=True)
                    raise
        return base | {"status": "merged", "file": str(path), "version": version, "sql": sql_text,
                       "proof": "passed", "applied": applied}

    async def _prove(self, env: str, op, target, scratch: str, path: Path, src_dsn: str, *, terminate: bool) -> None:
        """Apply ``path`` to a scratch copy of ``target``; its schema must then equal the branch's."""
        from ..pg.schemadiff import diff_databases

        async with self._admin(env) as conn:
            try:
                op.progress(f"proof: copying {target.name}")
                await self._copy(env, conn, target, scratch, op, terminate=terminate and not target.is_snapshot)
                op.progress(f"proof: applying {path.name} to the copy")
                scratch_dsn = self.conninfo(env, database=scratch).url
                try:
                    await _apply_plain(scratch_dsn, path)
                except SQLError as e:
                    raise SQLError(f"merge proof failed: the migration does not apply to a copy of {target.name}: "
                                   f"{e.message}", statement=e.statement, path=e.path, line=e.line,
                                   hint="nothing was applied and the file was removed; fix the branch or write "
                                   "the migration by hand", sqlstate=e.sqlstate) from None
                op.progress("proof: comparing with the branch")
                remaining = await diff_databases(scratch_dsn, src_dsn, exclude_schemas=_excluded(), bus=self.bus)
            finally:
                await drop_database(conn, scratch)
        if not remaining.is_empty:
            raise StackyardError(
                f"merge proof failed: after the migration a copy of {target.name} still differs from the branch:\n"
                + remaining.to_text(),
                hint="nothing was applied and the file was removed; the schema diff cannot express this change "
                "— write the migration by hand (`stackyard migration new`)",
            )
