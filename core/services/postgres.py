"""PostgreSQL as a service: connection info, exported env, and the local-runtime driver."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from ..config.models import PostgresService
from ..errors import ConflictError, StackyardError
from ..logs import tail_file
from ..pg import cluster
from ..pg.binaries import find_binaries
from ..state import ServiceRow


@dataclass(frozen=True)
class ConnInfo:
    host: str
    port: int
    user: str
    password: str
    dbname: str

    @property
    def url(self) -> str:
        return f"postgresql://{quote(self.user)}:{quote(self.password, safe='')}@{self.host}:{self.port}/{quote(self.dbname)}"

    @property
    def redacted_url(self) -> str:
        return f"postgresql://{quote(self.user)}:***@{self.host}:{self.port}/{quote(self.dbname)}"

    def with_db(self, dbname: str) -> "ConnInfo":
        return ConnInfo(self.host, self.port, self.user, self.password, dbname)


def password_key(service: str) -> str:
    return f"{service}.password"


def conninfo(row: ServiceRow, secrets: dict[str, str], dbname: str | None = None) -> ConnInfo:
    return ConnInfo(
        row.info.get("host", "127.0.0.1"), int(row.port or 0), row.info.get("user", "postgres"),
        secrets.get(password_key(row.name), ""), dbname or row.info.get("database", "postgres"),
    )


def exported_env(name: str, ci: ConnInfo, primary: bool) -> dict[str, str]:
    """Variables written to the env's .env for applications."""
    up = name.upper().replace("-", "_")
    out = {f"{up}_URL": ci.url, f"{up}_HOST": ci.host, f"{up}_PORT": str(ci.port), f"{up}_USER": ci.user,
           f"{up}_PASSWORD": ci.password, f"{up}_DATABASE": ci.dbname}
    if primary:
        out.update({"DATABASE_URL": ci.url, "PGHOST": ci.host, "PGPORT": str(ci.port), "PGUSER": ci.user,
                    "PGPASSWORD": ci.password, "PGDATABASE": ci.dbname})
    return out


