"""``branch diff``: schema (and optionally data) differences between two branches."""

from __future__ import annotations

from contextlib import asynccontextmanager, nullcontext
from typing import AsyncIterator

from ..errors import UsageError
from .base import BranchBase
from .datadiff import data_diff_text, diff_data
from .models import BranchRow
from .sessions import set_allow_connections


class BranchDiffOps(BranchBase):
    async def branch_diff(self, env: str, a: str, b: str | None = None, *, data: bool = False,
                          table: str | None = None, rows: int = 0) -> dict:
        """Differences of branch ``a`` against ``b`` (default: a's parent).

        ``schema`` holds the schema diff (changes that turn B into A) and ``sql`` its DDL
        (destructive steps included, flagged in ``schema``); with ``data``, ``data`` lists rows
        added/changed/removed per table by primary key (``rows`` samples each; ``table`` only one).
        """
        from ..pg.schemadiff import diff_databases

        self.require_env(env)
        if rows < 0:
            raise UsageError("--rows must be 0 or more")
        ra = self._get(env, a)
        if b is None:
            if ra.parent is None:
                raise UsageError(f"{a!r} has no parent to compare with", hint="name the other side: branch diff A B")
            b = ra.parent
        rb = self._get(env, b)
        # read-only: the env lock is only needed to open snapshots (a long data diff must not block the env)
        lock = self.lock(env) if ra.is_snapshot or rb.is_snapshot else nullcontext()
        async with lock, self._readable(env, ra) as dsn_a, self._readable(env, rb) as dsn_b:
            async with self.journal("branch.diff", env, f"{a}..{b}") as op:
                op.progress("comparing schemas")
                schema = await diff_databases(dsn_b, dsn_a, bus=self.bus)
                out = {"env": env, "a": a, "b": b, "schema": schema.to_dict(), "text": schema.to_text(),
                       "sql": schema.to_sql(allow_destructive=True)}
                if data or table is not None:
                    results = await diff_data(dsn_a, dsn_b, table=table, rows=rows, op=op)
                    out["data"] = [r.to_dict() for r in results]
                    out["data_text"] = data_diff_text(results)
        return out

    @asynccontextmanager
    async def _readable(self, env: str, row: BranchRow) -> AsyncIterator[str]:
        """A DSN to read ``row``. Snapshots refuse connections: open them for the read only, in
        read-only sessions, and close them again afterwards (always)."""
        dsn = self.conninfo(env, database=row.database).url
        if not row.is_snapshot:
            yield dsn
            return
        sep = "&" if "?" in dsn else "?"
        async with self._admin(env) as conn:
            await set_allow_connections(conn, row.database, True)
            try:
                yield dsn + sep + "options=-c%20default_transaction_read_only%3Don"
            finally:
                await set_allow_connections(conn, row.database, False)
