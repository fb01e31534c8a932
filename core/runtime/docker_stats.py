"""CPU and memory of a container from docker's stats API."""

from __future__ import annotations

from .base import ServiceStats


def _average_since(total_ns: int, started_at: str | None) -> float:
    from datetime import datetime, timezone

    try:
        head = (started_at or "").split(".")[0].rstrip("Z")
        start = datetime.fromisoformat(head).replace(tzinfo=timezone.utc)
    except ValueError:
        return 0.0
    secs = (datetime.now(timezone.utc) - start).total_seconds()
    return round(total_ns / 1e9 / secs * 100.0, 2) if secs > 0 else 0.0


def stats_from(s: dict, started_at: str | None = None) -> ServiceStats:
    """CPU % (100 = one core, like `docker stats`) and memory from a stats sample. Without a
    previous sample the CPU % is the average since the container started."""
    cpu = s.get("cpu_stats") or {}
    pre = s.get("precpu_stats") or {}
    total = (cpu.get("cpu_usage") or {}).get("total_usage", 0)
    pre_total = (pre.get("cpu_usage") or {}).get("total_usage", 0)
    cpu_delta = total - pre_total
    sys_delta = (cpu.get("system_cpu_usage") or 0) - (pre.get("system_cpu_usage") or 0)
    ncpu = cpu.get("online_cpus") or len((cpu.get("cpu_usage") or {}).get("percpu_usage") or []) or 1
    if pre_total and sys_delta > 0 and cpu_delta >= 0:
        pct = round(cpu_delta / sys_delta * ncpu * 100.0, 2)
    else:
        pct = _average_since(total, started_at)
    mem = s.get("memory_stats") or {}
    usage = mem.get("usage")
    if usage is not None:
        usage -= (mem.get("stats") or {}).get("inactive_file", 0)
    return ServiceStats(pct, usage, mem.get("limit"))
