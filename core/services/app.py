"""The project's own service (kind ``app``): a command and/or an image, with a port in $PORT."""

from __future__ import annotations

from .kind import Kind, Plan, env_prefix, split_command


def _plan(svc, ports: dict[str, int], secret: str, listen: str, data_dir: str, **_) -> Plan:
    cmd = split_command(svc.command)
    env = {}
    if ports.get("http"):
        env[svc.port_env] = str(ports["http"])
        env["HOST"] = listen
    binary, args = (cmd[0], cmd[1:]) if cmd else (None, [])
    return Plan(binary, args, env, cmd)


def _exported(name: str, row, secret: str) -> dict[str, str]:
    if not row.port:
        return {}
    return {f"{env_prefix(name)}_URL": f"http://127.0.0.1:{row.port}"}


def ports_of(svc) -> tuple[str, ...]:
    return ("http",) if getattr(svc, "listens", True) else ()


KIND = Kind(
    "app", "", ("http",), None, "tcp", _plan, _exported, local_binary=None,
    install_hint="give the app a `command:` to run it locally, or an `image:` for docker",
)
