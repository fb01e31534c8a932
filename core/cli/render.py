"""Human-readable text for command results (JSON output uses the same data)."""

from __future__ import annotations

import time
from datetime import datetime


def ago(ts: float | None) -> str:
    if not ts:
        return "-"
    d = time.time() - ts
    return _span(d) + " ago" if d >= 0 else "in " + _span(-d)


def until(ts: float | None) -> str:
    if not ts:
        return "never"
    d = ts - time.time()
    return "expired" if d < 0 else "in " + _span(d)


def _span(s: float) -> str:
    for unit, n in (("d", 86400), ("h", 3600), ("m", 60)):
        if s >= n:
            return f"{int(s // n)}{unit}"
    return f"{int(s)}s"


def status_text(st: dict) -> str:
    lines = [
        f"{st['env']}  ({st['state']})  profile={st['profile']}  runtime={st['runtime']}  branch={st['active_branch']}",
        f"  created {ago(st['created_at'])}, expires {until(st['expires_at'])}",
    ]
    for s in st["services"]:
        where = f"127.0.0.1:{s['port']}" if s.get("port") else ""
        lines.append(f"  {s['name']:<12} {s['kind']:<10} {s['state']:<9} {where:<16} {s.get('url', '')}")
        if s.get("detail"):
            lines.append(f"  {'':<12} {s['detail']}")
    lines.append(f"  env file: {st['env_file']}")
    return "\n".join(lines)


def envs_table(envs: list[dict]) -> str:
    if not envs:
        return "no environments (create one with `stackyard up`)"
    rows = [f"{'ENV':<20} {'STATE':<9} {'PROFILE':<10} {'RUNTIME':<8} {'BRANCH':<16} {'CREATED':<10} EXPIRES"]
    for e in envs:
        rows.append(f"{e['env']:<20} {e['state']:<9} {e['profile']:<10} {e['runtime']:<8} "
                    f"{e['active_branch']:<16} {ago(e['created_at']):<10} {until(e['expires_at'])}")
    return "\n".join(rows)


def health_text(h: dict) -> str:
    lines = [f"{h['env']}: {'healthy' if h['healthy'] else 'UNHEALTHY'}"]
    for s in h["services"]:
        if s["ok"]:
            extra = ", ".join(f"{k}={v}" for k, v in (s.get("details") or {}).items())
            lines.append(f"  ok    {s['service']:<12} {s['latency_ms']:>7.1f} ms  {extra}")
        else:
            lines.append(f"  FAIL  {s['service']:<12} {s['error']}")
    return "\n".join(lines)


def ts_text(ts: float) -> str:
    return datetime.fromtimestamp(ts).strftime("%Y-%m-%d %H:%M:%S")
