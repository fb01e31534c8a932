"""Shared model bases: strict models (unknown keys are errors) and what every service has."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class HealthcheckConfig(Strict):
    """How stackyard decides a service is healthy."""

    interval: float = Field(1.0, description="Seconds between probes while waiting.")
    timeout: float = Field(5.0, description="Seconds before one probe is considered failed.")


class BaseService(Strict):
    enabled: bool = Field(True, description="Start this service (profiles can switch it off).")
    image: str | None = Field(None, description="Container image for the docker runtime.")
    port: int | None = Field(None, ge=1, le=65535, description="Fixed host port (port_policy fixed); default: a free port.")
    env: dict[str, str] = Field(default_factory=dict, description="Extra environment variables.")
    memory: str | None = Field(None, description="Memory limit, e.g. 512m or 2g (docker runtime).")
    cpus: float | None = Field(None, gt=0, description="CPU limit (docker runtime).")
    depends_on: list[str] = Field(default_factory=list, description="Services started before this one.")
    healthcheck: HealthcheckConfig = Field(default_factory=HealthcheckConfig)


