"""Redis (cache): password-protected, memory only unless ``persist``; exports REDIS_URL."""

from __future__ import annotations

from urllib.parse import quote

from .kind import Kind, Plan, env_prefix


def _plan(svc, ports: dict[str, int], secret: str, listen: str, data_dir: str, **_) -> Plan:
    args = ["--port", str(ports["redis"]), "--bind", listen, "--requirepass", secret, "--dir", data_dir,
            "--protected-mode", "no", "--save", ""]
    if getattr(svc, "persist", False):
        args += ["--appendonly", "yes"]
    # redis-cli (the healthcheck) reads the password from REDISCLI_AUTH
    return Plan("redis-server", args, {"REDISCLI_AUTH": secret}, ["redis-server", *args])


def _exported(name: str, row, secret: str) -> dict[str, str]:
    url = f"redis://:{quote(secret, safe='')}@127.0.0.1:{row.port}/0"
    return {f"{env_prefix(name)}_URL": url, "REDIS_URL": url}


def _healthcheck(svc, ports: dict[str, int], secret: str) -> list[str]:
    return ["CMD-SHELL", f"redis-cli -h 127.0.0.1 -p {ports['redis']} ping | grep -q PONG"]


KIND = Kind(
    "redis", "redis:7", ("redis",), "/data", "redis", _plan, _exported, local_binary="redis-server",
    install_hint="apt-get install redis-server (Debian/Ubuntu) or brew install redis",
    healthcheck=_healthcheck,
)
