"""Environment lifecycle: up, down, destroy, clone, status, list, gc."""

from __future__ import annotations

import asyncio
import time

import psycopg
from psycopg import sql

from .config.models import PostgresService, parse_duration
from .envfile import write_env_file
from .errors import ConflictError, StackyardError, TimeoutError_, UsageError
from .names import validate_name
from .runtime.base import ServiceState
from .state import EnvRow, OperationRow, ServiceRow
from .workspace import ADMIN_DB, WorkspaceBase, reconciler, remove_tree


class EnvLifecycle(WorkspaceBase):
    async def up(self, env: str = "dev", *, profile: str | None = None, runtime: str | None = None,
                 wait: bool = False, timeout: float | None = None, ttl: str | None = None,
                 must_create: bool = False) -> dict:
        """Create the environment on first use, then make every service run. Returns its status."""
        validate_name(env, "environment name")
        async with self.lock(env):
            row = self.state.get_env(env)
            if row is not None and must_create:
                raise ConflictError(f"environment {env!r} already exists", hint=f"use `stackyard up {env}`")
            created = row is None
            if created:
                row = await self._create_env(env, profile, runtime, ttl)
            elif profile and profile != row.profile:
                self.bus.warning(f"environment {env!r} uses profile {row.profile!r}; ignoring --profile {profile}")
            prof = self.load_profile(row.profile)
            ctx = self.context(row, prof)
            timeout = timeout or prof.wait_timeout
            started: list[ServiceRow] = []
            try:
                async with self.journal("env.create" if created else "up", env) as op:
                    rt = self.runtime(row.runtime)
                    services = prof.apply(self.config)
                    existing = {s.name: s for s in self.state.services(env)}
                    for name in _start_order(services):
                        svc = services[name]
                        op.progress(f"{name}: provisioning")
                        srow = await rt.provision(ctx, name, svc, existing.get(name))
                        self.state.upsert_service(srow)
                        st = await rt.status(ctx, srow)
                        if st.state != ServiceState.RUNNING:
                            op.progress(f"{name}: starting")
                            started.append(srow)  # before starting: a timeout must still stop it
                            task = asyncio.ensure_future(rt.start(ctx, svc, srow))
                            done, _ = await asyncio.wait({task}, timeout=timeout)
                            if not done:
                                # a start in progress (pg_ctl, docker) cannot be cut midway: let it
                                # settle so the rollback below really stops what it started
                                await asyncio.wait({task}, timeout=120)
                                tail = [l.text async for l in rt.logs(ctx, srow, tail=10)]
                                raise TimeoutError_(
                                    f"{name} did not start within {timeout:g}s"
                                    + "".join("\n  | " + t for t in tail),
                                    hint=f"raise --timeout, or see `stackyard logs {env} {name}`",
                                )
                            srow = task.result()
                            started[-1] = srow
                        else:
                            srow.pid = st.pid
                        self.state.upsert_service(srow)
                        if isinstance(svc, PostgresService) and self._is_primary(name):
                            # idempotent and cheap: also repairs a main database dropped by hand
                            await self._prepare_postgres(env, name, svc, srow)
                        if isinstance(svc, PostgresService) and srow.info.get("fresh"):
                            op.progress(f"{name}: migrations and seeds")
                            await self.provision_data(env, prof, op)
                            srow.info["fresh"] = False
                            self.state.upsert_service(srow)
                    if created:
                        self.state.set_env_field(env, status="ready")
                    self.write_manifest(env)
                    write_env_file(self, env)
                    if wait:
                        op.progress("waiting for health")
                        await self.wait_healthy(env, timeout)
            except BaseException as e:
                await self._rollback_up(env, created, started, e)
                raise
        return await self.status(env)

    async def _create_env(self, env: str, profile: str | None, runtime: str | None, ttl: str | None) -> EnvRow:
        pname = self.resolve_profile_name(env, profile)
        prof = self.load_profile(pname)
        ec = self.env_config(env)
        if ttl in ("never", "none"):
            ttl, expires = None, None
        else:
            ttl = ttl or (ec.ttl if ec else None) or prof.ttl
            try:
                expires = time.time() + parse_duration(ttl) if ttl else None
            except ValueError as e:
                raise UsageError(str(e), hint="e.g. --ttl 90m, --ttl 2d, --ttl 1w, or --ttl never") from None
        rt = runtime or (ec.runtime if ec and ec.runtime else None) or prof.runtime
        row = EnvRow(env, pname, rt, "creating", time.time(), expires, "main", {})
        self.state.upsert_env(row)
        self.env_dir(env).mkdir(parents=True, exist_ok=True)
        self.ensure_secrets(env)
        return row

    async def _rollback_up(self, env: str, created: bool, started: list[ServiceRow], err: BaseException) -> None:
        """A failed up leaves things as they were: stop what it started; remove a new env entirely."""
        row = self.state.get_env(env)
        if row is None:
            return
        try:
            ctx = self.context(row)
            rt = self.runtime(row.runtime)
        except Exception:  # cannot even reach the runtime: still never leave a half env in state
            ctx = rt = None
        if created:
            for s in self.state.services(env) if rt else []:
                try:
                    await rt.remove(ctx, s)
                except Exception:  # best effort; gc catches the rest
                    pass
            self.state.delete_env(env)
            remove_tree(self.env_dir(env))
            if not isinstance(err, (KeyboardInterrupt, asyncio.CancelledError)):
                self.bus.warning(f"rolled back: environment {env!r} was not created")
            return
        for s in started if rt else []:
            try:
                self.state.upsert_service(await rt.stop(ctx, s))
            except Exception:
                pass

    def _is_primary(self, name: str) -> bool:
        pg = self.config.postgres()
        return pg is not None and pg[0] == name

    async def _prepare_postgres(self, env: str, name: str, svc: PostgresService, srow: ServiceRow) -> None:
        """Create stackyard's admin database, the main and extra databases, the extensions (idempotent)."""
        ci = self.conninfo(env, database="postgres")
        async with await psycopg.AsyncConnection.connect(ci.url, autocommit=True) as c:
            have = {r[0] for r in await (await c.execute("SELECT datname FROM pg_database")).fetchall()}
            for db in [ADMIN_DB, svc.database, *svc.databases]:
                if db not in have:
                    await c.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(db)))
        if svc.extensions:
            async with await psycopg.AsyncConnection.connect(ci.with_db(svc.database).url, autocommit=True) as c:
                for ext in svc.extensions:
                    try:
                        await c.execute(sql.SQL("CREATE EXTENSION IF NOT EXISTS {}").format(sql.Identifier(ext)))
                    except psycopg.Error as e:
                        raise StackyardError(
                            f"extension {ext!r} could not be created: {e.diag.message_primary or e}",
                            hint="run `stackyard doctor` to see which extensions this Postgres provides",
                        ) from None


    async def down(self, env: str = "dev") -> dict:
        """Stop every service, keep the data (ephemeral profiles destroy instead)."""
        row = self.require_env(env)
        prof = self.load_profile(row.profile)
        if prof.data.persistence == "ephemeral":
            self.bus.info(f"profile {row.profile!r} is ephemeral: down removes the data too")
            await self.destroy(env)
            return {"env": env, "state": "destroyed"}
        async with self.lock(env):
            async with self.journal("down", env):
                ctx = self.context(row, prof)
                rt = self.runtime(row.runtime)
                for s in reversed(self.state.services(env)):
                    self.state.upsert_service(await rt.stop(ctx, s))
                self.write_manifest(env)
        return await self.status(env)

    async def destroy(self, env: str) -> dict:
        """Stop and remove every service and all data of an environment."""
        row = self.require_env(env)
        async with self.lock(env):
            async with self.journal("env.destroy", env):
                self.state.set_env_field(env, status="destroying")
                await _remove_env(self, row)
        return {"env": env, "state": "destroyed"}

    async def clone_env(self, src: str, new: str) -> dict:
        """Copy an environment (data included) under a new name, then start it."""
        validate_name(new, "environment name")
        srow = self.require_env(src)
        if self.state.get_env(new):
            raise ConflictError(f"environment {new!r} already exists")
        async with self.lock(src), self.lock(new):
            rt = self.runtime(srow.runtime)
            sctx = self.context(srow)
            created = False
            try:
                async with self.journal("env.create", new, detail={"clone_of": src}) as op:
                    row = EnvRow(new, srow.profile, srow.runtime, "creating", time.time(), srow.expires_at, srow.active_branch, {"clone_of": src})
                    self.state.upsert_env(row)
                    created = True
                    self.write_secrets(new, self.read_secrets(src))
                    dctx = self.context(row)
                    services = dctx.profile.apply(self.config)
                    for s in self.state.services(src):
                        op.progress(f"{s.name}: copying data")
                        drow = _clone_row(self, s, new)
                        await rt.copy_service(sctx, s, dctx, drow)
                        drow = await rt.provision(dctx, s.name, services[s.name], drow)
                        drow.info["fresh"] = False
                        self.state.upsert_service(drow)
                        self.state.upsert_service(await rt.start(dctx, services[s.name], drow))
                    for b in self.state.db.execute("SELECT * FROM branches WHERE env = ?", (src,)).fetchall():
                        with self.state.tx() as db:
                            d = dict(b)
                            d["env"] = new
                            db.execute(f"INSERT INTO branches({', '.join(d)}) VALUES ({', '.join('?' * len(d))})", tuple(d.values()))
                    self.state.set_env_field(new, status="ready")
                    self.write_manifest(new)
                    write_env_file(self, new)
            except BaseException:
                if created:
                    await _remove_env(self, self.state.get_env(new) or row)
                raise
        return await self.status(new)

    async def gc(self, dry_run: bool = False) -> list[dict]:
        """Remove expired environments, leftovers of crashed runs and orphan server processes."""
        actions: list[dict] = []
        now = time.time()
        for row in self.state.list_envs():
            if row.expires_at and row.expires_at < now:
                actions.append({"action": "destroy", "env": row.name, "reason": "expired"})
                if not dry_run:
                    await self.destroy(row.name)
        known = {e.name for e in self.state.list_envs()}
        envs_dir = self.dir / "envs"
        if envs_dir.is_dir():
            for d in sorted(p for p in envs_dir.iterdir() if p.is_dir()):
                if d.name not in known:
                    actions.append({"action": "remove", "path": str(d), "reason": "no environment owns it"})
                    if not dry_run:
                        from .pg import cluster

                        for data in d.glob("postgres/*/data"):
                            await asyncio.to_thread(cluster.kill_orphans, data)
                        remove_tree(d)
        actions += await self.gc_extra(dry_run)
        return actions


