"""Apply (or revert) one migration file with its history rows.

Ordering rules:
1. The file's transactional statements run first, in file order, in ONE transaction.
2. When the file has no standalone statements, its history rows are written in that same
   transaction: a failure leaves nothing of the file applied.
3. Standalone statements (CREATE INDEX CONCURRENTLY, VACUUM, ...) run after, one by one, in
   file order, outside any transaction. Meanwhile stackyard's table marks the file ``partial``
   (the Supabase table has no row yet, so the Supabase CLI still sees it as pending). When a
   standalone statement fails, the next ``up`` resumes at that statement — if the transactional
   part is unchanged — and the history rows are written once all standalone statements ran.
4. BEGIN/COMMIT written in the file are skipped: the runner owns the transaction.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import psycopg
from psycopg import sql

from ...errors import ConflictError, SQLError
from . import history
from .executor import (
    SqlPlan,
    apply_sql_in_transaction,
    plan_statements,
    reset_session,
    reset_session_sql,
    rollback_quietly,
    run_standalone,
    run_statement,
)
from .files import MigrationFile, Section
from .history import HistoryRow


@dataclass
class AppliedMigration:
    """The outcome of applying or reverting one file."""

    version: str
    name: str
    path: str
    direction: str = "up"  # "up" | "down"
    statements: int = 0
    standalone: int = 0
    duration_ms: float | None = None
    dry_run: bool = False
    resumed: bool = False
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return dict(self.__dict__)


def plan_section(section: Section) -> SqlPlan:
    """Split and sort one section's statements (see the module's ordering rules)."""
    return plan_statements(section.statements(), path=str(section.path), transaction=section.transaction)


def _partial_error(e: SQLError, done: int, total: int, direction: str) -> SQLError:
    if direction == "up":
        tail = (f"; the file's transactional part is committed and {done} of {total} standalone statements ran"
                " — fix this statement and run `migration up` again to resume here")
    else:
        tail = (f"; the down section's transactional part is committed and {done} of {total} standalone "
                "statements ran — the history still lists this version as applied")
    return SQLError(_strip_loc(e) + tail, statement=e.statement, path=e.path, line=e.line, hint=e.hint,
                    sqlstate=e.sqlstate)


def _strip_loc(e: SQLError) -> str:
    loc = f"{e.path}:{e.line}: " if e.path and e.line else (f"{e.path}: " if e.path else "")
    return e.message[len(loc):] if e.message.startswith(loc) else e.message


async def _apply_in_one_transaction(
    conn: psycopg.AsyncConnection, mf: MigrationFile, plan: SqlPlan, texts: list[str], switches_role: bool,
    elapsed, reset: sql.Composable,
) -> None:
    """The common case: session reset + BEGIN in one round trip, the statements, then the history
    rows + COMMIT in one round trip — as few round trips as a bare loop, and all-or-nothing."""
    await conn.execute(sql.Composed([reset, sql.SQL("; BEGIN")]))
    try:
        for s in plan.transactional:
            await run_statement(conn, s, str(mf.path))
        # RESET ROLE: the history belongs to the migration user, not to a role the file switched to
        closing = sql.Composed([
            sql.SQL("RESET ROLE; " if switches_role else ""),
            history.applied_sql(version=mf.version, name=mf.name, statements=texts, checksum=mf.checksum,
                                duration_ms=elapsed()),
            sql.SQL("; COMMIT"),
        ])
        try:
            await conn.execute(closing)
        except psycopg.Error as e:
            raise SQLError(f"recording {mf.version} in the migration history failed: "
                           f"{e.diag.message_primary or str(e).strip()}", path=str(mf.path),
                           sqlstate=e.sqlstate) from None
    except BaseException:
        await rollback_quietly(conn)
        raise


async def apply_migration(
    conn: psycopg.AsyncConnection,
    mf: MigrationFile,
    row: HistoryRow | None,
    *,
    lock_timeout: float | None = None,
    statement_timeout: float | None = None,
    plan: SqlPlan | None = None,
) -> AppliedMigration:
    """Apply ``mf`` on ``conn`` (autocommit; the caller holds the migration lock)."""
    plan = plan or plan_section(mf.up)
    result = AppliedMigration(mf.version, mf.name, str(mf.path), "up", len(plan.all_run()),
                              len(plan.standalone), notes=list(plan.notes))
    texts = [s.text for s in plan.all_run()]
    switches_role = any(s.words[:1] == ("SET",) and "ROLE" in s.words[:3] for s in plan.transactional)
    t0 = time.perf_counter()

    def elapsed() -> float:
        return round((time.perf_counter() - t0) * 1000, 3)

    if (row is None or row.state != "partial") and not plan.standalone:
        await _apply_in_one_transaction(conn, mf, plan, texts, switches_role, elapsed,
                                        reset_session_sql(lock_timeout=lock_timeout, statement_timeout=statement_timeout))
        result.duration_ms = elapsed()
        return result
    await reset_session(conn, lock_timeout=lock_timeout, statement_timeout=statement_timeout)
    start = 0
    if row is not None and row.state == "partial":
        if row.tx_checksum != plan.tx_checksum:
            raise ConflictError(
                f"{mf.path.name} is partially applied and its transactional part changed since",
                hint="undo the partial changes by hand and run `migration repair "
                f"{mf.version} --status reverted`, or restore the file",
            )
        start, result.resumed = row.nontx_done, True
    else:
        async def mark_partial(c: psycopg.AsyncConnection) -> None:
            await history.record_partial(c, version=mf.version, name=mf.name, checksum=mf.checksum,
                                         tx_checksum=plan.tx_checksum, nontx_done=0)

        await apply_sql_in_transaction(conn, plan.transactional, path=str(mf.path), before_commit=mark_partial)

    for k in range(start, len(plan.standalone)):
        try:
            await run_standalone(conn, plan.standalone[k], str(mf.path))
        except SQLError as e:
            raise _partial_error(e, k, len(plan.standalone), "up") from None
        await history.record_partial(conn, version=mf.version, name=mf.name, checksum=mf.checksum,
                                     tx_checksum=plan.tx_checksum, nontx_done=k + 1)
    async with conn.transaction():
        await history.record_applied(conn, version=mf.version, name=mf.name, statements=texts,
                                     checksum=mf.checksum, duration_ms=elapsed())
    result.duration_ms = elapsed()
    return result


async def revert_migration(
    conn: psycopg.AsyncConnection,
    mf: MigrationFile,
    *,
    lock_timeout: float | None = None,
    statement_timeout: float | None = None,
) -> AppliedMigration:
    """Run ``mf``'s down section and delete its history rows (same ordering rules as up)."""
    assert mf.down is not None
    plan = plan_section(mf.down)
    result = AppliedMigration(mf.version, mf.name, str(mf.down.path), "down", len(plan.all_run()),
                              len(plan.standalone), notes=list(plan.notes))
    t0 = time.perf_counter()
    await reset_session(conn, lock_timeout=lock_timeout, statement_timeout=statement_timeout)

    async def forget(c: psycopg.AsyncConnection) -> None:
        await history.delete_rows(c, mf.version)

    await apply_sql_in_transaction(conn, plan.transactional, path=str(mf.down.path),
                                   before_commit=None if plan.standalone else forget)
    if plan.standalone:
        for k, stmt in enumerate(plan.standalone):
            try:
                await run_standalone(conn, stmt, str(mf.down.path))
            except SQLError as e:
                raise _partial_error(e, k, len(plan.standalone), "down") from None
        async with conn.transaction():
            await forget(conn)
    result.duration_ms = round((time.perf_counter() - t0) * 1000, 3)
    return result
