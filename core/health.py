"""Probes (pg, tcp, http) and health reports."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

import psycopg


@dataclass
class ProbeResult:
    service: str
    kind: str
    ok: bool
    latency_ms: float | None
    error: str | None = None
    checked_at: float = field(default_factory=time.time)
    details: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return dict(self.__dict__)


async def probe_postgres(service: str, url: str, timeout: float = 5.0) -> ProbeResult:
    """Connect and run ``select 1``; report latency and server facts."""
    t0 = time.perf_counter()
    try:
        async with await psycopg.AsyncConnection.connect(url, connect_timeout=max(1, int(timeout))) as c:
            cur = await c.execute(
                "select 1, current_setting('server_version'), (select count(*) from pg_stat_activity where backend_type = 'client backend')"
            )
            _one, version, conns = await cur.fetchone()
        ms = (time.perf_counter() - t0) * 1000
        return ProbeResult(service, "postgres", True, round(ms, 2), details={"version": version, "connections": conns})
    except (psycopg.Error, OSError) as e:
        return ProbeResult(service, "postgres", False, None, _redact(str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__))


async def probe_tcp(service: str, host: str, port: int, timeout: float = 2.0) -> ProbeResult:
    t0 = time.perf_counter()
    try:
        _r, w = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
        w.close()
        await w.wait_closed()
        return ProbeResult(service, "tcp", True, round((time.perf_counter() - t0) * 1000, 2))
    except (OSError, asyncio.TimeoutError) as e:
        return ProbeResult(service, "tcp", False, None, f"{host}:{port}: {e or 'timeout'}")


def _redact(text: str) -> str:
    import re

    return re.sub(r"(postgres(?:ql)?://[^:/@]+:)[^@]+@", r"\1***@", text)
