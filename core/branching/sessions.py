"""Sessions on a database: list them, and lock them out while it is copied.

Postgres refuses to copy a database other sessions are connected to. The caller either reports
them (ConflictError, exit 5) or, with ``terminate``, blocks new connections, ends the existing
ones, copies, and always allows connections again afterwards.
"""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
from datetime import datetime
from typing import AsyncIterator

import psycopg
from psycopg import sql

from ..errors import ConflictError

APP_NAME = "stackyard branching"


async def sessions_on(conn: psycopg.AsyncConnection, database: str) -> list[dict]:
    """Other sessions connected to ``database``: pid, application, client, since."""
    cur = await conn.execute(
        "SELECT pid, coalesce(nullif(application_name, ''), '?'), coalesce(client_addr::text, 'local'),"
        " backend_start, usename FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()"
        " ORDER BY backend_start",
        (database,),
    )
    return [
        {"pid": pid, "application_name": app, "client_addr": client,
         "backend_start": since.isoformat() if isinstance(since, datetime) else since, "user": user}
        for pid, app, client, since, user in await cur.fetchall()
    ]


class SessionsConflict(ConflictError):
    """Other sessions hold a database that must be copied; ``sessions`` lists them (also in JSON)."""

    def __init__(self, message: str, *, sessions: list[dict], hint: str | None = None):
        super().__init__(message, hint=hint)
        self.sessions = sessions

    def to_dict(self) -> dict:
        return super().to_dict() | {"sessions": self.sessions}


def sessions_conflict(branch: str, database: str, sessions: list[dict]) -> ConflictError:
    lines = "\n".join(
        f"  pid {s['pid']}: {s['application_name']} from {s['client_addr']} (user {s['user']}, since {s['backend_start']})"
        for s in sessions[:20]
    )
    more = f"\n  ... and {len(sessions) - 20} more" if len(sessions) > 20 else ""
    return SessionsConflict(
        f"branch {branch!r} (database {database}) has {len(sessions)} other session(s); Postgres cannot copy a "
        f"database while it is in use:\n{lines}{more}",
        hint="close those connections, pass --terminate to end them for the copy, or branch from a snapshot "
        "(`stackyard snapshot create`), which never has sessions",
        sessions=sessions,
    )


async def allows_connections(conn: psycopg.AsyncConnection, database: str) -> bool:
    cur = await conn.execute("SELECT datallowconn FROM pg_database WHERE datname = %s", (database,))
    r = await cur.fetchone()
    return bool(r and r[0])


def allow_connections_statement(database: str, allow: bool) -> sql.Composed:
    return sql.SQL("ALTER DATABASE {} WITH ALLOW_CONNECTIONS {}").format(
        sql.Identifier(database), sql.SQL("true" if allow else "false"))


async def set_allow_connections(conn: psycopg.AsyncConnection, database: str, allow: bool) -> None:
    await conn.execute(allow_connections_statement(database, allow))


async def terminate_sessions(conn: psycopg.AsyncConnection, database: str, *, timeout: float = 10.0) -> int:
    """End every other session on ``database`` and wait until they are gone."""
    cur = await conn.execute(
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
        " WHERE datname = %s AND pid <> pg_backend_pid()",
        (database,),
    )
    n = (await cur.fetchone())[0]
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while await sessions_on(conn, database) and loop.time() < deadline:
        await asyncio.sleep(0.05)
    return int(n)


async def _settled(conn: psycopg.AsyncConnection, database: str, others: list[dict], *,
                   grace: float = 1.0) -> list[dict]:
    """Sessions that are still there after ``grace`` seconds: a backend lingers in pg_stat_activity for a
    moment after its client closed (our own diff or status connections, just before a copy)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + grace
    while others and loop.time() < deadline:
        await asyncio.sleep(0.05)
        others = await sessions_on(conn, database)
    return others


@asynccontextmanager
async def exclusive_source(conn: psycopg.AsyncConnection, branch: str, database: str, *,
                           terminate: bool, sessions: list[dict] | None = None) -> AsyncIterator[list[dict]]:
    """Make sure nobody else is connected to ``database`` for the duration of the block.

    Without ``terminate``: raise ConflictError listing the sessions (nothing changed). With it:
    block new connections, terminate the others, yield them, and re-allow connections in a
    ``finally`` — even when the copy fails or is cancelled. A database that already refused
    connections (a snapshot) is left as it was. ``sessions``: already known (saves a round trip).
    """
    others = sessions if sessions is not None else await sessions_on(conn, database)
    if not terminate:
        others = await _settled(conn, database, others)
        if others:
            raise sessions_conflict(branch, database, others)
        yield []
        return
    was_allowed = await allows_connections(conn, database)
    if was_allowed:
        await set_allow_connections(conn, database, False)
    try:
        if others:
            await terminate_sessions(conn, database)
        yield others
    finally:
        if was_allowed:
            # shield: a cancelled copy must still give the database back to its users
            await asyncio.shield(set_allow_connections(conn, database, True))
