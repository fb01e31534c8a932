"""The embedded default runtime: services are processes on this machine that outlive the CLI."""

from __future__ import annotations

from collections.abc import AsyncIterator

import psutil

from ..config.models import BaseService
from ..errors import UsageError
from ..logs import LogLine
from ..services.postgres import LocalPostgres
from ..state import ServiceRow
from .base import EnvContext, Runtime, ServiceState, ServiceStats, ServiceStatus


def _drivers() -> dict:
    drivers = {"postgres": LocalPostgres()}
    try:  # other kinds (redis, nats, app, ...) come from the services catalogue when present
        from ..services.catalog import local_drivers
    except ImportError:
        return drivers
    drivers.update(local_drivers())
    return drivers


class LocalRuntime(Runtime):
    name = "local"

    def __init__(self) -> None:
        self.drivers = _drivers()

    def _driver(self, kind: str):
        d = self.drivers.get(kind)
        if d is None:
            raise UsageError(
                f"the local runtime cannot run {kind!r} services",
                hint="use `--runtime docker`, or disable the service in this profile",
            )
        return d

    async def provision(self, env: EnvContext, name: str, svc: BaseService, row: ServiceRow | None) -> ServiceRow:
        return await self._driver(svc.kind).provision(env, name, svc, row)

    async def start(self, env: EnvContext, svc: BaseService, row: ServiceRow) -> ServiceRow:
        return await self._driver(svc.kind).start(env, svc, row)

    async def stop(self, env: EnvContext, row: ServiceRow) -> ServiceRow:
        return await self._driver(row.kind).stop(env, row)

    async def remove(self, env: EnvContext, row: ServiceRow) -> None:
        await self._driver(row.kind).remove(env, row)

    async def status(self, env: EnvContext, row: ServiceRow) -> ServiceStatus:
        state, pid = self._driver(row.kind).state(row)
        detail = ""
        if state == "missing":
            detail = "data was removed outside stackyard; `stackyard up` recreates it"
        elif state == "exited":
            detail = "the server died (crash or kill); `stackyard up` restarts it, see `stackyard logs`"
        return ServiceStatus(row.name, row.kind, self.name, ServiceState(state), row.port, pid, None, detail)

    def logs(self, env: EnvContext, row: ServiceRow, *, follow: bool = False, tail: int | None = 100) -> AsyncIterator[LogLine]:
        return self._driver(row.kind).logs(env, row, follow=follow, tail=tail)

    async def stats(self, env: EnvContext, row: ServiceRow) -> ServiceStats | None:
        _state, pid = self._driver(row.kind).state(row)
        if not pid:
            return None
        try:
            root = psutil.Process(pid)
            procs = [root, *root.children(recursive=True)]
            cpu = sum(p.cpu_percent(interval=None) for p in procs)
            mem = sum(p.memory_info().rss for p in procs)
        except psutil.Error:
            return None
        return ServiceStats(cpu, mem)

    async def copy_service(self, src: EnvContext, src_row: ServiceRow, dst: EnvContext, dst_row: ServiceRow) -> None:
        driver = self._driver(src_row.kind)
        if not hasattr(driver, "copy"):
            raise UsageError(f"the local runtime cannot clone {src_row.kind} services")
        how = await driver.copy(src, src_row, dst, dst_row)
        dst.bus.info(f"{dst_row.name}: copied from {src.name} with {how}")
