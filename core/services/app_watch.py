"""Hot reload for ``app`` services: watch their ``watch:`` paths and restart them on change."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

from ..errors import UsageError


def watched(ws, env: str, services: list[str] | None = None) -> dict[str, list[Path]]:
    """The app services of ``env`` that have ``watch:`` paths, with those paths (absolute)."""
    row = ws.require_env(env)
    cfg = ws.load_profile(row.profile).apply(ws.config)
    out: dict[str, list[Path]] = {}
    for name, svc in cfg.items():
        if getattr(svc, "watch", None) and (not services or name in services):
            out[name] = [(ws.root / p).resolve() for p in svc.watch]
    if services:
        unknown = set(services) - set(out)
        if unknown:
            raise UsageError(f"no app service with `watch:` paths named {', '.join(sorted(unknown))}")
    return out


async def restart_service(ws, env: str, name: str) -> dict:
    """Stop and start one service in place (a docker container is restarted, a process respawned)."""
    row = ws.require_env(env)
    prof = ws.load_profile(row.profile)
    ctx = ws.context(row, prof)
    rt = ws.runtime(row.runtime)
    svc = prof.apply(ws.config)[name]
    srow = next(s for s in ws.state.services(env) if s.name == name)
    async with ws.lock(env):
        srow = await rt.stop(ctx, srow)
        srow = await rt.start(ctx, svc, srow)
        ws.state.upsert_service(srow)
    return {"service": name, "state": "restarted", "port": srow.port}


async def watch(ws, env: str, services: list[str] | None = None, *, debounce_ms: int = 300,
                stop_event: asyncio.Event | None = None) -> AsyncIterator[dict]:
    """Restart each app whose watched files change; yields one event per restart (runs until cancelled)."""
    from watchfiles import awatch

    targets = watched(ws, env, services)
    if not targets:
        raise UsageError(f"no app service in {env!r} has `watch:` paths",
                         hint="add `watch: [src/]` to an app service in stackyard.yaml")
    paths = sorted({p for ps in targets.values() for p in ps if p.exists()})
    if not paths:
        raise UsageError("none of the `watch:` paths exist", hint=", ".join(str(p) for ps in targets.values() for p in ps))
    async for changes in awatch(*paths, debounce=debounce_ms, stop_event=stop_event):
        changed = [Path(p) for _c, p in changes]
        for name, ps in targets.items():
            hits = [c for c in changed if any(c == p or p in c.parents for p in ps)]
            if hits:
                ev = await restart_service(ws, env, name)
                ev["changed"] = [str(h) for h in hits[:5]]
                yield ev
