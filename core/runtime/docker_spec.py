"""What container to run for a service: image, command, env, volume, healthcheck, limits.

The same ContainerSpec feeds the docker runtime and ``export compose``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..errors import UsageError
from ..services import postgres_docker as pgd
from ..services.postgres import password_key


@dataclass
class ContainerSpec:
    service: str
    kind: str
    image: str
    command: list[str] | None
    env: dict[str, str]
    ports: dict[str, int]  # port name -> port (same inside and outside)
    data_path: str | None  # named volume mount point
    healthcheck: list[str] | None
    restart: str
    memory: str | None
    cpus: float | None
    files: dict[str, str] = field(default_factory=dict)  # name -> content, mounted at FILES_DIR
    binds: dict[str, str] = field(default_factory=dict)  # host path -> container path
    depends_on: list[str] = field(default_factory=list)
    interval: float = 1.0
    timeout: float = 5.0
    stop_signal: str | None = None

    def config_hash(self) -> str:
        """Changes when the container must be recreated (image, command, env, ports, limits...)."""
        d = asdict(self)
        d.pop("depends_on")
        return hashlib.sha256(json.dumps(d, sort_keys=True).encode()).hexdigest()[:16]


FILES_DIR = "/etc/stackyard"


def build_spec(env, name: str, svc, ports: dict[str, int], listen: str, root: Path, peers=(),
               stack_env: dict[str, str] | None = None) -> ContainerSpec:
    """The container for service ``name`` of ``env`` with the chosen ports."""
    secret = env.secrets.get(password_key(name), "")
    common = dict(memory=svc.memory, cpus=svc.cpus, depends_on=list(svc.depends_on),
                  interval=svc.healthcheck.interval, timeout=svc.healthcheck.timeout)
    if svc.kind == "postgres":
        port = ports["postgres"]
        return ContainerSpec(name, "postgres", pgd.image(svc), pgd.command(svc, port, listen),
                             pgd.environment(svc, secret), ports, pgd.VOLUME_PATH, pgd.healthcheck(svc, port),
                             "unless-stopped", stop_signal="SIGINT", **common)
    from ..services.catalog import build_plan, get_kind

    kind = get_kind(svc.kind)
    image = svc.image or kind.image
    if not image:
        raise UsageError(f"service {name!r} (kind {svc.kind}) has no image for the docker runtime",
                         hint=f"add `image:` to services.{name} in stackyard.yaml, or run it with `--runtime local`")
    data_path = kind.data_path
    plan = build_plan(svc, ports, secret, listen=listen, data_dir=data_path or "/tmp", files_dir=FILES_DIR, peers=peers)
    env_vars = dict(plan.env)
    binds: dict[str, str] = {}
    if svc.kind == "app":
        env_vars = {**(stack_env or {}), **env_vars}
        for host, target in svc.mounts.items():
            binds[str((root / host).resolve())] = target
    hc = kind.healthcheck(svc, ports, secret) if kind.healthcheck else None
    return ContainerSpec(name, svc.kind, image, plan.docker_command, env_vars, ports, data_path, hc,
                         svc.restart, files=dict(plan.files), binds=binds, **common)
