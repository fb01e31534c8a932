"""Schema and data of an environment's databases: migrate and seed new ones, `db seed`, `db reset`.

``provision_data`` (called by `up` for a fresh cluster) applies pending migrations and runs the
seeds, as the profile's data policy says. ``db_reset`` rebuilds a branch from migrations + seeds
by cloning a migrated-and-seeded template kept per (migration files, seed files, PG major):
the first reset builds it, the next ones cost one database copy.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from pathlib import Path
from typing import Any

import psycopg

from .config.profiles import Profile
from .errors import StackyardError
from .workspace import WorkspaceBase



class DataOps(WorkspaceBase):
    # -- building blocks ----------------------------------------------------------------------
    def migration_engine(self, dsn: str, env: str | None = None):
        from .pg.migrations import SUPABASE_MANAGED_SCHEMAS, MigrationEngine

        cfg = self.config.migrations
        return MigrationEngine(
            dsn, self.migrations_dir, bus=self.bus, env=env, lock_timeout=cfg.lock_timeout,
            statement_timeout=cfg.statement_timeout, lock_wait=self.lock_timeout if self.lock_timeout is not None else 30.0,
            managed_schemas=SUPABASE_MANAGED_SCHEMAS if self.config.supabase else (),
            prepare_scratch=self._supabase_bootstrap if self.config.supabase else None,
        )

    async def _supabase_bootstrap(self, dsn: str) -> None:
        from .supabase.bootstrap import bootstrap

        await bootstrap(dsn, buckets=list(self.config.storage_buckets), bus=self.bus)

    def _has_migrations(self) -> bool:
        d = self.migrations_dir
        return d.is_dir() and any(d.glob("*.sql"))

    async def _seed_dsn(self, dsn: str, *, force: bool = False, generate: list[str] | None = None,
                        rows: int | None = None, seed: int = 42) -> dict:
        from .pg.generate import generate as run_generate
        from .pg.seeds import run_sql_seeds

        results = await run_sql_seeds(dsn, self._seed_paths(), root=self.root, force=force, bus=self.bus)
        reports = []
        for spec in generate if generate is not None else self.config.seeds.generate:
            path = Path(spec) if Path(spec).is_absolute() else self.root / spec
            reports.append(await run_generate(dsn, path, rows=rows, seed=seed, bus=self.bus))
        return {"sql": [_plain(r) for r in results], "generated": [_plain(r) for r in reports]}

    def _seed_paths(self) -> list[str]:
        """Configured seed paths; the defaults are only used where they match (no warnings for them)."""
        from .pg.seeds import resolve_seed_paths

        paths = list(self.config.seeds.paths)
        if "paths" in self.config.seeds.model_fields_set:
            return paths
        return [p for p in paths if resolve_seed_paths([p], self.root)[0]]

    # -- hooks ---------------------------------------------------------------------------------
    async def provision_data(self, env: str, profile: Profile, op: Any) -> None:
        await super().provision_data(env, profile, op)
        dsn = await self.database_url(env)
        if profile.data.migrate and self._has_migrations():
            op.progress("applying migrations")
            await self.migration_engine(dsn, env).up()
        if profile.data.seed:
            op.progress("seeding")
            await self._seed_dsn(dsn)

    # -- operations ------------------------------------------------------------------------------
    async def migrate_up(self, env: str, branch: str | None = None, **kw) -> list[dict]:
        """Apply pending migrations to a branch (default: the active one)."""
        dsn = await self.database_url(env, branch)
        return [_plain(a) for a in await self.migration_engine(dsn, env).up(**kw)]

    async def db_seed(self, env: str, branch: str | None = None, *, force: bool = False,
                      generate: list[str] | None = None, rows: int | None = None, seed: int = 42,
                      sql_seeds: bool = True) -> dict:
        """Run SQL seeds that changed (all with ``force``), then synthetic data specs."""
        self.require_env(env)
        dsn = await self.database_url(env, branch)
        async with self.lock(env):
            async with self.journal("db.seed", env, branch):
                if not sql_seeds:
                    from .pg.generate import generate as run_generate

                    reports = []
                    for spec in generate or []:
                        path = Path(spec) if Path(spec).is_absolute() else self.root / spec
                        reports.append(_plain(await run_generate(dsn, path, rows=rows, seed=seed, bus=self.bus)))
                    return {"env": env, "sql": [], "generated": reports}
                res = await self._seed_dsn(dsn, force=force, generate=generate, rows=rows, seed=seed)
        return {"env": env, **res}

    def _template_key(self) -> str:
        """What the template depends on besides migrations: seed files, specs, the bootstrap."""
        from .pg.seeds import resolve_seed_paths

        h = hashlib.sha256(b"supabase" if self.config.supabase else b"plain")
        files, _ = resolve_seed_paths(self._seed_paths(), self.root)
        for f in [*files, *(self.root / g for g in self.config.seeds.generate)]:
            h.update(str(f).encode() + b"\0")
            if Path(f).is_file():
                h.update(Path(f).read_bytes())
        return h.hexdigest()[:16]

    async def db_reset(self, env: str, branch: str | None = None, *, seed: bool = True) -> dict:
        """Recreate a branch (default: the active one) from migrations + seeds, same name and URL."""
        from .branching.copy import choose_strategy, copy_database, database_size, server_version_num
        from .pg.migrations.template import ensure_migrated_template, prune_templates

        row = self.require_env(env)
        bname = branch or row.active_branch
        database = self.branch_database(env, bname)
        admin = self.admin_dsn(env)
        t0 = time.perf_counter()
        async with self.lock(env):
            async with self.journal("db.reset", env, bname) as op:
                prepare = self._supabase_bootstrap if self.config.supabase else None

                async def finish(dsn: str) -> None:
                    if seed:
                        await self._seed_dsn(dsn)

                op.progress("preparing the migrated template")
                key = self._template_key() + ("" if seed else "-noseed")
                template, built = await ensure_migrated_template(
                    admin, self.migrations_dir, extra_key=key, prepare=prepare, finish=finish, bus=self.bus)
                async with await psycopg.AsyncConnection.connect(admin, autocommit=True) as conn:
                    size = await database_size(conn, template)
                    reflink = await asyncio.to_thread(self._reflink, env)
                    strategy = choose_strategy(await server_version_num(conn), reflink, size)
                    comment = await _comment(conn, database)
                    staging = f"{database[:40]}_reset_{int(time.time() * 1000) % 10**9}"
                    op.progress(f"copying the template ({strategy.value})")
                    await copy_database(conn, admin, template, staging, strategy, op, size_bytes=size)
                    try:
                        await conn.execute(psycopg.sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                            psycopg.sql.Identifier(database)))
                        await conn.execute(psycopg.sql.SQL("ALTER DATABASE {} RENAME TO {}").format(
                            psycopg.sql.Identifier(staging), psycopg.sql.Identifier(database)))
                    except psycopg.Error as e:
                        await conn.execute(psycopg.sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                            psycopg.sql.Identifier(staging)))
                        raise StackyardError(f"reset of {database} failed: {e.diag.message_primary or e}") from None
                    if comment:
                        await conn.execute(psycopg.sql.SQL("COMMENT ON DATABASE {} IS {}").format(
                            psycopg.sql.Identifier(database), psycopg.sql.Literal(comment)))
                dropped = await prune_templates(admin, keep={template})
        return {"env": env, "branch": bname, "database": database, "template": template,
                "template_built": built, "strategy": strategy.value, "old_templates_dropped": len(dropped),
                "seconds": round(time.perf_counter() - t0, 3)}

    def _reflink(self, env: str) -> bool:
        from .branching.copy import reflink_supported

        name, _ = self.primary_postgres()
        s = {r.name: r for r in self.state.services(env)}.get(name)
        data = Path(s.info["data_dir"]) if s and s.info.get("data_dir") else None
        return reflink_supported(data, self.env_dir(env) / "branching-fs.json")  # shared with branching


async def _comment(conn, database: str) -> str | None:
    cur = await conn.execute("SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s", (database,))
    r = await cur.fetchone()
    return r[0] if r else None


def _plain(obj: Any) -> Any:
    if hasattr(obj, "to_dict"):
        return obj.to_dict()
    if hasattr(obj, "__dataclass_fields__"):
        from dataclasses import asdict

        return asdict(obj)
    return obj
