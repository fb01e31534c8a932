"""Listing, resetting and deleting branches and snapshots; TTL cleanup; rebuilding lost state."""

from __future__ import annotations

import os
import time

from ..errors import ConflictError, StackyardError, UnreachableError, UsageError
from . import models
from .base import BranchBase, app_name_for
from .copy import database_exists, drop_database, rename_database, set_comment
from .models import MAIN, TEMP_PREFIX, BranchRow, parse_comment, temp_database_name


class BranchMaintainOps(BranchBase):
    async def branch_list(self, env: str) -> list[dict]:
        """Every branch and snapshot as a tree (depth-first from ``main``), with size and active marker."""
        env_row = self.require_env(env)
        rows = [self._main_row(env), *models.list_branch_rows(self.state, env)]
        sizes = await self._sizes(env)
        by_parent: dict[str | None, list[BranchRow]] = {}
        names = {r.name for r in rows}
        for r in rows:
            by_parent.setdefault(r.parent if r.parent in names else None, []).append(r)
        out: list[dict] = []

        def visit(r: BranchRow, depth: int) -> None:
            kids = by_parent.get(r.name, [])
            out.append(self._describe(r, active=env_row.active_branch, sizes=sizes, children=[k.name for k in kids])
                       | {"depth": depth})
            for k in kids:
                visit(k, depth + 1)

        for root in by_parent.get(None, []):
            visit(root, 0)
        return out

    async def snapshot_list(self, env: str) -> list[dict]:
        """The env's snapshots (immutable branches)."""
        return [b for b in await self.branch_list(env) if b["is_snapshot"]]

    async def branch_reset(self, env: str, name: str, *, to_snapshot: bool | str = False,
                           terminate: bool = False) -> dict:
        """Give ``name`` its parent's current data again (or the snapshot it was made from, or the named
        snapshot when ``to_snapshot`` is a name) under the same database name and URL. Sessions on the
        branch are ended; ``terminate`` also ends sessions on the parent for the copy."""
        self.require_env(env)
        async with self.lock(env):
            row = self._get(env, name)
            if name == MAIN:
                raise UsageError("`main` has no parent to reset to", hint="use `stackyard db reset` to rebuild it")
            if row.is_snapshot:
                raise UsageError(f"{name!r} is a snapshot; snapshots never change", hint="delete and recreate it")
            source = self._reset_source(env, row, to_snapshot)
            tmp = temp_database_name()
            async with self._admin(env) as conn:
                detail = {"database": row.database, "temp": tmp, "source": source.database, "terminate": terminate,
                          "app": app_name_for(os.getpid())}
                async with self.journal("branch.reset", env, name, detail=detail) as op:
                    # copy first, swap after: a failed copy leaves the branch as it was
                    try:
                        result = await self._copy(env, conn, source, tmp, op,
                                                  terminate=terminate and not source.is_snapshot)
                        op.progress("swapping in the new copy")
                        await drop_database(conn, row.database)
                        await rename_database(conn, tmp, row.database)
                    except BaseException:
                        try:
                            if not await database_exists(conn, row.database) and await database_exists(conn, tmp):
                                await rename_database(conn, tmp, row.database)  # keep the name alive
                            await drop_database(conn, tmp)
                        except Exception as cleanup:  # keep the original error; say what is left
                            self.bus.warning(f"could not clean up after the failed reset of {name!r}: {cleanup}; "
                                             f"scratch database {tmp} may be left (gc-safe to drop)")
                        raise
                    await set_comment(conn, row.database, row.comment())
        return self._describe(row, active=self.state.get_env(env).active_branch,
                              sizes={row.database: result.size_bytes}) | {
            "reset_to": source.name, "strategy": result.strategy.value, "seconds": round(result.seconds, 4)}

    def _reset_source(self, env: str, row: BranchRow, to_snapshot: bool | str) -> BranchRow:
        if isinstance(to_snapshot, str) and to_snapshot:
            return self._resolve_source(env, "@" + to_snapshot.lstrip("@"))
        if to_snapshot:
            snap = row.info.get("from_snapshot")
            if not snap:
                raise UsageError(f"branch {row.name!r} was not made from a snapshot",
                                 hint="reset to its parent (no --to-snapshot), or name one: --to-snapshot NAME")
            return self._resolve_source(env, "@" + snap)
        if row.parent is None:
            raise UsageError(f"branch {row.name!r} has no parent", hint="reset it to a snapshot: --to-snapshot NAME")
        try:
            return self._get(env, row.parent)
        except StackyardError:
            raise StackyardError(f"the parent of {row.name!r} ({row.parent!r}) no longer exists",
                                 hint="reset it to a snapshot (--to-snapshot NAME) or delete it") from None

    async def branch_delete(self, env: str, name: str, *, cascade: bool = False) -> dict:
        """Drop branch ``name`` (its sessions are ended). Refuses ``main`` and branches with children unless
        ``cascade``. When the active branch goes, the env switches to its nearest surviving ancestor."""
        return await self._delete(env, name, cascade=cascade, snapshot=False)

    async def snapshot_delete(self, env: str, name: str, *, cascade: bool = False) -> dict:
        """Drop snapshot ``name``; refuses while branches were made from it unless ``cascade``."""
        return await self._delete(env, name, cascade=cascade, snapshot=True)

    async def _delete(self, env: str, name: str, *, cascade: bool, snapshot: bool) -> dict:
        what = "snapshot" if snapshot else "branch"
        self.require_env(env)
        if name == MAIN:
            raise UsageError("`main` cannot be deleted: it is the environment's own database",
                             hint=f"`stackyard destroy {env}` removes the whole environment")
        async with self.lock(env):
            row = self._get(env, name, what)
            if row.is_snapshot != snapshot:
                other = "snapshot" if row.is_snapshot else "branch"
                raise UsageError(f"{name!r} is a {other}", hint=f"use `stackyard {other} delete {name}`")
            below = models.descendants_of(self.state, env, name)
            if below and not cascade:
                raise ConflictError(
                    f"{what} {name!r} has children: {', '.join(b.name for b in below)}",
                    hint="delete them first, or pass --cascade to delete them too")
            doomed = [*below, row]
            active = self.state.get_env(env).active_branch
            switch_to = None
            if active in {b.name for b in doomed}:
                switch_to = self._surviving_ancestor(env, row)
            async with self._admin(env) as conn:
                detail = {"databases": {b.name: b.database for b in doomed}, "switch_to": switch_to}
                async with self.journal(f"{what}.delete", env, name, detail=detail):
                    if switch_to:  # point the app elsewhere before its database disappears
                        self._set_active(env, switch_to)
                    for b in doomed:
                        await drop_database(conn, b.database)
                        models.delete_branch_row(self.state, env, b.name)
        if switch_to:
            self.bus.warning(f"deleted the active branch; environment {env!r} now uses {switch_to!r}")
        return {"env": env, "deleted": [b.name for b in doomed], "active_branch": switch_to or active,
                "switched_to": switch_to}

    def _surviving_ancestor(self, env: str, row: BranchRow) -> str:
        parent = row.parent
        while parent and parent != MAIN:
            p = models.get_branch(self.state, env, parent)
            if p is None:
                break
            if not p.is_snapshot:
                return p.name
            parent = p.parent
        return MAIN

    async def gc_extra(self, dry_run: bool) -> list[dict]:
        """Remove expired branches and snapshots (leaves first; ones with live children stay)."""
        actions = list(await super().gc_extra(dry_run))
        now = time.time()
        for env_row in self.state.list_envs():
            if env_row.status != "ready":
                continue
            rows = models.list_branch_rows(self.state, env_row.name)
            expired = {r.name for r in rows if r.expires_at is not None and r.expires_at < now}
            depth = {r.name: _depth(rows, r) for r in rows}
            for r in sorted((r for r in rows if r.name in expired), key=lambda r: -depth[r.name]):
                below = models.descendants_of(self.state, env_row.name, r.name)
                if any(b.name not in expired for b in below):
                    actions.append({"action": "keep", "env": env_row.name, "branch": r.name,
                                    "reason": "expired, but has branches that have not expired"})
                    continue
                actions.append({"action": "delete", "env": env_row.name, "branch": r.name, "reason": "expired",
                                "snapshot": r.is_snapshot})
                if dry_run or models.get_branch(self.state, env_row.name, r.name) is None:
                    continue
                try:
                    await self._delete(env_row.name, r.name, cascade=True, snapshot=r.is_snapshot)
                except UnreachableError as e:
                    actions[-1].update(action="skip", reason=f"expired, but {e.message}")
            actions += await self._gc_scratch(env_row.name, dry_run)
        return actions

    async def _gc_scratch(self, env: str, dry_run: bool) -> list[dict]:
        """Scratch databases (reset/merge copies) that no running operation owns: leftovers of failures."""
        out: list[dict] = []
        try:
            async with self.lock(env), self._admin(env, reuse=False) as conn:
                cur = await conn.execute("SELECT datname FROM pg_database WHERE starts_with(datname, %s)",
                                         (TEMP_PREFIX,))
                owned = {str(v) for op in self.state.running_ops() if op.env == env for v in op.detail.values()}
                for (name,) in await cur.fetchall():
                    if name in owned:
                        continue
                    out.append({"action": "drop", "env": env, "database": name, "reason": "leftover scratch copy"})
                    if not dry_run:
                        await drop_database(conn, name)
        except StackyardError:
            pass  # a stopped (or busy) env: its scratch databases wait for the next gc
        return out

    async def rebuild_branches(self, env: str) -> dict:
        """Rebuild the env's branch rows from the JSON in COMMENT ON DATABASE (for a lost state db).

        Adds rows for databases stackyard made that the state lacks; removes rows whose database is
        gone. Returns what changed.
        """
        self.require_env(env)
        added: list[str] = []
        removed: list[str] = []
        async with self.lock(env):
            async with self._admin(env) as conn:
                cur = await conn.execute(
                    "SELECT datname, shobj_description(oid, 'pg_database') FROM pg_database")
                found: dict[str, BranchRow] = {}
                existing = set()
                for datname, comment in await cur.fetchall():
                    existing.add(datname)
                    data = parse_comment(comment)
                    if data is not None and data["branch"] != MAIN:
                        found[data["branch"]] = BranchRow.from_comment(env, datname, data)
            known = {b.name: b for b in models.list_branch_rows(self.state, env)}
            for name, row in found.items():
                if name not in known:
                    models.insert_branch(self.state, row)
                    added.append(name)
            for name, row in known.items():
                if row.database not in existing:
                    models.delete_branch_row(self.state, env, name)
                    removed.append(name)
            active = self.state.get_env(env).active_branch
            if active != MAIN and models.get_branch(self.state, env, active) is None:
                self._set_active(env, MAIN)
        return {"env": env, "added": sorted(added), "removed": sorted(removed)}



def _depth(rows: list[BranchRow], row: BranchRow) -> int:
    by_name = {r.name: r for r in rows}
    d, parent = 0, row.parent
    while parent in by_name and d < len(rows):
        d, parent = d + 1, by_name[parent].parent
    return d
