"""Observation methods of the docker runtime: stats, Docker HEALTHCHECK state, exec probes."""

from __future__ import annotations

import time

from ..health import ProbeResult
from ..state import ServiceRow
from .base import EnvContext, ServiceStats
from .docker_stats import stats_from


class DockerObservation:
    """Mixed into DockerRuntime (which provides client, _call, _container and _cpu_samples)."""

    async def stats(self, env: EnvContext, row: ServiceRow) -> ServiceStats | None:
        container = await self._container(env, row.name)
        if container is None or container.status != "running":
            return None
        # one_shot answers at once; CPU % is then measured against this runtime's previous sample
        s = await self._call("reading container stats", container.stats, stream=False, one_shot=True)
        prev = self._cpu_samples.get(container.id)
        cpu = s.get("cpu_stats") or {}
        now = ((cpu.get("cpu_usage") or {}).get("total_usage", 0), cpu.get("system_cpu_usage") or 0)
        self._cpu_samples[container.id] = now
        if prev is not None:
            s["precpu_stats"] = {"cpu_usage": {"total_usage": prev[0]}, "system_cpu_usage": prev[1]}
        return stats_from(s, container.attrs.get("State", {}).get("StartedAt"))

    async def container_health(self, env: EnvContext, row: ServiceRow) -> tuple[str | None, str]:
        """The Docker HEALTHCHECK status (healthy, starting, unhealthy or None) and its last output."""
        container = await self._container(env, row.name)
        health = ((container.attrs.get("State") or {}).get("Health") or {}) if container is not None else {}
        log = health.get("Log") or []
        return health.get("Status"), (log[-1].get("Output") or "").strip()[-200:] if log else ""

    async def exec_probe(self, env: EnvContext, row: ServiceRow, command: list[str], timeout: float = 5.0) -> ProbeResult:
        """Run the probe command inside the service's container; healthy on exit 0."""
        container = await self._container(env, row.name)
        if container is None or container.status != "running":
            return ProbeResult(row.name, "exec", False, None, "the container is not running")
        t0 = time.perf_counter()
        res = await self._call("running the probe", container.exec_run, command)
        if res.exit_code == 0:
            return ProbeResult(row.name, "exec", True, round((time.perf_counter() - t0) * 1000, 2))
        text = (res.output or b"").decode(errors="replace").strip().splitlines()
        return ProbeResult(row.name, "exec", False, None, f"exit {res.exit_code}: {text[-1] if text else ''}")

