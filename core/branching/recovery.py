"""Crash recovery for branch operations whose process died (registered reconcilers).

A ``kill -9`` can strike between any two steps; the next open reconciles from the journal
detail written before the operation acted. The rule: after reconcile there is no database
without a state row and no state row without a database, and no source stays locked.
"""

from __future__ import annotations

import asyncio

import psycopg

from ..state import OperationRow
from ..workspace import reconciler
from . import models
from .copy import database_exists, drop_database, rename_database, set_comment
from .sessions import allows_connections, set_allow_connections


async def end_orphan_backends(conn: psycopg.AsyncConnection, app_name: str | None, *, timeout: float = 30) -> None:
    """Stop what a dead process left running in the server (a CREATE DATABASE still copying)."""
    if not app_name:
        return
    await conn.execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s AND pid <> pg_backend_pid()",
        (app_name,),
    )
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        cur = await conn.execute("SELECT count(*) FROM pg_stat_activity WHERE application_name = %s"
                                 " AND pid <> pg_backend_pid()", (app_name,))
        if (await cur.fetchone())[0] == 0:
            return
        await asyncio.sleep(0.05)


async def _reallow_source(ws, conn: psycopg.AsyncConnection, env: str, detail: dict) -> None:
    """A source blocked for --terminate gets its connections back (snapshots stay closed)."""
    source = detail.get("source")
    if not detail.get("terminate") or not source:
        return
    snapshots = {b.database for b in models.list_branch_rows(ws.state, env) if b.is_snapshot}
    if source not in snapshots and await database_exists(conn, source) and not await allows_connections(conn, source):
        await set_allow_connections(conn, source, True)


async def _admin(ws, env: str) -> psycopg.AsyncConnection:
    from ..errors import UnreachableError

    try:
        return await psycopg.AsyncConnection.connect(ws.admin_dsn(env), autocommit=True,
                                                     application_name="stackyard reconcile")
    except psycopg.OperationalError:
        raise UnreachableError(f"the postgres of environment {env!r} is not running; will retry on the next run") from None


async def _reconcile_create(ws, op: OperationRow) -> str:
    d = op.detail
    db = d.get("database")
    conn = await _admin(ws, op.env)
    try:
        await end_orphan_backends(conn, d.get("app"))
        await _reallow_source(ws, conn, op.env, d)
        row = models.get_branch(ws.state, op.env, op.target) if op.target else None
        exists = bool(db) and await database_exists(conn, db)
        if row is not None and row.database == db and exists:
            await set_comment(conn, db, row.comment())
            return "done"
        if exists:
            await drop_database(conn, db)
        if row is not None and row.database == db:
            models.delete_branch_row(ws.state, op.env, row.name)
        return "rolled_back"
    finally:
        await conn.close()


reconciler("branch.create")(_reconcile_create)
reconciler("snapshot.create")(_reconcile_create)


@reconciler("branch.reset")
async def _reconcile_reset(ws, op: OperationRow) -> str:
    d = op.detail
    conn = await _admin(ws, op.env)
    try:
        await end_orphan_backends(conn, d.get("app"))
        await _reallow_source(ws, conn, op.env, d)
        db, tmp = d["database"], d["temp"]
        has_db, has_tmp = await database_exists(conn, db), await database_exists(conn, tmp)
        row = models.get_branch(ws.state, op.env, op.target)
        if has_tmp and not has_db:  # died between the drop and the rename: finish the swap
            await rename_database(conn, tmp, db)
            if row is not None:
                await set_comment(conn, db, row.comment())
            return "done"
        if has_tmp:
            await drop_database(conn, tmp)
        if not has_db and row is not None:  # nothing left to point at: drop the lie
            models.delete_branch_row(ws.state, op.env, row.name)
            return "failed"
        return "rolled_back"
    finally:
        await conn.close()


async def _reconcile_delete(ws, op: OperationRow) -> str:
    d = op.detail
    conn = await _admin(ws, op.env)
    try:
        switch_to = d.get("switch_to")
        if switch_to:
            from ..envfile import write_env_file

            ws.state.set_env_field(op.env, active_branch=switch_to)
            ws.write_manifest(op.env)
            write_env_file(ws, op.env)
        for name, database in (d.get("databases") or {}).items():  # finish it: the user asked for it
            await drop_database(conn, database)
            models.delete_branch_row(ws.state, op.env, name)
        return "done"
    finally:
        await conn.close()


reconciler("branch.delete")(_reconcile_delete)
reconciler("snapshot.delete")(_reconcile_delete)


@reconciler("branch.merge")
async def _reconcile_merge(ws, op: OperationRow) -> str:
    """Drop the proof's scratch database; remove a merge file that never reached the target."""
    from pathlib import Path

    d = op.detail
    conn = await _admin(ws, op.env)
    try:
        await end_orphan_backends(conn, d.get("app"))
        if d.get("scratch"):
            await drop_database(conn, d["scratch"])
    finally:
        await conn.close()
    path = Path(d["file"]) if d.get("file") else None
    if path is None or not path.exists():
        return "rolled_back"
    from .merge import version_applied

    if await version_applied(ws.conninfo(op.env, database=d["target_db"]).url, d.get("version")):
        return "done"
    path.unlink(missing_ok=True)
    return "rolled_back"