class LocalPostgres:
    """Runs one PostgreSQL cluster per environment and service from the provider's binaries."""

    def paths(self, env_dir: Path, name: str) -> tuple[Path, Path]:
        base = env_dir / "postgres" / name
        return base / "data", env_dir / "logs" / f"{name}.log"

    async def provision(self, env, name: str, svc: PostgresService, row: ServiceRow | None) -> ServiceRow:
        bins = await asyncio.to_thread(find_binaries, svc.bin_dir)  # probes `postgres --version` once
        if bins.major and bins.major != svc.version:
            env.bus.warning(
                f"{name}: version {svc.version} is configured, but the local runtime has PostgreSQL {bins.version} "
                f"({bins.provider}); set services.{name}.bin_dir to a PostgreSQL {svc.version} install, "
                f"or use the docker runtime for another version"
            )
        data, log = self.paths(env.dir, name)
        fresh = False
        if not cluster.is_initialized(data):
            if row is not None:
                env.bus.warning(
                    f"{name}: data directory {data} is missing or incomplete; creating a new empty cluster"
                )
                await asyncio.to_thread(cluster.kill_orphans, data)
            if data.exists():
                await asyncio.to_thread(cluster.remove, data)
            await asyncio.to_thread(cluster.initdb, bins, data, env.secrets[password_key(name)], superuser=svc.user)
            fresh = True
        port = (row.port if row else None) or svc.port or await asyncio.to_thread(cluster.free_port)
        if env.profile.port_policy == "fixed" and svc.port:
            port = svc.port
        await asyncio.to_thread(cluster.write_settings, data, port, svc.settings)
        info = {"data_dir": str(data), "log": str(log), "user": svc.user, "database": svc.database,
                "bin_dir": str(bins.bin_dir), "bin_dir_cfg": svc.bin_dir, "provider": bins.provider, "version": bins.version,
                "host": "127.0.0.1", "fresh": fresh or bool(row and row.info.get("fresh"))}
        return ServiceRow(env.name, name, "postgres", "local", port, None, None, info)

    async def start(self, env, svc: PostgresService, row: ServiceRow) -> ServiceRow:
        bins = await asyncio.to_thread(find_binaries, svc.bin_dir)  # probes `postgres --version` once
        data, log = Path(row.info["data_dir"]), Path(row.info["log"])
        port = int(row.port)
        if cluster.postmaster_pid(data) is None and not cluster.port_free(port):
            if env.profile.port_policy == "auto":
                new = cluster.free_port()
                env.bus.warning(f"{row.name}: port {port} is taken by another program; moving to port {new}")
                port = new
                await asyncio.to_thread(cluster.write_settings, data, port, svc.settings)
            else:
                raise ConflictError(
                    f"{row.name}: port {port} on 127.0.0.1 is already in use by another program",
                    hint=f"stop that program, or use a profile with port_policy: auto (this one is {env.profile.port_policy})",
                )
        else:
            await asyncio.to_thread(cluster.write_settings, data, port, svc.settings)
        pid = await asyncio.to_thread(cluster.start, bins, data, log, port, timeout=svc.healthcheck.timeout * 6)
        return ServiceRow(row.env, row.name, row.kind, row.runtime, port, pid, None, row.info)

    async def stop(self, env, row: ServiceRow) -> ServiceRow:
        data = Path(row.info["data_dir"])
        if data.exists():
            await asyncio.to_thread(cluster.stop, find_binaries(row.info.get("bin_dir_cfg")), data)
        else:
            await asyncio.to_thread(cluster.kill_orphans, data)
        return ServiceRow(row.env, row.name, row.kind, row.runtime, row.port, None, None, row.info)

    async def remove(self, env, row: ServiceRow) -> None:
        data = Path(row.info["data_dir"])
        await self.stop(env, row)
        await asyncio.to_thread(shutil.rmtree, data.parent, True)
        Path(row.info["log"]).unlink(missing_ok=True)

    def state(self, row: ServiceRow) -> tuple[str, int | None]:
        data = Path(row.info["data_dir"])
        if not cluster.is_initialized(data):
            return "missing", None
        pid = cluster.postmaster_pid(data)
        if pid:
            return "running", pid
        # a clean stop removes postmaster.pid; a crashed or killed server leaves it behind
        return ("exited" if (data / "postmaster.pid").exists() else "stopped"), None

    def logs(self, env, row: ServiceRow, *, follow: bool, tail: int | None):
        return tail_file(Path(row.info["log"]), row.name, env=env.name, follow=follow, tail=tail)

    async def copy(self, src_env, src: ServiceRow, dst_env, dst: ServiceRow) -> str:
        """Copy the cluster: pg_basebackup while it runs (no downtime), else a reflink-or-plain copy."""
        src_data, dst_data = Path(src.info["data_dir"]), Path(dst.info["data_dir"])
        bins = find_binaries()
        dst_data.parent.mkdir(parents=True, exist_ok=True)
        if dst_data.exists():
            shutil.rmtree(dst_data)
        if cluster.postmaster_pid(src_data):
            user = cluster.server_os_user()
            dst_data.mkdir(mode=0o700)
            cluster.give_to_server(dst_data, user)
            env = dict(os.environ, PGPASSWORD=src_env.secrets[password_key(src.name)])
            kw = dict(user=user.uid, group=user.gid, extra_groups=[]) if user else {}
            proc = await asyncio.to_thread(
                subprocess.run,
                [bins.tool("pg_basebackup"), "-D", str(dst_data), "-h", "127.0.0.1", "-p", str(src.port),
                 "-U", src.info.get("user", "postgres"), "-X", "stream", "-c", "fast", "--no-sync"],
                capture_output=True, text=True, env=env, cwd="/", **kw,
            )
            if proc.returncode != 0:
                shutil.rmtree(dst_data, ignore_errors=True)
                raise StackyardError(f"pg_basebackup failed: {proc.stderr.strip()[-500:]}")
            return "pg_basebackup"
        proc = await asyncio.to_thread(
            subprocess.run, ["cp", "-a", "--reflink=auto", str(src_data), str(dst_data)], capture_output=True, text=True
        )
        if proc.returncode != 0:
            shutil.rmtree(dst_data, ignore_errors=True)
            raise StackyardError(f"copying the data directory failed: {proc.stderr.strip()}")
        (dst_data / "postmaster.pid").unlink(missing_ok=True)
        return "copy"
