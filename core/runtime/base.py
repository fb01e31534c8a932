"""The Runtime interface. The rest of the core never knows which runtime it talks to."""

from __future__ import annotations

import abc
import importlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any, ClassVar

from ..config.models import BaseService
from ..config.profiles import Profile
from ..errors import UsageError
from ..events import EventBus
from ..logs import LogLine
from ..state import ServiceRow


class ServiceState(str, Enum):
    RUNNING = "running"
    STOPPED = "stopped"  # exists, not running (data kept)
    MISSING = "missing"  # known to state but gone (data dir / container removed behind our back)
    EXITED = "exited"  # started, then died
    STARTING = "starting"
    UNHEALTHY = "unhealthy"


@dataclass
class EnvContext:
    """What a runtime needs to know about the environment it acts in."""

    project: str
    name: str
    dir: Path  # .stackyard/envs/<env>
    profile: Profile
    secrets: dict[str, str]
    bus: EventBus
    expires_at: float | None = None

    @property
    def logs_dir(self) -> Path:
        return self.dir / "logs"


@dataclass
class ServiceStatus:
    name: str
    kind: str
    runtime: str
    state: ServiceState
    port: int | None = None
    pid: int | None = None
    container_id: str | None = None
    detail: str = ""
    info: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {
            "name": self.name, "kind": self.kind, "runtime": self.runtime, "state": self.state.value,
            "port": self.port, "pid": self.pid, "container_id": self.container_id, "detail": self.detail,
            **({"info": self.info} if self.info else {}),
        }


@dataclass
class ServiceStats:
    cpu_percent: float | None
    memory_bytes: int | None
    memory_limit: int | None = None

    def to_dict(self) -> dict:
        return dict(self.__dict__)


class Runtime(abc.ABC):
    """Creates, starts, stops and removes the services of an environment.

    ``provision`` is idempotent (creates data/volumes and chooses ports once); ``start`` and
    ``stop`` keep data; ``remove`` deletes everything the service owns. Each returns the
    updated ServiceRow the caller persists in the state store.
    """

    name: ClassVar[str]

    @abc.abstractmethod
    async def provision(self, env: EnvContext, name: str, svc: BaseService, row: ServiceRow | None) -> ServiceRow: ...

    @abc.abstractmethod
    async def start(self, env: EnvContext, svc: BaseService, row: ServiceRow) -> ServiceRow: ...

    @abc.abstractmethod
    async def stop(self, env: EnvContext, row: ServiceRow) -> ServiceRow: ...

    @abc.abstractmethod
    async def remove(self, env: EnvContext, row: ServiceRow) -> None: ...

    @abc.abstractmethod
    async def status(self, env: EnvContext, row: ServiceRow) -> ServiceStatus: ...

    @abc.abstractmethod
    def logs(self, env: EnvContext, row: ServiceRow, *, follow: bool = False, tail: int | None = 100) -> AsyncIterator[LogLine]: ...

    async def stats(self, env: EnvContext, row: ServiceRow) -> ServiceStats | None:
        return None

    async def copy_service(self, src: EnvContext, src_row: ServiceRow, dst: EnvContext, dst_row: ServiceRow) -> None:
        """Copy a service's data to another environment (env clone)."""
        raise UsageError(f"the {self.name} runtime cannot clone {src_row.kind} services yet")

    async def close(self) -> None:
        """Release clients (docker connections, ...)."""


_RUNTIMES = {"local": "core.runtime.local:LocalRuntime", "docker": "core.runtime.docker:DockerRuntime"}


def get_runtime(name: str) -> Runtime:
    spec = _RUNTIMES.get(name)
    if spec is None:
        raise UsageError(f"unknown runtime {name!r}", hint=f"runtimes: {', '.join(_RUNTIMES)}")
    mod, cls = spec.split(":")
    try:
        module = importlib.import_module(mod)
    except ModuleNotFoundError as e:
        raise UsageError(f"the {name} runtime is not available ({e})") from None
    return getattr(module, cls)()
