"""The docker runtime: each service is a labelled container with its data on a labelled named volume.

Resources are found by label (project root, env, service), never by name. Ports are chosen on
the host like the local runtime's and are the same inside the container: with host networking
(``STACKYARD_DOCKER_NETWORK=host``, what the tests use) the service listens on 127.0.0.1:PORT;
on the per-env bridge network it listens on 0.0.0.0:PORT, published on 127.0.0.1:PORT only.
"""

from __future__ import annotations

import asyncio
import os
import secrets as pysecrets
import time
from collections.abc import AsyncIterator
from pathlib import Path

from ..config.models import BaseService
from ..errors import StackyardError, TimeoutError_
from ..health import ProbeResult, probe_postgres
from ..logs import LogLine
from ..services.postgres import conninfo, password_key
from ..services.portalloc import choose_ports, ensure_free
from ..state import ServiceRow
from . import docker_client as dc
from .base import EnvContext, Runtime, ServiceState, ServiceStatus
from .docker_logs import container_logs
from .docker_spec import FILES_DIR, ContainerSpec, build_spec
from .docker_observe import DockerObservation


def network_mode(env: EnvContext) -> str:
    """``host`` or ``bridge``: the profile's ``docker_network`` if it has one, else STACKYARD_DOCKER_NETWORK."""
    mode = getattr(env.profile, "docker_network", None) or os.environ.get("STACKYARD_DOCKER_NETWORK", "bridge")
    return "host" if mode == "host" else "bridge"


def pull_policy() -> str:
    """STACKYARD_DOCKER_PULL: missing (default), never, always."""
    p = os.environ.get("STACKYARD_DOCKER_PULL", "missing")
    return p if p in ("missing", "never", "always") else "missing"


def project_root(env: EnvContext) -> Path:
    return env.dir.parent.parent.parent.resolve()  # <root>/.stackyard/envs/<env>


def _ports_of(svc) -> tuple[tuple[str, ...], dict[str, int]]:
    if svc.kind == "postgres":
        return ("postgres",), ({"postgres": svc.port} if svc.port else {})
    from ..services.catalog import fixed_ports, port_names

    return port_names(svc), fixed_ports(svc)


