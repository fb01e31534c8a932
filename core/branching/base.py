"""What every branch operation shares: admin connections, resolving names, copying, describing."""

from __future__ import annotations

import asyncio
import os
import time
from contextlib import asynccontextmanager
from pathlib import Path
from typing import AsyncIterator

import psycopg
from psycopg import sql

from ..config.models import parse_duration
from ..envfile import write_env_file
from ..errors import ConflictError, NotFoundError, StackyardError, UnreachableError, UsageError
from ..events import OperationScope
from ..names import validate_name
from ..workspace import WorkspaceBase
from . import models
from .copy import CopyResult, choose_strategy, copy_database, drop_database, preflight, reflink_supported
from .dbsettings import settings_statements
from .models import MAIN, BranchRow
from .sessions import APP_NAME, exclusive_source

NO_EXPIRY = {"never", "none", "0"}


def app_name_for(pid: int) -> str:
    """application_name of our admin sessions: reconcile ends a dead process's leftover backends by it."""
    return f"{APP_NAME} {pid}"


async def _alive(conn: psycopg.AsyncConnection) -> bool:
    if conn.closed or conn.broken or conn.info.transaction_status != 0:
        return False
    try:
        await conn.execute("SELECT 1")
        return True
    except psycopg.Error:
        return False


class BranchBase(WorkspaceBase):
    @asynccontextmanager
    async def _admin(self, env: str, *, reuse: bool = True) -> AsyncIterator[psycopg.AsyncConnection]:
        """An autocommit superuser connection to the maintenance database of the env's cluster.

        Kept open for the Workspace's life (``reuse``; callers hold the env lock): connecting costs
        more than a cloned copy of a gigabyte (SCRAM), and the TUI keeps one Workspace open.
        """
        cache: dict = self.__dict__.setdefault("_branch_admin_conns", {})
        key = (env, self.admin_dsn(env))
        conn = cache.pop(key, None) if reuse else None
        if conn is not None and not await _alive(conn):
            await conn.close()  # the server restarted (down/up) or the session was ended
            conn = None
        if conn is None:
            try:
                conn = await psycopg.AsyncConnection.connect(key[1], autocommit=True,
                                                             application_name=app_name_for(os.getpid()))
            except psycopg.OperationalError as e:
                raise UnreachableError(
                    f"cannot reach the postgres of environment {env!r}: {str(e).strip().splitlines()[0]}",
                    hint=f"start it with `stackyard up {env}`") from None
        try:
            yield conn
        except BaseException:
            await conn.close()  # its state is unknown after a failure: never reuse it
            raise
        if reuse and not conn.closed:
            cache[key] = conn
        else:
            await conn.close()

    async def aclose(self) -> None:
        for conn in self.__dict__.pop("_branch_admin_conns", {}).values():
            await conn.close()
        await super().aclose()

    def _main_db(self) -> str:
        return self.primary_postgres()[1].database

    def _main_row(self, env: str) -> BranchRow:
        env_row = self.require_env(env)
        return BranchRow(env, MAIN, None, self._main_db(), False, env_row.created_at, None, None, {})

    def _get(self, env: str, name: str, what: str = "branch") -> BranchRow:
        """The branch or snapshot ``name`` (``main`` included); NotFoundError otherwise."""
        if name == MAIN:
            return self._main_row(env)
        validate_name(name, f"{what} name")
        row = models.get_branch(self.state, env, name)
        if row is None:
            known = [b.name for b in models.list_branch_rows(self.state, env)]
            raise NotFoundError(f"no {what} {name!r} in environment {env!r}",
                                hint="known: " + ", ".join([MAIN, *known]) if known else "see `stackyard branch list`")
        return row

    def _resolve_source(self, env: str, spec: str) -> BranchRow:
        """A parent given as ``name`` or ``@snapshot`` (the @ insists on a snapshot)."""
        if spec.startswith("@"):
            row = self._get(env, spec[1:], "snapshot")
            if not row.is_snapshot:
                raise UsageError(f"{spec[1:]!r} is a branch, not a snapshot", hint=f"use --from {spec[1:]}")
            return row
        return self._get(env, spec)

    def _ensure_free(self, env: str, name: str, what: str) -> None:
        validate_name(name, f"{what} name")
        if name == MAIN or models.get_branch(self.state, env, name) is not None:
            raise ConflictError(f"a branch or snapshot named {name!r} already exists in environment {env!r}",
                                hint="pick another name, or delete the existing one first")

    def _expiry(self, env: str, ttl: str | None, *, use_profile_default: bool = True) -> float | None:
        """Absolute expiry for ``ttl`` ('3d'); none given → the profile's default TTL."""
        if ttl is not None and str(ttl).strip().lower() in NO_EXPIRY:
            return None
        if ttl is None:
            if not use_profile_default:
                return None
            ttl = self._profile_ttl(self.require_env(env).profile)
            if not ttl:
                return None
        try:
            return time.time() + parse_duration(ttl)
        except ValueError as e:
            raise UsageError(str(e), hint="e.g. --ttl 90m, --ttl 3d, --ttl 1w, or --ttl never") from None

    def _profile_ttl(self, profile: str) -> str | None:
        """The profile's default TTL (profiles are parsed once per Workspace: YAML costs milliseconds)."""
        cache = self.__dict__.setdefault("_branch_profile_ttl", {})
        if profile not in cache:
            cache[profile] = self.load_profile(profile).ttl
        return cache[profile]

    def _data_dir(self, env: str) -> Path | None:
        name, _ = self.primary_postgres()
        for s in self.state.services(env):
            if s.name == name and s.info.get("data_dir"):
                return Path(s.info["data_dir"])
        return None

    async def _copy(self, env: str, conn: psycopg.AsyncConnection, source: BranchRow, target_db: str,
                    op: OperationScope, *, terminate: bool, finish: list[sql.Composed] | tuple = ()) -> CopyResult:
        """Copy ``source``'s database to ``target_db`` with the best strategy for it, then give the copy
        the source's settings/owner/grants plus the ``finish`` statements (one round trip). A copy
        whose finishing fails is dropped."""
        pre = await preflight(conn, source.database, target_db)
        if pre.target_exists:
            raise ConflictError(
                f"database {target_db} already exists in the cluster of environment {env!r} but stackyard has "
                "no record of it",
                hint="`stackyard doctor --rebuild-state` adopts databases stackyard made; otherwise drop it")
        size = pre.size_bytes
        reflink = await asyncio.to_thread(reflink_supported, self._data_dir(env),
                                          self.env_dir(env) / "branching-fs.json")
        strategy = choose_strategy(pre.server_version_num, reflink, size)
        after = [*await settings_statements(conn, source.database, target_db), *finish]
        op.progress(f"copying {source.name} ({strategy.value})", 0, size, "bytes")
        async with exclusive_source(conn, source.name, source.database, terminate=terminate,
                                    sessions=pre.sessions) as ended:
            if ended:
                self.bus.warning(f"ended {len(ended)} session(s) on {source.name} to copy it")
            result = await copy_database(conn, self.admin_dsn(env), source.database, target_db, strategy, op,
                                         size_bytes=size)
        if after:
            try:
                await conn.execute(sql.SQL("; ").join(after))
            except BaseException:
                await asyncio.shield(drop_database(conn, target_db))  # never leave an unrecorded copy
                raise
        return result

    def _set_active(self, env: str, name: str) -> None:
        """Point the env (state, manifest, .env) at branch ``name``."""
        self.state.set_env_field(env, active_branch=name)
        self.write_manifest(env)
        write_env_file(self, env)

    def _describe(self, row: BranchRow, *, active: str, sizes: dict[str, int] | None = None,
                  children: list[str] | None = None) -> dict:
        return {
            "name": row.name, "parent": row.parent, "database": row.database, "is_snapshot": row.is_snapshot,
            "created_at": row.created_at, "expires_at": row.expires_at, "created_by": row.created_by,
            "from_snapshot": row.info.get("from_snapshot"),
            "size_bytes": (sizes or {}).get(row.database), "active": row.name == active,
            "children": children if children is not None else
            [b.name for b in models.children_of(self.state, row.env, row.name)],
        }

    async def _sizes(self, env: str) -> dict[str, int]:
        """Database sizes (logical bytes: blocks shared by reflinks are counted in every copy)."""
        try:
            async with self._admin(env, reuse=False) as conn:  # no env lock here: a connection of its own
                cur = await conn.execute("SELECT datname, pg_database_size(oid) FROM pg_database")
                return {n: int(s) for n, s in await cur.fetchall()}
        except (StackyardError, psycopg.Error):  # not running, or no postgres service yet: sizes unknown
            return {}
