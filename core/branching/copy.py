"""Copying a database inside its cluster: strategy choice, reflink detection, progress.

- PG >= 18 and a data directory on a reflink filesystem (XFS reflink=1, btrfs, ...):
  ``STRATEGY FILE_COPY`` with ``file_copy_method = clone`` — the files are cloned, not copied,
  so the time does not depend on the size.
- otherwise ``WAL_LOG`` for small databases (no checkpoints) and ``FILE_COPY`` for large ones
  (no WAL for every block), with progress from the growing target directory.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import tempfile
import time
import weakref
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

import psycopg
from psycopg import errors as pgerrors
from psycopg import sql

from ..errors import ConflictError, StackyardError
from ..events import OperationScope

# Below this size WAL_LOG wins: FILE_COPY's two checkpoints cost more than logging the blocks.
WAL_LOG_MAX_BYTES = 32 * 1024 * 1024
# Copies that take longer than this get progress reports.
PROGRESS_AFTER_S = 0.5
PROGRESS_EVERY_S = 0.25


class BranchStrategy(str, Enum):
    """How a database is copied (reported in output and JSON)."""

    CLONE = "clone"  # FILE_COPY + file_copy_method=clone on a reflink filesystem
    FILE_COPY = "file_copy"
    WAL_LOG = "wal_log"
    PLAIN = "copy"  # PostgreSQL < 15: the only way, no STRATEGY clause


@dataclass(frozen=True)
class CopyResult:
    strategy: BranchStrategy
    seconds: float
    size_bytes: int


def probe_reflink(directory: Path) -> bool:
    """True when ``cp --reflink=always`` works inside ``directory``'s filesystem."""
    try:
        with tempfile.TemporaryDirectory(prefix=".reflink-probe-", dir=directory) as tmp:
            src = Path(tmp) / "a"
            src.write_bytes(os.urandom(65536))
            proc = subprocess.run(["cp", "--reflink=always", str(src), str(Path(tmp) / "b")],
                                  capture_output=True, timeout=10)
            return proc.returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


_REFLINK: dict[tuple[str, int], bool] = {}


def reflink_supported(data_dir: Path | None, cache_file: Path) -> bool:
    """Probe once per data directory (and filesystem); the answer is cached in ``cache_file``."""
    if data_dir is None or not data_dir.exists():
        return False
    mem_key = (str(data_dir), data_dir.stat().st_dev)
    if mem_key in _REFLINK:
        return _REFLINK[mem_key]
    probe_dir = data_dir.parent if data_dir.parent.stat().st_dev == data_dir.stat().st_dev else data_dir
    key = {"data_dir": str(data_dir), "st_dev": data_dir.stat().st_dev}
    try:
        cached = json.loads(cache_file.read_text())
        if {k: cached.get(k) for k in key} == key:
            _REFLINK[mem_key] = bool(cached["reflink"])
            return _REFLINK[mem_key]
    except (OSError, ValueError, KeyError):
        pass
    ok = _REFLINK[mem_key] = probe_reflink(probe_dir)
    try:
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        cache_file.write_text(json.dumps(key | {"reflink": ok}))
    except OSError:
        pass  # a read-only env dir only costs a probe per call
    return ok


def choose_strategy(server_version_num: int, reflink: bool, size_bytes: int) -> BranchStrategy:
    """The fastest way to copy ``size_bytes`` on this server and filesystem."""
    if server_version_num >= 180000 and reflink:
        return BranchStrategy.CLONE
    if server_version_num < 150000:
        return BranchStrategy.PLAIN
    if size_bytes <= WAL_LOG_MAX_BYTES:
        return BranchStrategy.WAL_LOG
    return BranchStrategy.FILE_COPY


@dataclass(frozen=True)
class Preflight:
    size_bytes: int
    server_version_num: int
    target_exists: bool
    sessions: list[dict]


async def preflight(conn: psycopg.AsyncConnection, source: str, target: str) -> Preflight:
    """Everything a copy needs to know, in one round trip (branching is latency-bound with clone)."""
    cur = await conn.execute(
        "SELECT pg_database_size(%(s)s), current_setting('server_version_num')::int,"
        " EXISTS (SELECT 1 FROM pg_database WHERE datname = %(t)s),"
        " (SELECT coalesce(json_agg(json_build_object('pid', pid,"
        "   'application_name', coalesce(nullif(application_name, ''), '?'),"
        "   'client_addr', coalesce(client_addr::text, 'local'), 'backend_start', backend_start, 'user', usename)"
        "   ORDER BY backend_start), '[]') FROM pg_stat_activity WHERE datname = %(s)s AND pid <> pg_backend_pid())",
        {"s": source, "t": target},
    )
    size, version, exists, sessions = await cur.fetchone()
    return Preflight(int(size), int(version), bool(exists), list(sessions))


async def database_size(conn: psycopg.AsyncConnection, database: str) -> int:
    cur = await conn.execute("SELECT pg_database_size(%s)", (database,))
    return int((await cur.fetchone())[0])


async def database_exists(conn: psycopg.AsyncConnection, database: str) -> bool:
    cur = await conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,))
    return await cur.fetchone() is not None


