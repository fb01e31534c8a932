"""Building blocks to run SQL files safely: connections, the advisory lock, one-transaction apply.

Reusable outside migrations (branch merge scripts, ``db reset``, seeds): see
:func:`apply_sql_file_in_transaction` and :func:`apply_sql_in_transaction`.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from psycopg import errors as pgerrors
from psycopg import sql

from ...errors import LockedError, SQLError, UnreachableError, UsageError
from ...events import NULL_BUS, EventBus
from .classify import StatementKind, classify, note_for
from .splitter import Statement, split_sql

APP_NAME = "stackyard migrations"
# One fixed key per database (advisory locks are scoped to the current database).
LOCK_KEY = 0x53_74_6B_79_4D_69_67  # "StkyMig"


async def connect(dsn: str, *, application_name: str = APP_NAME, bus: EventBus | None = None
                  ) -> psycopg.AsyncConnection:
    """An autocommit connection without auto-prepare (DDL would invalidate prepared plans).

    With ``bus``, server WARNINGs (not routine NOTICEs) are forwarded to the user.
    """
    try:
        conn = await psycopg.AsyncConnection.connect(
            dsn, autocommit=True, prepare_threshold=None, application_name=application_name
        )
        if bus is not None:
            def forward(diag: psycopg.errors.Diagnostic) -> None:
                if diag.severity_nonlocalized == "WARNING":
                    bus.warning(f"server: {diag.message_primary}")

            conn.add_notice_handler(forward)
        return conn
    except psycopg.OperationalError as e:
        raise UnreachableError(f"cannot connect to the database: {str(e).strip().splitlines()[0]}",
                               hint="is the environment running? try `stackyard up`") from None


_COPY_LINE = re.compile(r"\bline (\d+)")  # in a COPY error's context: "COPY t, line 3"


def _ms(seconds: float | None) -> str:
    return "0" if seconds is None else f"{max(int(seconds * 1000), 1)}ms"


async def reset_session(
    conn: psycopg.AsyncConnection, *, lock_timeout: float | None = None, statement_timeout: float | None = None
) -> None:
    """Undo SETs left by the previous file (as the Supabase CLI does), then apply our timeouts."""
    await conn.execute(reset_session_sql(lock_timeout=lock_timeout, statement_timeout=statement_timeout))


def reset_session_sql(*, lock_timeout: float | None = None, statement_timeout: float | None = None) -> sql.Composable:
    """``RESET ALL`` plus our timeouts as one simple query (one round trip)."""
    if lock_timeout is None and statement_timeout is None:
        return sql.SQL("RESET ALL")
    # values are our own numbers, quoted as literals all the same
    return sql.SQL("RESET ALL; SET lock_timeout = {}; SET statement_timeout = {}").format(
        sql.Literal(_ms(lock_timeout)), sql.Literal(_ms(statement_timeout)))


async def rollback_quietly(conn: psycopg.AsyncConnection) -> None:
    """End a manually begun transaction after a failure (the original error is what matters)."""
    try:
        if not conn.closed and conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
            await conn.execute("ROLLBACK")
    except psycopg.Error:
        pass


def sql_error(e: psycopg.Error, stmt: Statement, path: str | None, *, prefix: str = "") -> SQLError:
    """Turn a server error into SQLError at the exact file line (error position, or COPY data line)."""
    diag = e.diag
    msg = diag.message_primary or str(e).strip()
    if diag.message_detail:
        msg += f" (detail: {diag.message_detail})"
    if diag.context and "PL/pgSQL" in diag.context:
        msg += f" (context: {diag.context.strip().splitlines()[0]})"
    line = stmt.line
    copy_row = _COPY_LINE.search(diag.context or "") if stmt.copy_data is not None else None
    if copy_row:  # "COPY t, line 3": the third data line
        line = stmt.copy_line + int(copy_row.group(1)) - 1
    pos = diag.statement_position
    if pos:
        try:
            line = stmt.line + stmt.text[: int(pos) - 1].count("\n")
        except ValueError:
            pass
    hint = diag.message_hint
    sqlstate = e.sqlstate
    if sqlstate == "55P03" and not hint:
        hint = "lock_timeout expired: another session holds a conflicting lock; retry or raise lock_timeout"
    elif sqlstate == "57014" and not hint:
        hint = "statement_timeout expired (or the statement was cancelled); raise statement_timeout"
    return SQLError(prefix + msg, statement=stmt.text, path=path, line=line, hint=hint, sqlstate=sqlstate)


async def run_statement(conn: psycopg.AsyncConnection, stmt: Statement, path: str | None) -> None:
    """Execute one statement (feeding COPY ... FROM stdin its data); failures become SQLError."""
    try:
        if stmt.copy_data is not None:
            async with conn.cursor() as cur:
                async with cur.copy(stmt.text) as copy:  # type: ignore[arg-type]
                    await copy.write(stmt.copy_data.encode())
        else:
            await conn.execute(stmt.text)  # type: ignore[arg-type]  # user SQL, run verbatim
    except psycopg.Error as e:
        raise sql_error(e, stmt, path) from None


@dataclass
class SqlPlan:
    """A section split into what runs in the transaction, what runs standalone after, what is skipped."""

    transactional: list[Statement] = field(default_factory=list)
    standalone: list[Statement] = field(default_factory=list)
    skipped: list[Statement] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def tx_checksum(self) -> str:
        """Hash of the transactional part (to resume a partial file only if that part is unchanged)."""
        return hashlib.sha256("\0".join(s.text for s in self.transactional).encode()).hexdigest()

    def all_run(self) -> list[Statement]:
        return self.transactional + self.standalone


def plan_statements(statements: list[Statement], *, path: str | None = None, transaction: bool = True) -> SqlPlan:
    """Sort statements into transactional / standalone (non-transactional) / skipped BEGIN-COMMIT."""
    plan = SqlPlan()
    where = f"{path}:" if path else "line "
    for s in statements:
        kind = classify(s)
        if kind is StatementKind.TRANSACTION_CONTROL:
            plan.skipped.append(s)
            plan.notes.append(f"{where}{s.line}: skipped {s.words[0]} (each file already runs in one transaction)")
            continue
        if kind is StatementKind.NON_TRANSACTIONAL or not transaction:
            plan.standalone.append(s)
            continue
        if plan.standalone:
            plan.notes.append(
                f"{where}{s.line}: runs before the standalone statement at line {plan.standalone[0].line} "
                "(transactional statements run first, then standalone ones)"
            )
        plan.transactional.append(s)
        note = note_for(s)
        if note:
            plan.notes.append(f"{where}{s.line}: {note}")
    return plan


async def apply_sql_in_transaction(
    conn: psycopg.AsyncConnection,
    statements: list[Statement],
    *,
    path: str | None = None,
    before_commit: Callable[[psycopg.AsyncConnection], Awaitable[None]] | None = None,
) -> None:
    """Run ``statements`` in one transaction (then ``before_commit``); any failure rolls all back."""
    async with conn.transaction():
        for s in statements:
            await run_statement(conn, s, path)
        if before_commit is not None:
            await before_commit(conn)


async def apply_sql_file_in_transaction(
    conn: psycopg.AsyncConnection,
    path: Path,
    *,
    text: str | None = None,
    first_line: int = 1,
    before_commit: Callable[[psycopg.AsyncConnection], Awaitable[None]] | None = None,
    lock_timeout: float | None = None,
    statement_timeout: float | None = None,
) -> SqlPlan:
    """Split a SQL file and run it in ONE transaction on ``conn`` (an autocommit connection).

    Nothing of the file stays applied when a statement fails (SQLError with path:line, the
    statement and the server's message/hint/sqlstate). Statements that cannot run in a
    transaction are refused up front (UsageError) — use the migration engine for those.
    ``before_commit(conn)`` runs inside the same transaction (e.g. to write a history row).
    """
    if text is None:
        text = path.read_bytes().replace(b"\r\n", b"\n").decode("utf-8")
    plan = plan_statements(split_sql(text, path=str(path), first_line=first_line), path=str(path))
    if plan.standalone:
        s = plan.standalone[0]
        raise UsageError(
            f"{path}:{s.line}: {' '.join(s.words[:3])} cannot run inside a transaction",
            hint="move it to a migration (the migration runner runs such statements standalone)",
        )
    await reset_session(conn, lock_timeout=lock_timeout, statement_timeout=statement_timeout)
    await apply_sql_in_transaction(conn, plan.transactional, path=str(path), before_commit=before_commit)
    return plan


async def _invalid_indexes(conn: psycopg.AsyncConnection) -> set[str]:
    cur = await conn.execute("SELECT indexrelid::regclass::text FROM pg_index WHERE NOT indisvalid")
    return {r[0] for r in await cur.fetchall()}


async def run_standalone(conn: psycopg.AsyncConnection, stmt: Statement, path: str | None) -> None:
    """Run one non-transactional statement; drop an INVALID index a failed CONCURRENTLY build left."""
    concurrent_index = stmt.words[:1] == ("CREATE",) and "CONCURRENTLY" in stmt.words[:4]
    before = await _invalid_indexes(conn) if concurrent_index else set()
    try:
        await run_statement(conn, stmt, path)
    except SQLError:
        if concurrent_index:
            for name in await _invalid_indexes(conn) - before:
                # name comes from regclass::text, already quoted as needed
                await conn.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")  # type: ignore[arg-type]
        raise


async def _lock_holder(conn: psycopg.AsyncConnection) -> str:
    cur = await conn.execute(
        "SELECT a.pid, coalesce(nullif(a.application_name, ''), '?'), a.client_addr::text"
        " FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
        " WHERE l.locktype = 'advisory' AND l.granted AND l.database = (SELECT oid FROM pg_database"
        " WHERE datname = current_database()) AND l.classid = %s AND l.objid = %s AND l.objsubid = 1",
        ((LOCK_KEY >> 32) & 0xFFFFFFFF, LOCK_KEY & 0xFFFFFFFF),
    )
    row = await cur.fetchone()
    return f"pid {row[0]}, application {row[1]!r}" if row else "another session"


@asynccontextmanager
async def migration_lock(
    dsn: str, *, wait: float = 30.0, bus: EventBus | None = None
) -> AsyncIterator[psycopg.AsyncConnection]:
    """Hold the session-level migration advisory lock on a dedicated connection.

    A second runner waits up to ``wait`` seconds (0 = fail at once), then raises LockedError (exit 5).
    Session locks (not transaction locks) are needed: CREATE INDEX CONCURRENTLY waits for
    other transactions, so it would wait forever on a lock held by an open transaction.
    """
    bus = bus or NULL_BUS
    conn = await connect(dsn, application_name=APP_NAME + " (lock)")
    try:
        cur = await conn.execute("SELECT pg_try_advisory_lock(%s)", (LOCK_KEY,))
        got = (await cur.fetchone())[0]
        if not got and wait > 0:
            bus.info(f"waiting up to {wait:g}s for the migration lock held by {await _lock_holder(conn)}")
            await conn.execute("SELECT set_config('lock_timeout', %s, false)", (_ms(wait),))
            try:
                await conn.execute("SELECT pg_advisory_lock(%s)", (LOCK_KEY,))
                got = True
            except pgerrors.LockNotAvailable:
                got = False
            await conn.execute("RESET lock_timeout")
        if not got:
            raise LockedError(
                f"another migration run holds the migration lock on this database ({await _lock_holder(conn)})",
                hint="wait for it to finish and retry, or raise the wait with --lock-wait",
            )
        try:
            yield conn
        finally:
            if not conn.closed:
                try:
                    await conn.execute("SELECT pg_advisory_unlock(%s)", (LOCK_KEY,))
                except psycopg.Error:
                    pass  # closing the session below releases it anyway
    finally:
        await conn.close()