class DockerRuntime(DockerObservation, Runtime):
    name = "docker"

    def __init__(self) -> None:
        self._client = None
        self._cpu_samples: dict[str, tuple[int, int]] = {}  # container id -> (cpu total, system total)

    async def client(self):
        if self._client is None:
            self._client = await asyncio.to_thread(dc.connect)
        return self._client

    async def _call(self, what: str, fn, *args, **kw):
        try:
            return await asyncio.to_thread(fn, *args, **kw)
        except StackyardError:
            raise
        except Exception as e:
            raise dc.wrap(e, what) from None

    async def _container(self, env: EnvContext, service: str):
        c = await self.client()
        return await self._call("listing containers", dc.find_container, c, str(project_root(env)), env.name, service)

    # provision / start / stop / remove -------------------------------------------------------
    async def provision(self, env: EnvContext, name: str, svc: BaseService, row: ServiceRow | None) -> ServiceRow:
        client = await self.client()
        root = str(project_root(env))
        names, fixed = _ports_of(svc)
        prev = (row.info.get("ports") if row and row.runtime == "docker" else None) or {}
        ports = choose_ports(names, fixed, prev, env.profile.port_policy)
        image = image_of(svc)
        if image:  # first, before creating anything; here, outside the start timeout (a pull can take minutes)
            await self._ensure_image(env, image)
        volume, fresh = await self._ensure_volume(env, name, svc, row, root)
        try:
            if network_mode(env) == "bridge":
                await self._ensure_network(env, root)
            container = await self._container(env, name)
            if container is not None and container.labels.get(dc.L_HASH) != self._spec(env, name, svc, ports).config_hash():
                # the config changed (image, command, env, limits...): recreate it on the same volume
                env.bus.info(f"{name}: configuration changed; recreating its container (data is kept)")
                await self._call(f"removing the outdated container of {name}", container.remove, force=True, v=True)
                container = None
        except BaseException:
            if fresh:  # not recorded in state yet: nothing else would remove it
                await asyncio.to_thread(_drop_volume, client, volume)
            raise
        info = {"host": "127.0.0.1", "ports": ports, "volume": volume, "network": network_mode(env),
                "fresh": fresh or bool(row and row.info.get("fresh")),
                "desired": (row.info.get("desired") if row else None) or "running"}
        if svc.kind == "postgres":
            info.update(user=svc.user, database=svc.database)
        for k in ("user", "vhost", "region"):
            if hasattr(svc, k) and svc.kind != "postgres":
                info[k] = getattr(svc, k)
        main = ports[names[0]] if names else None
        return ServiceRow(env.name, name, svc.kind, "docker", main, None, container.id if container else None, info)

    async def _ensure_volume(self, env: EnvContext, name: str, svc, row: ServiceRow | None,
                             root: str) -> tuple[str | None, bool]:
        """The service's named volume (found by label) and whether it was just created."""
        if not build_data_path(svc):
            return None, False
        client = await self.client()
        vol = await self._call("listing volumes", dc.find_volume, client, root, env.name, name)
        if vol is not None and row is None:
            # left by an earlier env of the same name that the state store no longer knows: its
            # password is gone with it, so it cannot be adopted
            env.bus.warning(f"{name}: removing a leftover volume of an earlier {env.name!r} environment")
            from .docker_cleanup import remove_service

            await remove_service(self, env, ServiceRow(env.name, name, svc.kind, "docker", None, None, None, {}))
            vol = None
        if vol is not None:
            return vol.name, False
        vname = f"sy-{dc.short_hash(root, 6)}-{env.name}-{name}-{pysecrets.token_hex(3)}"
        vol = await self._call(f"creating volume for {name}", client.volumes.create, name=vname,
                               labels=dc.labels_for(env, name, svc.kind, root))
        return vol.name, True

    async def _ensure_network(self, env: EnvContext, root: str) -> str:
        client = await self.client()
        nets = await self._call("listing networks", client.networks.list, filters=dc.selector(root, env.name))
        if nets:
            return nets[0].name
        name = f"sy-{dc.short_hash(root, 6)}-{env.name}"
        await self._call("creating the env network", client.networks.create, name, driver="bridge",
                         labels=dc.labels_for(env, None, None, root))
        return name

    def _spec(self, env: EnvContext, name: str, svc, ports: dict[str, int]) -> ContainerSpec:
        from ..services.appenv import peers, stack_env

        host = network_mode(env) == "host"
        senv = None
        if svc.kind == "app":
            senv = stack_env(env, name)
            if not host:  # other services are reached by name on the env's bridge network
                for pname, _k, port in peers(env, name):
                    senv = {k: v.replace(f"127.0.0.1:{port}", f"{pname}:{port}") for k, v in senv.items()}
        return build_spec(env, name, svc, ports, "127.0.0.1" if host else "0.0.0.0", project_root(env),
                          peers(env, name), senv)

    async def start(self, env: EnvContext, svc: BaseService, row: ServiceRow) -> ServiceRow:
        await self.client()  # fails early (exit 3) when the daemon is gone
        root = str(project_root(env))
        info = dict(row.info, desired="running")
        ports = dict(info["ports"])
        container = await self._container(env, row.name)
        spec = self._spec(env, row.name, svc, ports)
        if container is not None:
            st = await self._call("inspecting a container", dc.container_state, container)
            same = container.labels.get(dc.L_HASH) == spec.config_hash()
            if st.get("Running") and same:
                new = self._row(row, ports, container, info)
                await self._wait_ready(env, svc, new, container, svc.healthcheck.timeout * 6)
                return new
            if not same or st.get("Running"):
                await self._call(f"removing the outdated container of {row.name}", container.remove, force=True, v=True)
                container = None
        ports, moved = ensure_free(row.name, ports, env.profile.port_policy, env.bus.warning)
        if moved:
            spec = self._spec(env, row.name, svc, ports)
            if container is not None:
                await self._call("removing a container", container.remove, force=True, v=True)
                container = None
        info["ports"] = ports
        if container is None:
            await self._ensure_image(env, spec.image)
            container = await self._create(env, root, spec, info)
        await self._call(f"starting {row.name}", container.start)
        new = self._row(row, ports, container, info)
        await self._wait_ready(env, svc, new, container, svc.healthcheck.timeout * 6)
        return new

    async def _ensure_image(self, env: EnvContext, image: str) -> None:
        client = await self.client()
        bus = dc.LoopBus(env.bus, asyncio.get_running_loop())  # the pull reports from a worker thread
        await self._call(f"looking up image {image}", dc.ensure_image, client, image, bus, env.name, pull_policy())

    def _row(self, row: ServiceRow, ports: dict[str, int], container, info: dict) -> ServiceRow:
        names = list(ports)
        return ServiceRow(row.env, row.name, row.kind, row.runtime, ports[names[0]] if names else None, None,
                          container.id, info)

    async def _create(self, env: EnvContext, root: str, spec: ContainerSpec, info: dict):
        client = await self.client()
        labels = {**dc.labels_for(env, spec.service, spec.kind, root), dc.L_HASH: spec.config_hash()}
        volumes: dict[str, dict] = {}
        if spec.data_path and info.get("volume"):
            volumes[info["volume"]] = {"bind": spec.data_path, "mode": "rw"}
        if spec.files:
            fdir = env.dir / "docker-files" / spec.service
            fdir.mkdir(parents=True, exist_ok=True)
            fdir.chmod(0o755)
            for fname, content in spec.files.items():
                (fdir / fname).write_text(content)
                (fdir / fname).chmod(0o644)
            volumes[str(fdir.resolve())] = {"bind": FILES_DIR, "mode": "ro"}
        for host, target in spec.binds.items():
            volumes[host] = {"bind": target, "mode": "rw"}
        kw: dict = dict(
            image=spec.image, command=spec.command, environment=spec.env, labels=labels, detach=True,
            name=f"sy-{env.name}-{spec.service}-{dc.short_hash(root, 6)}", volumes=volumes,
            restart_policy={"Name": spec.restart} if spec.restart != "no" else None,
        )
        if spec.healthcheck:
            ns = 1_000_000_000
            kw["healthcheck"] = {"test": spec.healthcheck, "interval": int(spec.interval * ns),
                                 "timeout": int(spec.timeout * ns), "retries": 3,
                                 # failures while starting (initdb, crash recovery) do not count
                                 "start_period": int(spec.timeout * 6 * ns)}
        if spec.stop_signal:  # postgres: SIGINT is a fast shutdown; SIGTERM waits for every client
            kw["stop_signal"] = spec.stop_signal
        if spec.kind == "app":  # user code as PID 1 often ignores SIGTERM: an init forwards it
            kw["init"] = True
        if spec.memory:
            kw["mem_limit"] = spec.memory
        if spec.cpus:
            kw["nano_cpus"] = int(spec.cpus * 1_000_000_000)
        if info.get("network") == "host":
            kw["network_mode"] = "host"
        else:
            net = await self._ensure_network(env, root)
            kw["network"] = net
            kw["networking_config"] = {net: client.api.create_endpoint_config(aliases=[spec.service])}
            kw["ports"] = {f"{p}/tcp": ("127.0.0.1", p) for p in spec.ports.values()}
        import docker.errors as de

        try:
            return await asyncio.to_thread(client.containers.create, **kw)
        except de.APIError as e:
            if e.status_code != 409:  # name taken: a leftover of ours (labels say so) is replaced
                raise dc.wrap(e, f"creating the {spec.service} container") from None
        old = await self._call("inspecting a container", client.containers.get, kw["name"])
        if old.labels.get(dc.L_ROOT) != root:
            raise StackyardError(f"a container named {kw['name']} exists and is not stackyard's",
                                 hint=f"remove it with `docker rm -f {kw['name']}`")
        await self._call("removing a leftover container", old.remove, force=True, v=True)
        return await self._call(f"creating the {spec.service} container", client.containers.create, **kw)

    async def _wait_ready(self, env: EnvContext, svc, row: ServiceRow, container, timeout: float) -> None:
        """Until the service answers its probe; a container that exits first fails with its last log lines."""
        deadline = time.monotonic() + timeout
        last: ProbeResult | None = None
        restarts = container.attrs.get("RestartCount", 0)  # restarts before this wait are history
        while True:
            st = await self._call("inspecting a container", dc.container_state, container)
            if not st.get("Running") or st.get("Restarting") or container.attrs.get("RestartCount", 0) > restarts:
                tail = await asyncio.to_thread(dc.tail_text, container)
                code = st.get("ExitCode")
                await self._call("stopping a failed container", container.stop, timeout=2)
                raise StackyardError(
                    f"{row.name}: the container exited (code {code}) right after starting:\n"
                    + "\n".join("  | " + t for t in tail),
                    hint=f"see `docker logs {container.name}`, or fix services.{row.name} in stackyard.yaml",
                )
            last = await self._probe(env, svc, row, container)
            if last is None or last.ok:
                return
            if time.monotonic() > deadline:
                tail = await asyncio.to_thread(dc.tail_text, container)
                raise TimeoutError_(f"{row.name} did not answer within {timeout:.0f}s: {last.error}\n"
                                    + "\n".join("  | " + t for t in tail),
                                    hint=f"see `stackyard logs {env.name} {row.name}`")
            await asyncio.sleep(0.1)

    async def _probe(self, env: EnvContext, svc, row: ServiceRow, container) -> ProbeResult | None:
        if row.kind == "postgres":
            return await probe_postgres(row.name, conninfo(row, env.secrets, "postgres").url, 2.0)
        from ..services.catalog import probe_row

        return await probe_row(row, svc, env.secrets.get(password_key(row.name), ""), 2.0)

    async def stop(self, env: EnvContext, row: ServiceRow) -> ServiceRow:
        container = await self._container(env, row.name)
        if container is not None:
            await self._call(f"stopping {row.name}", container.stop, timeout=10)
        info = dict(row.info, desired="stopped")
        return ServiceRow(row.env, row.name, row.kind, row.runtime, row.port, None, row.container_id, info)

    def root_of(self, env: EnvContext) -> Path:
        return project_root(env)

    async def copy_service(self, src: EnvContext, src_row: ServiceRow, dst: EnvContext, dst_row: ServiceRow) -> None:
        """Copy the service's volume for ``env clone`` (postgres is stopped during the copy)."""
        from .docker_copy import copy_volume

        how = await copy_volume(self, src, src_row, dst, dst_row)
        dst.bus.info(f"{dst_row.name}: copied from {src.name} with {how}")

    async def remove(self, env: EnvContext, row: ServiceRow) -> None:
        from .docker_cleanup import remove_service

        await remove_service(self, env, row)

    # observation -------------------------------------------------------------------------------
    async def status(self, env: EnvContext, row: ServiceRow) -> ServiceStatus:
        container = await self._container(env, row.name)
        if container is None:
            return ServiceStatus(row.name, row.kind, self.name, ServiceState.MISSING, row.port, None, None,
                                 "container was removed outside stackyard; `stackyard up` recreates it")
        st = container.attrs.get("State") or {}
        health = (st.get("Health") or {}).get("Status")
        pid = st.get("Pid") or None
        if st.get("Running") and not st.get("Restarting"):
            state = ServiceState.UNHEALTHY if health == "unhealthy" else ServiceState.RUNNING
            detail = f"health: {health}" if health and health != "healthy" else ""
        elif st.get("Restarting"):
            state, detail = ServiceState.EXITED, f"restarting after exit code {st.get('ExitCode')}"
        elif row.info.get("desired") == "stopped" or st.get("Status") == "created":
            state, detail = ServiceState.STOPPED, ""
        else:
            state, detail = ServiceState.EXITED, f"exited with code {st.get('ExitCode')}"
        return ServiceStatus(row.name, row.kind, self.name, state, row.port, pid if state == ServiceState.RUNNING else None,
                             container.id[:12], detail)

    async def logs(self, env: EnvContext, row: ServiceRow, *, follow: bool = False,
                   tail: int | None = 100) -> AsyncIterator[LogLine]:
        container = await self._container(env, row.name)
        if container is None:
            return
        client = await self.client()
        tty = bool((container.attrs.get("Config") or {}).get("Tty"))
        async for line in container_logs(client, container.id, row.name, env.name, follow=follow, tail=tail, tty=tty):
            yield line

    async def close(self) -> None:
        if self._client is not None:
            client, self._client = self._client, None
            await asyncio.to_thread(client.close)


def _drop_volume(client, name: str | None) -> None:
    try:
        client.volumes.get(name).remove(force=True)
    except Exception:  # best effort: gc removes what is left
        pass


def image_of(svc) -> str | None:
    if svc.kind == "postgres":
        from ..services.postgres_docker import image

        return image(svc)
    from ..services.catalog import get_kind

    return svc.image or get_kind(svc.kind).image or None


def build_data_path(svc) -> str | None:
    if svc.kind == "postgres":
        from ..services.postgres_docker import VOLUME_PATH

        return VOLUME_PATH
    from ..services.catalog import get_kind

    return get_kind(svc.kind).data_path
