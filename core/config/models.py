"""The models behind stackyard.yaml and profiles: the single source of validation, docs and JSON Schema."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal, Union

from pydantic import Field, field_validator

from .base_models import BaseService, HealthcheckConfig, Strict  # noqa: F401  (re-exported)

from ..names import NAME_RE

_DURATION_RE = re.compile(r"^(\d+)\s*(s|m|h|d|w)$")
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(text: str) -> int:
    """'90s', '10m', '2h', '3d', '1w' -> seconds."""
    m = _DURATION_RE.fullmatch(str(text).strip())
    if not m:
        raise ValueError(f"invalid duration {text!r}: use a number and a unit s, m, h, d or w (e.g. 3d)")
    return int(m.group(1)) * _SECONDS[m.group(2)]


class PostgresService(BaseService):
    """A PostgreSQL server. Its main database is branch `main`."""

    kind: Literal["postgres"]
    version: int = Field(18, ge=13, description="PostgreSQL major version (the embedded runtime ships 18).")
    database: str = Field("app", description="The main database (branch `main`).")
    databases: list[str] = Field(default_factory=list, description="Extra databases created on first up.")
    extensions: list[str] = Field(default_factory=list, description="Extensions created in the main database.")
    settings: dict[str, Any] = Field(default_factory=dict, description="postgresql.conf settings.")
    bin_dir: str | None = Field(None, description="Directory with postgres/initdb/pg_ctl (default: provider chain).")
    user: str = Field("postgres", description="Superuser name.")

    @field_validator("database")
    @classmethod
    def _db_name(cls, v: str) -> str:
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]{0,62}", v):
            raise ValueError("database names: letters, digits, '_' or '-', at most 63 characters")
        return v


try:  # further service kinds (redis, nats, app, ...) live in the services catalogue
    from .service_kinds import EXTRA_KINDS
except ImportError:
    EXTRA_KINDS = ()

ServiceConfig = Annotated[Union[(PostgresService, *EXTRA_KINDS)], Field(discriminator="kind")]


class MigrationsConfig(Strict):
    dir: str = Field("supabase/migrations", description="Folder of <version>_<name>.sql files.")
    lock_timeout: str | None = Field(None, description="SET lock_timeout for each migration, e.g. '5s'.")
    statement_timeout: str | None = Field(None, description="SET statement_timeout for each migration.")


class SeedsConfig(Strict):
    paths: list[str] = Field(default_factory=lambda: ["supabase/seed.sql", "seeds/*.sql"],
                             description="SQL seed files or globs, run after migrations on a new env and db reset.")
    generate: list[str] = Field(default_factory=list, description="Synthetic data specs run after SQL seeds.")


class EnvironmentConfig(Strict):
    profile: str = Field("dev", description="Profile this environment uses.")
    ttl: str | None = Field(None, description="Time to live, e.g. 2d; gc removes it after.")
    runtime: Literal["local", "docker"] | None = Field(None, description="Override the profile's runtime.")

    @field_validator("ttl")
    @classmethod
    def _ttl(cls, v):
        if v is not None:
            parse_duration(v)
        return v


class StorageBucket(Strict):
    name: str
    public: bool = False
    file_size_limit: str | int | None = None
    allowed_mime_types: list[str] = Field(default_factory=list)


class ProjectConfig(Strict):
    """stackyard.yaml: one project, its services and environments."""

    project: str = Field(..., description="Project name (labels, default names).")
    services: dict[str, ServiceConfig] = Field(
        default_factory=dict, description="Services by name. At least one postgres service is usual."
    )
    migrations: MigrationsConfig = Field(default_factory=MigrationsConfig)
    seeds: SeedsConfig = Field(default_factory=SeedsConfig)
    environments: dict[str, EnvironmentConfig] = Field(default_factory=dict, description="Named environments.")
    supabase: bool = Field(False, description="Bootstrap a Supabase-compatible database (auth, storage, roles).")
    storage_buckets: list[StorageBucket] = Field(default_factory=list, description="Supabase storage buckets.")

    @field_validator("project")
    @classmethod
    def _project(cls, v: str) -> str:
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,62}", v):
            raise ValueError("project names: letters, digits, '_', '.' or '-', at most 63 characters")
        return v

    @field_validator("services")
    @classmethod
    def _service_names(cls, v: dict) -> dict:
        for name in v:
            if not NAME_RE.fullmatch(name):
                raise ValueError(f"service name {name!r} must match ^[a-z][a-z0-9_-]{{0,40}}$")
        return v

    @field_validator("environments")
    @classmethod
    def _env_names(cls, v: dict) -> dict:
        for name in v:
            if not NAME_RE.fullmatch(name):
                raise ValueError(f"environment name {name!r} must match ^[a-z][a-z0-9_-]{{0,40}}$")
        return v

    def postgres(self) -> tuple[str, PostgresService] | None:
        """The project's primary postgres service (the first one)."""
        for name, svc in self.services.items():
            if isinstance(svc, PostgresService):
                return name, svc
        return None


def default_config(project: str) -> ProjectConfig:
    return ProjectConfig(project=project, services={"db": PostgresService(kind="postgres")})
