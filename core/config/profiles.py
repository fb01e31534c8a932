"""Profiles: documented overlays (runtime, TTL, data and port policy, limits, settings).

Built-ins live in the top-level ``profiles`` package; a project's ``profiles/NAME.yaml`` overrides a
built-in of the same name (it is merged over it) or adds a new one. ``extends: other`` merges this
profile over ``other``. Merge rules (docs/profiles.md): mappings merge key by key, recursively;
lists and scalars replace; an explicit ``null`` resets a key to its default.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, field_validator

from ..errors import ConfigError, NotFoundError
from ..paths import BUILTIN_PROFILES
from .models import BaseService, ProjectConfig, Strict, parse_duration
from .validate import validate
from .yamlpos import load_yaml


class ServiceOverride(Strict):
    """Per-service (by name, or by kind such as `postgres`) overrides in a profile."""

    enabled: bool | None = None
    memory: str | None = None
    cpus: float | None = None
    image: str | None = None
    settings: dict[str, Any] = Field(default_factory=dict)


class DataPolicy(Strict):
    persistence: Literal["persistent", "ephemeral"] = Field(
        "persistent", description="ephemeral: `down` destroys the data too (CI)."
    )
    seed: bool = Field(True, description="Run seeds after migrations when the environment is created.")
    migrate: bool = Field(True, description="Apply pending migrations when the environment is created.")


class Profile(Strict):
    """An environment template."""

    name: str = ""
    description: str = ""
    extends: str | None = None
    runtime: Literal["local", "docker"] = "local"
    ttl: str | None = Field(None, description="Default time to live of environments (and branches) using it.")
    data: DataPolicy = Field(default_factory=DataPolicy)
    port_policy: Literal["auto", "stable", "fixed"] = Field(
        "auto",
        description="auto: keep the env's port, pick a new free one if taken; stable: keep it, fail if taken; "
        "fixed: use the ports written in stackyard.yaml.",
    )
    docker_network: Literal["bridge", "host"] | None = Field(
        None, description="Docker runtime: a network per env (bridge) or the host's network (host)."
    )
    memory: str | None = Field(None, description="Default memory limit per service (docker).")
    cpus: float | None = Field(None, description="Default CPU limit per service (docker).")
    postgres_settings: dict[str, Any] = Field(default_factory=dict, description="postgresql.conf overlay.")
    services: dict[str, ServiceOverride] = Field(default_factory=dict)
    wait_timeout: float = Field(60.0, gt=0, description="Default --timeout for up --wait.")

    @field_validator("ttl")
    @classmethod
    def _ttl(cls, v):
        if v is not None:
            parse_duration(v)
        return v

    @property
    def ttl_seconds(self) -> int | None:
        return parse_duration(self.ttl) if self.ttl else None

    def apply(self, config: ProjectConfig) -> dict[str, BaseService]:
        """The services this profile runs, with its overrides applied (copies)."""
        out: dict[str, BaseService] = {}
        for name, svc in config.services.items():
            upd: dict[str, Any] = {}
            if self.memory and svc.memory is None:
                upd["memory"] = self.memory
            if self.cpus and svc.cpus is None:
                upd["cpus"] = self.cpus
            kind = getattr(svc, "kind", "")
            if kind == "postgres" and self.postgres_settings:
                upd["settings"] = {**svc.settings, **self.postgres_settings}
            for key in (kind, name):
                ov = self.services.get(key)
                if ov is None:
                    continue
                for f in ("enabled", "memory", "cpus", "image"):
                    v = getattr(ov, f)
                    if v is not None:
                        upd[f] = v
                if ov.settings and hasattr(svc, "settings"):
                    upd["settings"] = {**upd.get("settings", getattr(svc, "settings")), **ov.settings}
            new = svc.model_copy(update=upd, deep=True)
            if new.enabled:
                out[name] = new
        return out


def builtin_dir() -> Path:
    return BUILTIN_PROFILES


def _sources(name: str, root: Path | None) -> list[Path]:
    found = []
    b = builtin_dir() / f"{name}.yaml"
    if b.is_file():
        found.append(b)
    if root is not None:
        p = root / "profiles" / f"{name}.yaml"
        if p.is_file():
            found.append(p)
    return found


def deep_merge(base: dict, over: dict, *, keep_none: bool = False) -> dict:
    """Mappings merge recursively; lists and scalars replace; None removes the key.

    ``keep_none`` keeps the None markers (merging layers of one profile before its parent).
    """
    out = copy.deepcopy(base)
    for k, v in over.items():
        if v is None and not keep_none:
            out.pop(k, None)
        elif isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = deep_merge(out[k], v, keep_none=keep_none)
        else:
            out[k] = copy.deepcopy(v)
    return out


def _raw(name: str, root: Path | None, env: dict[str, str] | None, chain: tuple[str, ...]) -> dict:
    if name in chain:
        raise ConfigError(f"profile {name!r} extends itself through {' -> '.join(chain + (name,))}",
                          hint="remove one of the extends: lines")
    files = _sources(name, root)
    if not files:
        raise NotFoundError(f"unknown profile {name!r}", hint=f"known profiles: {', '.join(list_profiles(root))}")
    merged: dict = {}
    for f in files:
        data, pos = load_yaml(f, env)
        if not isinstance(data, dict):
            raise ConfigError("a profile must be a mapping", path=str(f), line=1, col=1)
        validate(Profile, data, pos)  # each layer is checked on its own, with its own positions
        merged = deep_merge(merged, data, keep_none=True)
    parent = merged.get("extends")
    if parent:
        merged = deep_merge(_raw(parent, root, env, chain + (name,)), {k: v for k, v in merged.items() if k != "extends"})
    return merged


def load_profile(name: str, root: Path | None = None, env: dict[str, str] | None = None) -> Profile:
    """Resolve a profile: built-in, then the project's file over it, then ``extends`` chains."""
    data = _strip_none(_raw(name, root, env, ()))
    data["name"] = name
    data.pop("extends", None)
    return Profile.model_validate(data)


def _strip_none(d: dict) -> dict:
    return {k: _strip_none(v) if isinstance(v, dict) else v for k, v in d.items() if v is not None}


def list_profiles(root: Path | None = None) -> list[str]:
    names = {p.stem for p in builtin_dir().glob("*.yaml")}
    if root is not None and (root / "profiles").is_dir():
        names |= {p.stem for p in (root / "profiles").glob("*.yaml")}
    return sorted(names)
