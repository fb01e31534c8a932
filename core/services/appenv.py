"""The variables an app service gets: its env's exported connection vars (DATABASE_URL, REDIS_URL...)."""

from __future__ import annotations

from ..state import StateStore
from .postgres import conninfo, exported_env as pg_env


def stack_env(env_ctx, exclude: str | None = None) -> dict[str, str]:
    """Connection variables of the env's other services, read from the state store."""
    db = env_ctx.dir.parent.parent / "state.db"
    if not db.exists():
        return {}
    store = StateStore(db)
    try:
        rows = [r for r in store.services(env_ctx.name) if r.name != exclude]
    finally:
        store.close()
    return env_from_rows(rows, env_ctx.secrets)


def env_from_rows(rows, secrets: dict[str, str]) -> dict[str, str]:
    """Connection variables exported by these service rows (the first postgres is DATABASE_URL)."""
    from .catalog import exported_env

    out: dict[str, str] = {}
    primary_done = False
    for r in rows:
        if r.kind == "postgres":
            if r.port:
                out.update(pg_env(r.name, conninfo(r, secrets), not primary_done))
                primary_done = True
        else:
            out.update(exported_env(r, secrets))
    return out


def peers(env_ctx, exclude: str | None = None) -> list[tuple[str, str, int]]:
    """(name, kind, port) of the env's services (prometheus scrapes them)."""
    db = env_ctx.dir.parent.parent / "state.db"
    if not db.exists():
        return []
    store = StateStore(db)
    try:
        return [(r.name, r.kind, int(r.port or 0)) for r in store.services(env_ctx.name) if r.name != exclude]
    finally:
        store.close()
