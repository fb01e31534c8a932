"""PostgreSQL in a container: the official image's interface (POSTGRES_* env, ``postgres`` command)."""

from __future__ import annotations

from ..config.models import PostgresService

DEFAULT_IMAGE = "postgres:18"
# PGDATA in a subdirectory of the volume: initdb wants an empty directory, and a volume root may
# hold lost+found; it also works with images that declare VOLUME /var/lib/postgresql (18+).
VOLUME_PATH = "/var/lib/postgresql/data"
PGDATA = f"{VOLUME_PATH}/pgdata"


def image(svc: PostgresService) -> str:
    return svc.image or DEFAULT_IMAGE


def command(svc: PostgresService, port: int, listen: str) -> list[str]:
    """``postgres -p PORT -c listen_addresses=...`` plus the configured settings."""
    args = ["postgres", "-p", str(port), "-c", f"listen_addresses={listen}"]
    for k, v in svc.settings.items():
        if isinstance(v, bool):
            v = "on" if v else "off"
        args += ["-c", f"{k}={v}"]
    return args


def environment(svc: PostgresService, password: str) -> dict[str, str]:
    return {"POSTGRES_PASSWORD": password, "POSTGRES_USER": svc.user, "POSTGRES_DB": svc.database,
            "PGDATA": PGDATA, **svc.env}


def healthcheck(svc: PostgresService, port: int) -> list[str]:
    return ["CMD", "pg_isready", "-h", "127.0.0.1", "-p", str(port), "-U", svc.user]
