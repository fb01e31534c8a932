"""Looking at environments: status, list, health, logs, stats."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

from .errors import NotFoundError, TimeoutError_, UnreachableError
from .health import ProbeResult, probe_postgres, probe_tcp
from .logs import LogLine, merge
from .runtime.base import ServiceState
from .services.postgres import conninfo
from .state import ServiceRow
from .workspace import WorkspaceBase


class EnvObservation(WorkspaceBase):
    async def status(self, env: str = "dev") -> dict:
        """Live status: every service is asked where it really is (state is never trusted blindly)."""
        row = self.require_env(env)
        ctx = self.context(row)
        rt = self.runtime(row.runtime)
        services = []
        for s in self.state.services(env):
            st = await rt.status(ctx, s)
            d = st.to_dict()
            if s.kind == "postgres" and s.port:
                d["url"] = conninfo(s, {}, self._db_or_none(env)).redacted_url
            services.append(d)
        states = {s["state"] for s in services}
        overall = "running" if states == {"running"} else ("stopped" if states <= {"stopped"} else "degraded")
        if not services:
            overall = "empty"
        return {
            "env": env, "project": self.config.project, "profile": row.profile, "runtime": row.runtime,
            "state": overall, "active_branch": row.active_branch, "created_at": row.created_at,
            "expires_at": row.expires_at, "env_file": str(self.env_dir(env) / ".env"), "services": services,
        }

    def _db_or_none(self, env: str) -> str | None:
        try:
            return self.branch_database(env, None)
        except NotFoundError:
            return None

    async def list_envs(self) -> list[dict]:
        out = []
        for row in self.state.list_envs():
            if row.status != "ready":
                continue
            st = await self.status(row.name)
            out.append({k: st[k] for k in ("env", "profile", "runtime", "state", "active_branch", "created_at", "expires_at")}
                       | {"services": len(st["services"])})
        return out

    async def probe(self, env: str, s: ServiceRow, timeout: float = 5.0) -> ProbeResult:
        if s.kind == "postgres":
            url = conninfo(s, self.read_secrets(env), "postgres").url
            return await probe_postgres(s.name, url, timeout)
        try:
            from .services.catalog import probe as kind_probe
        except ImportError:
            kind_probe = None
        if kind_probe is not None:
            return await kind_probe(self, env, s, timeout)
        return await probe_tcp(s.name, "127.0.0.1", int(s.port or 0), timeout)

    async def health(self, env: str = "dev") -> dict:
        """Probe every service once; ``healthy`` is true when all answered."""
        self.require_env(env)
        results = await asyncio.gather(*(self.probe(env, s) for s in self.state.services(env)))
        return {"env": env, "healthy": all(r.ok for r in results) and bool(results),
                "services": [r.to_dict() for r in results]}

    async def wait_healthy(self, env: str, timeout: float) -> dict:
        """Probe until every service is healthy; on timeout raise with the unhealthy one's last log lines."""
        deadline = time.monotonic() + timeout
        while True:
            report = await self.health(env)
            if report["healthy"]:
                return report
            if time.monotonic() >= deadline:
                bad = next(s for s in report["services"] if not s["ok"])
                tail = [l.text async for l in self.logs(env, [bad["service"]], tail=10)]
                raise TimeoutError_(
                    f"{bad['service']} is not healthy after {timeout:.0f}s: {bad['error']}\n"
                    + "\n".join("  | " + t for t in tail),
                    hint=f"see `stackyard logs {env} {bad['service']}`",
                )
            await asyncio.sleep(0.2)

    def logs(self, env: str = "dev", services: list[str] | None = None, *, follow: bool = False,
             tail: int | None = 100) -> AsyncIterator[LogLine]:
        """Lines of the env's services' logs, merged (and followed with ``follow``)."""
        row = self.require_env(env)
        ctx = self.context(row)
        rt = self.runtime(row.runtime)
        rows = self.state.services(env)
        if services:
            unknown = set(services) - {s.name for s in rows}
            if unknown:
                raise NotFoundError(f"no service {', '.join(sorted(unknown))} in {env!r}",
                                    hint=f"services: {', '.join(s.name for s in rows)}")
            rows = [s for s in rows if s.name in services]
        sources = [rt.logs(ctx, s, follow=follow, tail=tail) for s in rows]
        if len(sources) == 1:
            return sources[0]
        return merge(sources)

    async def stats(self, env: str = "dev") -> dict:
        row = self.require_env(env)
        ctx = self.context(row)
        rt = self.runtime(row.runtime)
        out = {}
        for s in self.state.services(env):
            st = await rt.stats(ctx, s)
            out[s.name] = st.to_dict() if st else None
        return out

    async def require_running(self, env: str) -> None:
        st = await self.status(env)
        bad = [s for s in st["services"] if s["state"] != ServiceState.RUNNING.value]
        if bad:
            raise UnreachableError(
                f"environment {env!r}: {', '.join(s['name'] + ' is ' + s['state'] for s in bad)}",
                hint=f"run `stackyard up {env}`",
            )
