"""RabbitMQ (queue): exports AMQP_URL. Docker only unless rabbitmq-server is installed."""

from __future__ import annotations

from urllib.parse import quote

from .kind import Kind, Plan, env_prefix


def _plan(svc, ports: dict[str, int], secret: str, listen: str, data_dir: str, **_) -> Plan:
    env = {
        "RABBITMQ_NODE_IP_ADDRESS": listen, "RABBITMQ_NODE_PORT": str(ports["amqp"]),
        "RABBITMQ_DEFAULT_USER": svc.user, "RABBITMQ_DEFAULT_PASS": secret,
        "RABBITMQ_DEFAULT_VHOST": svc.vhost, "RABBITMQ_MNESIA_BASE": data_dir,
        # the node's distribution port must not collide between envs sharing the host network
        "RABBITMQ_DIST_PORT": str(ports["dist"]), "RABBITMQ_NODENAME": f"rabbit{ports['amqp']}@localhost",
    }
    return Plan("rabbitmq-server", [], env, None)


def _exported(name: str, row, secret: str) -> dict[str, str]:
    user = row.info.get("user", "stackyard")
    vhost = quote(row.info.get("vhost", "/"), safe="")
    url = f"amqp://{quote(user)}:{quote(secret, safe='')}@127.0.0.1:{row.port}/{vhost}"
    return {f"{env_prefix(name)}_URL": url, "AMQP_URL": url}


def _healthcheck(svc, ports, secret):
    return ["CMD", "rabbitmq-diagnostics", "-q", "check_port_connectivity"]


KIND = Kind(
    "rabbitmq", "rabbitmq:3", ("amqp", "dist"), "/var/lib/rabbitmq", "tcp", _plan, _exported,
    local_binary="rabbitmq-server", install_hint="apt-get install rabbitmq-server",
    healthcheck=_healthcheck,
)
