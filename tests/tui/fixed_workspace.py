"""A fixed data source with the Workspace API, for deterministic snapshots only.

Snapshots must not depend on ports, pids or the clock; the behaviour tests use a real
Workspace on a real embedded Postgres (see conftest.py).
"""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timezone
from pathlib import Path
from types import SimpleNamespace

from core.events import EventBus
from core.logs import LogLine

DATA = Path(__file__).parent / "data"
CHECKED_AT = 1_767_225_600.0  # 2026-01-01 00:00:00 UTC

_ENVS = [
    {"env": "dev", "profile": "dev", "runtime": "local", "state": "running", "active_branch": "feature-cart"},
    {"env": "ci-42", "profile": "ci", "runtime": "docker", "state": "stopped", "active_branch": "main"},
    {"env": "staging", "profile": "staging", "runtime": "local", "state": "degraded", "active_branch": "main"},
]

_LOG_TEXT = [
    ("db", "LOG:  database system is ready to accept connections"),
    ("api", '{"level": "info", "msg": "listening", "port": 8000, "workers": 4}'),
    ("cache", "Ready to accept connections tcp"),
    ("api", "INFO GET /products 200 12ms"),
    ("db", "LOG:  checkpoint starting: time"),
    ("api", "WARNING slow query on /cart (812ms)"),
    ("worker", "INFO picked job 1841 (send-receipt)"),
    ("db", 'ERROR:  duplicate key value violates unique constraint "orders_pkey"'),
    ("api", "ERROR POST /checkout 500 duplicate order"),
    ("worker", "DEBUG heartbeat"),
    ("cache", "Background saving started by pid 4242"),
    ("api", "INFO GET /health 200 1ms"),
]


class FixedWorkspace:
    """Same method names and result shapes as core.api.Workspace, with constant data."""

    def __init__(self, *, log_lines: int = 40) -> None:
        self.config = SimpleNamespace(project="shop")
        self.root = DATA
        self.bus = EventBus()
        self.log_lines = log_lines
        self.logs_delivered = asyncio.Event()

    async def list_envs(self) -> list[dict]:
        return [e | {"created_at": CHECKED_AT, "expires_at": None, "services": 3} for e in _ENVS]

    async def status(self, env: str) -> dict:
        base = next(e for e in _ENVS if e["env"] == env)
        state = "running" if base["state"] != "stopped" else "stopped"
        return {
            **base, "project": "shop", "created_at": CHECKED_AT, "expires_at": None,
            "env_file": str(DATA / "dev.env"),
            "services": [
                {"name": "db", "kind": "postgres", "state": state, "port": 54321,
                 "url": "postgresql://postgres:***@127.0.0.1:54321/app"},
                {"name": "cache", "kind": "redis", "state": state, "port": 6390},
                {"name": "api", "kind": "app", "state": "stopped" if env == "staging" else state, "port": 8000},
            ],
        }

    async def health(self, env: str) -> dict:
        ok = env != "staging"
        services = [
            {"service": "db", "kind": "postgres", "ok": True, "latency_ms": 2.4, "error": None,
             "checked_at": CHECKED_AT, "details": {"connections": 3}},
            {"service": "cache", "kind": "redis", "ok": True, "latency_ms": 0.8, "error": None,
             "checked_at": CHECKED_AT, "details": {}},
            {"service": "api", "kind": "http", "ok": ok, "latency_ms": 15.0 if ok else None,
             "error": None if ok else "connection refused on 127.0.0.1:8000", "checked_at": CHECKED_AT,
             "details": {}},
        ]
        return {"env": env, "healthy": ok, "services": services}

    async def stats(self, env: str) -> dict:
        return {"db": {"cpu_percent": 1.5, "memory_bytes": 64 * 2**20},
                "cache": {"cpu_percent": 0.2, "memory_bytes": 8 * 2**20}, "api": None}

    async def branch_list(self, env: str) -> list[dict]:
        now = time.time()
        rows = [("main", None, False, 86400 * 3, None, 48), ("feature-cart", "main", False, 7200, 86400 * 2, 12),
                ("before-migration", "main", True, 3600, None, 48), ("cart-fix", "feature-cart", False, 600, None, 12)]
        return [{"name": n, "parent": p, "database": f"app_{n}", "is_snapshot": snap,
                 "created_at": now - age - 30, "expires_at": now + ttl + 30 if ttl else None,
                 "size_bytes": mb * 2**20, "active": n == "feature-cart", "children": []}
                for n, p, snap, age, ttl, mb in rows]

    async def branch_diff(self, env: str, a: str, b: str | None = None) -> dict:
        return {"env": env, "a": a, "b": b or "main",
                "text": "+ table public.cart_items\n~ column public.orders.note: text -> varchar(200)",
                "sql": "CREATE TABLE public.cart_items (...);"}

    async def branch_merge(self, env: str, name: str, *, into: str | None = None, dry_run: bool = False) -> dict:
        sql = ("CREATE TABLE public.cart_items (\n    id bigint PRIMARY KEY,\n    order_id bigint NOT NULL\n);\n"
               "ALTER TABLE public.orders ALTER COLUMN note TYPE varchar(200);")
        return {"env": env, "branch": name, "into": into or "main", "status": "proven" if dry_run else "merged",
                "file": None, "sql": sql}

    def logs(self, env: str, services=None, *, follow: bool = False, tail: int | None = 100):
        async def gen():
            ts = datetime(2026, 1, 1, 12, 0, 0, tzinfo=timezone.utc)
            for i in range(self.log_lines):
                service, text = _LOG_TEXT[i % len(_LOG_TEXT)]
                line = LogLine.parse(service, text, env=env)
                yield LogLine(line.service, line.text, ts.replace(second=i % 60), env, "log", line.level)
            self.logs_delivered.set()
            if follow:
                await asyncio.Event().wait()

        return gen()

    def env_dir(self, env: str) -> Path:
        return DATA

    def read_secrets(self, env: str) -> dict:
        return {"db.password": "s3cr3t-pass"}

    async def database_url(self, env: str | None = None, branch: str | None = None) -> str:
        return "postgresql://postgres:s3cr3t-pass@127.0.0.1:54321/app"

    async def aclose(self) -> None:
        pass
