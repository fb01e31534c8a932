"""The env's .env file (mode 0600): connection variables for applications."""

from __future__ import annotations

import os

from .services.postgres import conninfo, exported_env


def env_values(ws, env: str) -> dict[str, str]:
    """Every variable the environment exports (DATABASE_URL for the active branch, ...)."""
    out: dict[str, str] = {"STACKYARD_ENV": env, "STACKYARD_PROJECT": ws.config.project}
    secrets = ws.read_secrets(env)
    primary = ws.config.postgres()
    try:
        from .services.catalog import exported_env as kind_env  # other service kinds, when present
    except ImportError:
        kind_env = None
    for s in ws.state.services(env):
        if s.kind == "postgres":
            is_primary = primary is not None and primary[0] == s.name
            db = ws.branch_database(env, None) if is_primary else None
            out.update(exported_env(s.name, conninfo(s, secrets, db), is_primary))
        elif kind_env is not None:
            out.update(kind_env(s, secrets))
    return out


def write_env_file(ws, env: str) -> None:
    path = ws.env_dir(env) / ".env"
    lines = ["# written by stackyard; regenerated on up and branch switch", *(
        f"{k}={_quote(v)}" for k, v in env_values(ws, env).items())]
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write("\n".join(lines) + "\n")
    os.replace(tmp, path)


def _quote(v: str) -> str:
    if v and all(c.isalnum() or c in "-_.:/@%+=?&" for c in v):
        return v
    return "'" + v.replace("'", "'\\''") + "'"
