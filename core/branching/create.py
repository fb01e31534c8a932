"""Creating branches and snapshots, and switching the env's active branch."""

from __future__ import annotations

import asyncio
import os
import time

from ..errors import UsageError
from . import models
from .base import BranchBase, app_name_for
from .copy import comment_statement, drop_database
from .models import BranchRow, current_user, database_name
from .sessions import allow_connections_statement


class BranchCreateOps(BranchBase):
    async def branch_create(self, env: str, name: str, *, parent: str | None = None, ttl: str | None = None,
                            switch: bool = False, terminate: bool = False) -> dict:
        """Create branch ``name`` as a full copy of ``parent`` (default: the active branch; ``@snap`` for a
        snapshot). ``ttl`` ('3d', 'never'; default: the profile's TTL). ``terminate`` ends sessions on the
        parent for the copy. Returns the branch plus ``strategy`` and ``seconds``."""
        return await self._create(env, name, parent=parent, ttl=ttl, switch=switch, terminate=terminate,
                                  snapshot=False)

    async def snapshot_create(self, env: str, name: str, *, source: str | None = None, ttl: str | None = None,
                              terminate: bool = False) -> dict:
        """Create an immutable snapshot of ``source`` (default: the active branch): no one can connect
        to it, so it is a stable parent (`branch create X --from @name`)."""
        return await self._create(env, name, parent=source, ttl=ttl, switch=False, terminate=terminate,
                                  snapshot=True)

    async def _create(self, env: str, name: str, *, parent: str | None, ttl: str | None, switch: bool,
                      terminate: bool, snapshot: bool) -> dict:
        what = "snapshot" if snapshot else "branch"
        self.require_env(env)
        self._ensure_free(env, name, what)
        expires_at = self._expiry(env, ttl, use_profile_default=not snapshot)
        async with self.lock(env):
            self._ensure_free(env, name, what)  # again: another run may have made it while we waited
            source = self._resolve_source(env, parent or self.state.get_env(env).active_branch)
            target_db = database_name(self._main_db(), name)
            async with self._admin(env) as conn:
                detail = {"database": target_db, "source": source.database, "terminate": terminate,
                          "app": app_name_for(os.getpid())}
                async with self.journal(f"{what}.create", env, name, detail=detail) as op:
                    info = {"from_snapshot": source.name} if source.is_snapshot else {}
                    row = BranchRow(env, name, source.name, target_db, snapshot, time.time(), expires_at,
                                    current_user(), info)
                    finish = [comment_statement(target_db, row.comment())]
                    if snapshot:
                        finish.insert(0, allow_connections_statement(target_db, False))
                    result = await self._copy(env, conn, source, target_db, op,
                                              terminate=terminate and not source.is_snapshot, finish=finish)
                    row.info["strategy"] = result.strategy.value
                    try:
                        models.insert_branch(self.state, row)
                    except BaseException:
                        # the copy is complete but unrecorded: never leave it behind
                        await asyncio.shield(drop_database(conn, target_db))
                        raise
                    if switch:
                        self._set_active(env, name)
        out = self._describe(row, active=self.state.get_env(env).active_branch, sizes={target_db: result.size_bytes},
                             children=[])
        return out | {"strategy": result.strategy.value, "seconds": round(result.seconds, 4),
                      "terminated": bool(terminate and not source.is_snapshot)}

    async def branch_switch(self, env: str, name: str) -> dict:
        """Make ``name`` the env's active branch: DATABASE_URL and .env now point at it."""
        self.require_env(env)
        async with self.lock(env):
            row = self._get(env, name)
            if row.is_snapshot:
                raise UsageError(f"{name!r} is a snapshot: nobody can connect to it",
                                 hint=f"branch from it: `stackyard branch create NAME --from @{name} --switch`")
            previous = self.state.get_env(env).active_branch
            async with self.journal("branch.switch", env, name):
                self._set_active(env, name)
        return {"env": env, "active_branch": name, "previous": previous, "database": row.database,
                "url": self.conninfo(env, name).redacted_url}
