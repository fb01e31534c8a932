"""The uniform definition of a service kind: image, command, ports, data, probe, exported env.

One ``Kind`` feeds the docker runtime, the compose export and the local process driver, so the
three agree on how a service is started and checked.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable


@dataclass(frozen=True)
class Plan:
    """How to run one service. Ports are the same number inside and outside a container: with
    host networking the service listens on it directly; on a bridge it is published 1:1."""

    binary: str | None  # executable for the local runtime (None: cannot run locally)
    args: list[str]  # arguments after the binary
    env: dict[str, str]
    docker_command: list[str] | None  # container command (None: the image's default)
    files: dict[str, str] = field(default_factory=dict)  # file name in files_dir -> content (generated config)


@dataclass(frozen=True)
class Kind:
    """A service kind.

    ``plan(svc, ports, secret, listen, data_dir, files_dir=..., peers=...)`` builds the Plan:
    ``listen`` is the address to bind (127.0.0.1 on the host network, 0.0.0.0 in a bridge
    container), ``files_dir`` where generated files appear, ``peers`` the env's other services
    as ``(name, kind, port)``.
    """

    name: str
    image: str  # default docker image
    ports: tuple[str, ...]  # port names; the first is the service's main port
    data_path: str | None  # data directory inside the container (a named volume)
    probe: str  # "tcp" | "http:/path" | "redis" | "nats"
    plan: Callable[..., Plan]
    exported: Callable[[str, Any, str], dict[str, str]]  # (service name, ServiceRow, secret) -> env vars
    local_binary: str | None = None
    install_hint: str = ""
    healthcheck: Callable[[Any, dict[str, int], str], list[str] | None] | None = None  # docker HEALTHCHECK test
    uid: str | None = None  # user the image's process runs as (None: the image's default)


def env_prefix(name: str) -> str:
    """Service name as an env-var prefix: ``cache-eu`` -> ``CACHE_EU``."""
    return name.upper().replace("-", "_")


def split_command(cmd: list[str] | str | None) -> list[str] | None:
    """A configured command: a list stays as is; a string runs through ``sh -c``."""
    if cmd is None:
        return None
    if isinstance(cmd, str):
        return ["sh", "-c", cmd]
    return list(cmd)
