"""Config models of the service kinds besides postgres: cache, queues, search, storage, monitoring,
mail and the user's own app. ``core.config.models`` puts ``EXTRA_KINDS`` in the ``kind`` union.

How each kind runs (image, command, ports, probe, exported env) lives in ``core.services.catalog``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from .base_models import BaseService, Strict


class ProbeConfig(Strict):
    """How stackyard checks the service answers (default: the kind's own probe)."""

    type: Literal["tcp", "http", "exec", "none"] = Field("tcp", description="tcp connect, http GET, exec a command.")
    path: str = Field("/", description="http: the path requested; any status below 500 is healthy.")
    command: list[str] = Field(default_factory=list, description="exec: command run in the service (exit 0 = healthy).")


class KindService(BaseService):
    """Fields every non-postgres kind has."""

    command: list[str] | str | None = Field(
        None, description="Replace the kind's command (a list of arguments, or one shell string)."
    )
    probe: ProbeConfig | None = Field(None, description="Override the kind's health probe.")
    restart: Literal["no", "on-failure", "unless-stopped", "always"] = Field(
        "unless-stopped", description="Docker restart policy."
    )


class RedisService(KindService):
    """Redis (cache). Exports REDIS_URL."""

    kind: Literal["redis"]
    persist: bool = Field(False, description="Append-only file on the data volume (default: memory only).")


class NatsService(KindService):
    """NATS (queue/streams). Exports NATS_URL."""

    kind: Literal["nats"]
    jetstream: bool = Field(True, description="Enable JetStream with its store on the data volume.")


class RabbitmqService(KindService):
    """RabbitMQ (queue). Exports AMQP_URL."""

    kind: Literal["rabbitmq"]
    user: str = Field("stackyard", description="Default user (its password is the env's secret).")
    vhost: str = Field("/", description="Default virtual host.")


class MeilisearchService(KindService):
    """Meilisearch (search). Exports MEILI_URL and MEILI_MASTER_KEY."""

    kind: Literal["meilisearch"]


class MinioService(KindService):
    """MinIO (S3-compatible object storage). Exports S3_ENDPOINT and keys."""

    kind: Literal["minio"]
    user: str = Field("stackyard", description="Root user / access key id (the secret key is the env's secret).")
    region: str = Field("us-east-1", description="Region reported to S3 clients.")
    console_port: int | None = Field(None, ge=1, le=65535, description="Web console port (default: a free port).")


class PrometheusService(KindService):
    """Prometheus (monitoring); scrapes itself, the stack's exporters and ``scrape`` targets."""

    kind: Literal["prometheus"]
    scrape_interval: str = Field("5s", description="Prometheus scrape_interval.")
    scrape: list[str] = Field(default_factory=list, description="Extra host:port targets to scrape (/metrics).")


class MailpitService(KindService):
    """Mailpit (email catcher). Exports SMTP_HOST/SMTP_PORT and MAILPIT_URL."""

    kind: Literal["mailpit"]
    smtp_port: int | None = Field(None, ge=1, le=65535, description="SMTP port (default: a free port).")


class AppService(KindService):
    """The project's own service: an image (docker) or a command (local and docker)."""

    kind: Literal["app"]
    workdir: str = Field(".", description="Working directory, relative to the project (local runtime).")
    watch: list[str] = Field(default_factory=list, description="Paths (relative to the project) whose changes restart the app.")
    mounts: dict[str, str] = Field(
        default_factory=dict, description="Docker bind mounts: project-relative host path -> container path."
    )
    port_env: str = Field("PORT", description="Variable that tells the app which port to listen on.")
    listens: bool = Field(True, description="The app serves on its port (false: a worker without a port).")

    @model_validator(mode="after")
    def _image_or_command(self):
        if not self.image and not self.command:
            raise ValueError("an app service needs `command:` (local and docker) or `image:` (docker)")
        return self


EXTRA_KINDS: tuple = (
    RedisService, NatsService, RabbitmqService, MeilisearchService, MinioService, PrometheusService,
    MailpitService, AppService,
)