def _clone_row(ws: WorkspaceBase, s: ServiceRow, new: str) -> ServiceRow:
    info = dict(s.info)
    for key in ("data_dir", "log"):
        if key in info:
            info[key] = info[key].replace(str(ws.env_dir(s.env)), str(ws.env_dir(new)), 1)
    return ServiceRow(new, s.name, s.kind, s.runtime, None, None, None, info)


async def _remove_env(ws: WorkspaceBase, row: EnvRow) -> None:
    ctx = ws.context(row)
    rt = ws.runtime(row.runtime)
    for s in reversed(ws.state.services(row.name)):
        await rt.remove(ctx, s)
        ws.state.delete_service(row.name, s.name)
    remove_tree(ws.env_dir(row.name))
    ws.state.delete_env(row.name)


def _start_order(services: dict) -> list[str]:
    """Topological order by depends_on; postgres first among equals."""
    order: list[str] = []
    seen: set[str] = set()

    def visit(n: str, stack: tuple = ()) -> None:
        if n in seen:
            return
        if n in stack:
            raise StackyardError(f"services depend on each other in a cycle: {' -> '.join(stack + (n,))}")
        for d in services[n].depends_on:
            if d in services:
                visit(d, stack + (n,))
        seen.add(n)
        order.append(n)

    for n in sorted(services, key=lambda k: (getattr(services[k], "kind", "") != "postgres", k)):
        visit(n)
    return order


@reconciler("env.create")
async def _reconcile_create(ws: WorkspaceBase, op: OperationRow) -> str:
    row = ws.state.get_env(op.env)
    if row is not None and row.status == "ready":
        return "done"
    from .pg import cluster

    for data in ws.env_dir(op.env).glob("postgres/*/data"):
        await asyncio.to_thread(cluster.kill_orphans, data)
    if row is None:
        remove_tree(ws.env_dir(op.env))
        return "rolled_back"
    if row.status == "ready":
        return "done"
    await _remove_env(ws, row)
    return "rolled_back"


@reconciler("env.destroy")
async def _reconcile_destroy(ws: WorkspaceBase, op: OperationRow) -> str:
    row = ws.state.get_env(op.env)
    if row is not None:
        await _remove_env(ws, row)
    else:
        remove_tree(ws.env_dir(op.env))
    return "done"
