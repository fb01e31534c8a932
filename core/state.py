"""The state store: .stackyard/state.db (SQLite, WAL) with its own schema migrations.

Holds environments, services, branches and the operations journal. It holds no secrets.
Every environment also has a manifest (envs/<env>/env.json) so a lost or corrupted state db can
be rebuilt from disk; the database is an index, the files on disk are the truth.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from .errors import StackyardError

SCHEMA: list[str] = [
    # v1
    """
    CREATE TABLE environments (
        name TEXT PRIMARY KEY,
        profile TEXT NOT NULL,
        runtime TEXT NOT NULL,
        status TEXT NOT NULL,              -- creating | ready | destroying
        created_at REAL NOT NULL,
        expires_at REAL,
        active_branch TEXT NOT NULL DEFAULT 'main',
        info TEXT NOT NULL DEFAULT '{}'
    );
    CREATE TABLE services (
        env TEXT NOT NULL REFERENCES environments(name) ON DELETE CASCADE,
        name TEXT NOT NULL,
        kind TEXT NOT NULL,
        runtime TEXT NOT NULL,
        port INTEGER,
        pid INTEGER,
        container_id TEXT,
        info TEXT NOT NULL DEFAULT '{}',
        PRIMARY KEY (env, name)
    );
    CREATE TABLE operations (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        env TEXT,
        kind TEXT NOT NULL,
        target TEXT,
        status TEXT NOT NULL,              -- running | done | failed | rolled_back
        pid INTEGER NOT NULL,
        host TEXT NOT NULL,
        started_at REAL NOT NULL,
        finished_at REAL,
        detail TEXT NOT NULL DEFAULT '{}',
        error TEXT
    );
    CREATE INDEX operations_running ON operations(status) WHERE status = 'running';
    CREATE TABLE branches (
        env TEXT NOT NULL REFERENCES environments(name) ON DELETE CASCADE,
        name TEXT NOT NULL,
        parent TEXT,
        database TEXT NOT NULL,
        is_snapshot INTEGER NOT NULL DEFAULT 0,
        created_at REAL NOT NULL,
        expires_at REAL,
        created_by TEXT,
        info TEXT NOT NULL DEFAULT '{}',
        PRIMARY KEY (env, name)
    );
    """,
]
SCHEMA_VERSION = len(SCHEMA)


@dataclass
class EnvRow:
    name: str
    profile: str
    runtime: str
    status: str
    created_at: float
    expires_at: float | None
    active_branch: str
    info: dict

    def to_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass
class ServiceRow:
    env: str
    name: str
    kind: str
    runtime: str
    port: int | None
    pid: int | None
    container_id: str | None
    info: dict

    def to_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass
class OperationRow:
    id: int
    env: str | None
    kind: str
    target: str | None
    status: str
    pid: int
    host: str
    started_at: float
    finished_at: float | None
    detail: dict
    error: str | None


class StateCorrupted(StackyardError):
    pass


def _row(cls, r: sqlite3.Row):
    d = dict(r)
    if "info" in d:
        d["info"] = json.loads(d["info"] or "{}")
    if "detail" in d:
        d["detail"] = json.loads(d["detail"] or "{}")
    return cls(**d)


class StateStore:
    """Small synchronous SQLite store; every call is a short transaction (safe across processes)."""

    def __init__(self, path: Path):
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self.rebuilt_from: Path | None = None
        try:
            self.db = self._connect()
            self._migrate()
        except sqlite3.DatabaseError as e:
            # A corrupted file: keep it for inspection, start a fresh one, callers rebuild from manifests.
            aside = path.with_name(f"{path.name}.corrupt-{int(time.time())}")
            for suffix in ("", "-wal", "-shm"):
                p = Path(str(path) + suffix)
                if p.exists():
                    p.rename(Path(str(aside) + suffix))
            self.rebuilt_from = aside
            self.db = self._connect()
            self._migrate()
            self.corruption = str(e)

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
        db.row_factory = sqlite3.Row
        db.execute("PRAGMA busy_timeout = 30000")
        mode = db.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if mode.lower() != "wal":
            raise sqlite3.DatabaseError(f"cannot enable WAL (got {mode})")
        db.execute("PRAGMA foreign_keys = ON")
        db.execute("PRAGMA synchronous = NORMAL")
        return db

    def _migrate(self) -> None:
        with self.tx() as db:
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise StackyardError(
                    f"{self.path} was written by a newer stackyard (schema v{version} > v{SCHEMA_VERSION})",
                    hint="upgrade stackyard",
                )
            for i in range(version, SCHEMA_VERSION):
                for stmt in [s for s in SCHEMA[i].split(";") if s.strip()]:
                    db.execute(stmt)
            if version != SCHEMA_VERSION:
                db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    @contextmanager
    def tx(self) -> Iterator[sqlite3.Connection]:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        else:
            self.db.execute("COMMIT")

    def close(self) -> None:
        self.db.close()

    # environments --------------------------------------------------------------------------
    def get_env(self, name: str) -> EnvRow | None:
        r = self.db.execute("SELECT * FROM environments WHERE name = ?", (name,)).fetchone()
        return _row(EnvRow, r) if r else None

    def list_envs(self) -> list[EnvRow]:
        return [_row(EnvRow, r) for r in self.db.execute("SELECT * FROM environments ORDER BY name")]

    def upsert_env(self, env: EnvRow) -> None:
        with self.tx() as db:
            db.execute(
                """INSERT INTO environments(name, profile, runtime, status, created_at, expires_at, active_branch, info)
                   VALUES (?,?,?,?,?,?,?,?)
                   ON CONFLICT(name) DO UPDATE SET profile=excluded.profile, runtime=excluded.runtime,
                     status=excluded.status, expires_at=excluded.expires_at,
                     active_branch=excluded.active_branch, info=excluded.info""",
                (env.name, env.profile, env.runtime, env.status, env.created_at, env.expires_at,
                 env.active_branch, json.dumps(env.info)),
            )

    def set_env_field(self, name: str, **fields: Any) -> None:
        allowed = {"status", "expires_at", "active_branch", "profile", "runtime"}
        assert set(fields) <= allowed, fields
        sets = ", ".join(f"{k} = ?" for k in fields)
        with self.tx() as db:
            db.execute(f"UPDATE environments SET {sets} WHERE name = ?", (*fields.values(), name))

    def delete_env(self, name: str) -> None:
        with self.tx() as db:
            db.execute("DELETE FROM environments WHERE name = ?", (name,))

    # services ------------------------------------------------------------------------------
    def services(self, env: str) -> list[ServiceRow]:
        return [_row(ServiceRow, r) for r in self.db.execute("SELECT * FROM services WHERE env = ? ORDER BY name", (env,))]

    def upsert_service(self, s: ServiceRow) -> None:
        with self.tx() as db:
            db.execute(
                """INSERT INTO services(env, name, kind, runtime, port, pid, container_id, info)
                   VALUES (?,?,?,?,?,?,?,?)
                   ON CONFLICT(env, name) DO UPDATE SET kind=excluded.kind, runtime=excluded.runtime,
                     port=excluded.port, pid=excluded.pid, container_id=excluded.container_id, info=excluded.info""",
                (s.env, s.name, s.kind, s.runtime, s.port, s.pid, s.container_id, json.dumps(s.info)),
            )

    def delete_service(self, env: str, name: str) -> None:
        with self.tx() as db:
            db.execute("DELETE FROM services WHERE env = ? AND name = ?", (env, name))

    # operations journal --------------------------------------------------------------------
    def begin_op(self, kind: str, env: str | None, target: str | None = None, detail: dict | None = None) -> int:
        with self.tx() as db:
            cur = db.execute(
                "INSERT INTO operations(env, kind, target, status, pid, host, started_at, detail) VALUES (?,?,?,?,?,?,?,?)",
                (env, kind, target, "running", os.getpid(), socket.gethostname(), time.time(), json.dumps(detail or {})),
            )
            return int(cur.lastrowid)

    def end_op(self, op_id: int, status: str, error: str | None = None, detail: dict | None = None) -> None:
        with self.tx() as db:
            if detail is not None:
                db.execute("UPDATE operations SET detail = ? WHERE id = ?", (json.dumps(detail), op_id))
            db.execute(
                "UPDATE operations SET status = ?, finished_at = ?, error = ? WHERE id = ?",
                (status, time.time(), error, op_id),
            )

    def running_ops(self) -> list[OperationRow]:
        return [_row(OperationRow, r) for r in self.db.execute("SELECT * FROM operations WHERE status = 'running' ORDER BY id")]

    def recent_ops(self, env: str | None = None, limit: int = 20) -> list[OperationRow]:
        if env is None:
            rows = self.db.execute("SELECT * FROM operations ORDER BY id DESC LIMIT ?", (limit,))
        else:
            rows = self.db.execute("SELECT * FROM operations WHERE env = ? ORDER BY id DESC LIMIT ?", (env, limit))
        return [_row(OperationRow, r) for r in rows]
