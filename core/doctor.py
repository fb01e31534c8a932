"""`stackyard doctor`: what this machine provides, and state repair."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from .pg.binaries import candidates, find_binaries

# Extensions Supabase-style schemas commonly need; the embedded wheel lacks the first two.
NOTABLE_EXTENSIONS = ["pgcrypto", "uuid-ossp", "vector", "citext", "pg_trgm", "hstore", "ltree", "postgis"]


def _ext_available(share: Path | None) -> set[str]:
    if share is None:
        return set()
    d = share / "extension"
    return {p.stem for p in d.glob("*.control")} if d.is_dir() else set()


async def diagnose(project_dir: Path | None, *, rebuild_state: bool = False) -> dict:
    checks: list[dict] = []

    def check(name: str, ok: bool, detail: str, **extra) -> None:
        checks.append({"check": name, "ok": ok, "detail": detail, **extra})

    try:
        bins = find_binaries()
        check("postgres binaries", True, f"PostgreSQL {bins.version} from {bins.provider} ({bins.bin_dir})",
              provider=bins.provider, version=bins.version)
        have = _ext_available(bins.share_dir)
        missing = [e for e in NOTABLE_EXTENSIONS if e not in have]
        check("extensions", not {"pgcrypto", "uuid-ossp"} & set(missing),
              f"{len(have)} available; missing: {', '.join(missing) or 'none'}",
              available=sorted(have), missing=missing)
    except Exception as e:  # doctor reports, it does not fail
        check("postgres binaries", False, str(e))
    check("provider chain", True, "; ".join(f"{p}: {d}" for p, d in candidates()) or "empty")
    check("psql", shutil.which("psql") is not None or _bundled_psql(),
          shutil.which("psql") or ("bundled with the embedded server" if _bundled_psql() else "not found (db psql needs it)"))
    docker_sock = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
    sock = docker_sock.removeprefix("unix://")
    check("docker", os.path.exists(sock), f"{docker_sock} {'reachable' if os.path.exists(sock) else 'not found (docker runtime unavailable)'}")
    report: dict = {"checks": checks}
    from .config.loader import find_project_root

    root = find_project_root(project_dir)
    if root is not None:
        from .api import Workspace

        async with Workspace.open(root) as ws:
            envs = ws.state.list_envs()
            check("state", True, f"{ws.state.path}: {len(envs)} environment(s)")
            if rebuild_state:
                actions: list[dict] = []
                ws._import_manifests(actions)
                rebuild = getattr(ws, "rebuild_branches", None)
                if rebuild is not None:
                    for e in ws.state.list_envs():
                        try:
                            actions.append({"env": e.name, "branches": await rebuild(e.name)})
                        except Exception as err:
                            actions.append({"env": e.name, "error": str(err)})
                report["rebuild"] = actions
                check("rebuild", True, f"{len(actions)} action(s)")
    return report


def _bundled_psql() -> bool:
    try:
        return (find_binaries().bin_dir / "psql").exists()
    except Exception:
        return False
