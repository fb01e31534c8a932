"""Workspace feature: make a new database of a Supabase project Supabase-compatible.

Register as a feature mixin BEFORE the one that runs migrations (core.features._FEATURES:
``("core.supabase.workspace_ops", "SupabaseOps")`` first), so that ``provision_data`` bootstraps
the database, serves stand-ins (local runtime) and runs the pre-flight scan, then lets the next
mixin apply migrations and seeds. Does nothing for projects without ``supabase: true``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..workspace import WorkspaceBase
from .bootstrap import BootstrapReport, apply_database_settings, bootstrap
from .config_toml import load_supabase_config
from .provider import probe_extensions, serve_standins, served_standins
from .scan import Finding, Support, extension_names_in, raise_for_unsupported, scan_migrations


def migration_files(folder: Path) -> list[Path]:
    """Up-migration files of a folder (down/verify companions excluded), in version order."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob("*.sql") if not p.name.endswith((".down.sql", ".verify.sql")))


class SupabaseOps(WorkspaceBase):
    """``provision_data`` step for Supabase projects (see module docstring)."""

    async def provision_data(self, env: str, profile: Any, op: Any) -> None:
        if getattr(self.config, "supabase", False):
            await self.supabase_prepare(env)
        await super().provision_data(env, profile, op)

    # Database copies (CREATE DATABASE ... TEMPLATE) lose the per-database settings kept in shared
    # catalogs (postgres' search_path with `extensions`, database grants): re-apply them.
    async def branch_create(self, env: str, name: str, **kw) -> dict:
        out = await super().branch_create(env, name, **kw)
        await self._supabase_fix_copy(env, out.get("database"), out.get("is_snapshot", False))
        return out

    async def branch_reset(self, env: str, name: str, **kw) -> dict:
        out = await super().branch_reset(env, name, **kw)
        await self._supabase_fix_copy(env, self.branch_database(env, name), False)
        return out

    async def db_reset(self, env: str, branch: str | None = None, **kw) -> dict:
        out = await super().db_reset(env, branch, **kw)
        await self._supabase_fix_copy(env, self.branch_database(env, branch), False)
        return out

    async def _supabase_fix_copy(self, env: str, database: str | None, is_snapshot: bool) -> None:
        if getattr(self.config, "supabase", False) and database and not is_snapshot:
            await apply_database_settings(self.conninfo(env, database=database).url)

    async def supabase_prepare(self, env: str, branch: str | None = None) -> BootstrapReport:
        """Stand-ins (local runtime), bootstrap, then the pre-flight scan of the migrations.

        Raises SQLError at the first migration construct that cannot work here (file:line).
        """
        # during `up` the env is still "creating": address the database directly, not via the branch table
        database = self.branch_database(env, branch) if branch else self.primary_postgres()[1].database
        dsn = self.conninfo(env, database=database).url
        sp = load_supabase_config(self.root)
        if sp is not None:
            server_major = await _server_major(dsn)
            warning = sp.major_version_warning(server_major)
            if warning:
                self.bus.warning(warning)
        row = self.state.get_env(env) if hasattr(self.state, "get_env") else None
        if getattr(row, "runtime", "local") == "local":
            await serve_standins(dsn, self.env_dir(env) / "supabase-extensions")
        report = await bootstrap(dsn, buckets=list(getattr(self.config, "storage_buckets", []) or []), bus=self.bus)
        await self.supabase_preflight(dsn)
        return report

    async def supabase_preflight(self, dsn: str) -> list[Finding]:
        """Scan the migrations against this server; warn for approximations, raise for unsupported."""
        files = migration_files(self.root / self.config.migrations.dir)
        if not files:
            return []
        standins = await served_standins(dsn)
        names = extension_names_in(files) | standins | {"pgcrypto", "uuid-ossp", "pg_net", "pg_cron",
                                                       "supabase_vault", "pgsodium", "pg_graphql", "pgjwt"}
        have = await probe_extensions(dsn, names)
        available = {n for n, ok in have.items() if ok}
        findings = scan_migrations(files, available, standins=standins & available)
        raise_for_unsupported(findings)
        # one warning per construct, not per use
        seen: dict[tuple[str, str], list[Finding]] = {}
        for f in findings:
            if f.support in (Support.APPROXIMATE, Support.STAND_IN):
                seen.setdefault((f.construct, f.note), []).append(f)
        for (construct, note), uses in seen.items():
            where = f"{uses[0].path}:{uses[0].line}" + (f" (+{len(uses) - 1} more)" if len(uses) > 1 else "")
            self.bus.warning(f"{where}  {construct}: {note}")
        return findings


async def _server_major(dsn: str) -> int:
    import psycopg

    async with await psycopg.AsyncConnection.connect(dsn) as conn:
        cur = await conn.execute("select current_setting('server_version_num')::int / 10000")
        return (await cur.fetchone())[0]