async def _unregistered_dirs_size(conn: psycopg.AsyncConnection) -> int:
    """Bytes in base/<oid> directories no committed database owns yet: the copy in progress."""
    cur = await conn.execute(
        "SELECT coalesce(sum((pg_stat_file('base/' || d || '/' || f)).size), 0)"
        " FROM pg_ls_dir('base') AS d, LATERAL pg_ls_dir('base/' || d) AS f"
        " WHERE d ~ '^[0-9]+$' AND d::oid NOT IN (SELECT oid FROM pg_database)"
    )
    return int((await cur.fetchone())[0])


async def _report_progress(dsn: str, op: OperationScope, label: str, total: int) -> None:
    async with await psycopg.AsyncConnection.connect(dsn, autocommit=True, application_name="stackyard progress") as c:
        while True:
            try:
                done = await _unregistered_dirs_size(c)
            except psycopg.Error:
                done = None  # a directory vanished between listing and stat: try again
            if done is not None:
                op.progress(label, min(done, total), total, "bytes")
            await asyncio.sleep(PROGRESS_EVERY_S)


# file_copy_method currently set on a (reused) admin connection: saves a round trip per copy
_FILE_COPY_METHOD: "weakref.WeakKeyDictionary[psycopg.AsyncConnection, str]" = weakref.WeakKeyDictionary()


def _create_statement(target: str, template: str, strategy: BranchStrategy) -> sql.Composed:
    stmt = sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(target), sql.Identifier(template))
    if strategy is BranchStrategy.PLAIN:
        return stmt
    if strategy is BranchStrategy.WAL_LOG:
        return stmt + sql.SQL(" STRATEGY WAL_LOG")
    return stmt + sql.SQL(" STRATEGY FILE_COPY")


async def copy_database(conn: psycopg.AsyncConnection, admin_dsn: str, template: str, target: str,
                        strategy: BranchStrategy, op: OperationScope, *, size_bytes: int) -> CopyResult:
    """``CREATE DATABASE target TEMPLATE template`` with ``strategy``; progress for slow copies.

    On failure Postgres removes the half-copied files itself; errors become StackyardError
    (ConflictError when the template is in use, with a disk-full hint on ENOSPC).
    """
    method = "clone" if strategy is BranchStrategy.CLONE else "copy"
    if strategy in (BranchStrategy.CLONE, BranchStrategy.FILE_COPY) and _FILE_COPY_METHOD.get(conn) != method:
        await conn.execute(sql.SQL("SET file_copy_method = {}").format(sql.SQL(method)))
        _FILE_COPY_METHOD[conn] = method
    label = f"copying {size_bytes / 1e6:.0f} MB ({strategy.value})"
    t0 = time.perf_counter()
    task = asyncio.ensure_future(conn.execute(_create_statement(target, template, strategy)))
    reporter: asyncio.Task | None = None
    try:
        done, _ = await asyncio.wait({task}, timeout=PROGRESS_AFTER_S)
        if not done:
            reporter = asyncio.ensure_future(_report_progress(admin_dsn, op, label, size_bytes))
        await task
    except pgerrors.ObjectInUse as e:
        raise ConflictError(
            f"cannot copy {template}: {e.diag.message_primary or e} ({e.diag.message_detail or 'other sessions'})",
            hint="close the sessions on it or pass --terminate",
        ) from None
    except pgerrors.DiskFull as e:
        raise StackyardError(f"not enough disk space to copy {template}: {e.diag.message_primary or e}",
                             hint="free disk space (or `stackyard gc`); nothing was created") from None
    except pgerrors.DuplicateDatabase:
        raise ConflictError(f"a database named {target} already exists in this cluster",
                            hint="`stackyard doctor --rebuild-state` adopts databases stackyard made") from None
    except psycopg.Error as e:
        msg = e.diag.message_primary or str(e)
        if "No space left" in msg or "could not extend" in msg:
            raise StackyardError(f"not enough disk space to copy {template}: {msg}",
                                 hint="free disk space (or `stackyard gc`); nothing was created") from None
        raise StackyardError(f"copying {template} failed: {msg}") from None
    finally:
        if reporter is not None:
            reporter.cancel()
            try:
                await reporter
            except (asyncio.CancelledError, Exception):
                pass
        if not task.done():
            task.cancel()
    seconds = time.perf_counter() - t0
    op.progress(f"copied ({strategy.value})", size_bytes, size_bytes, "bytes")
    return CopyResult(strategy, seconds, size_bytes)


async def drop_database(conn: psycopg.AsyncConnection, database: str) -> None:
    """Drop ``database`` if it exists, ending its sessions (WITH FORCE)."""
    await conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database)))


async def rename_database(conn: psycopg.AsyncConnection, old: str, new: str) -> None:
    await conn.execute(sql.SQL("ALTER DATABASE {} RENAME TO {}").format(sql.Identifier(old), sql.Identifier(new)))


def comment_statement(database: str, data: dict) -> sql.Composed:
    return sql.SQL("COMMENT ON DATABASE {} IS {}").format(sql.Identifier(database),
                                                         sql.Literal(json.dumps(data, sort_keys=True)))


async def set_comment(conn: psycopg.AsyncConnection, database: str, data: dict) -> None:
    await conn.execute(comment_statement(database, data))


async def server_version_num(conn: psycopg.AsyncConnection) -> int:
    cur = await conn.execute("SELECT current_setting('server_version_num')::int")
    return int((await cur.fetchone())[0])
