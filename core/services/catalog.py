"""The catalogue of service kinds besides postgres, and what the rest of the core asks of them:
exported env vars (``.env``), health probes, and local-runtime drivers.
"""

from __future__ import annotations

from ..errors import UsageError
from ..health import ProbeResult, probe_tcp
from ..state import ServiceRow
from . import app, mailpit, meilisearch, minio, nats, prometheus, rabbitmq, redis
from .kind import Kind, Plan, split_command
from .postgres import password_key
from .probes import probe_exec, probe_http, probe_nats, probe_redis

KINDS: dict[str, Kind] = {
    k.name: k for k in (redis.KIND, nats.KIND, rabbitmq.KIND, meilisearch.KIND, minio.KIND,
                        prometheus.KIND, mailpit.KIND, app.KIND)
}


def get_kind(name: str) -> Kind:
    """The definition of a (non-postgres) kind."""
    try:
        return KINDS[name]
    except KeyError:
        raise UsageError(f"unknown service kind {name!r}", hint=f"kinds: postgres, {', '.join(KINDS)}") from None


def port_names(svc) -> tuple[str, ...]:
    """Names of the ports a configured service needs (the first is its main port)."""
    if svc.kind == "app":
        return app.ports_of(svc)
    return get_kind(svc.kind).ports


def fixed_ports(svc) -> dict[str, int]:
    """Ports written in stackyard.yaml for this service, by port name."""
    names = port_names(svc)
    out: dict[str, int] = {}
    if names and svc.port:
        out[names[0]] = svc.port
    for attr, pname in (("console_port", "console"), ("smtp_port", "smtp")):
        if getattr(svc, attr, None) and pname in names:
            out[pname] = getattr(svc, attr)
    return out


def secret_of(row_or_name, secrets: dict[str, str]) -> str:
    name = row_or_name if isinstance(row_or_name, str) else row_or_name.name
    return secrets.get(password_key(name), "")


def build_plan(svc, ports: dict[str, int], secret: str, *, listen: str, data_dir: str, files_dir: str,
               peers=()) -> Plan:
    """How to run ``svc`` with these ports (same plan for docker, compose and local)."""
    plan = get_kind(svc.kind).plan(svc, ports, secret, listen, data_dir, files_dir=files_dir, peers=peers)
    env = {**plan.env, **svc.env}
    command = plan.docker_command
    if svc.command is not None and svc.kind != "app":  # a configured command replaces the kind's
        command = split_command(svc.command)
    return Plan(plan.binary, plan.args, env, command, plan.files)


def exported_env(row: ServiceRow, secrets: dict[str, str]) -> dict[str, str]:
    """Variables a service contributes to the env's .env (REDIS_URL, NATS_URL, S3_ENDPOINT, ...)."""
    kind = KINDS.get(row.kind)
    if kind is None or not row.port:
        return {}
    return kind.exported(row.name, row, secret_of(row, secrets))


def probe_spec(row: ServiceRow, svc=None) -> tuple[str, dict]:
    """The probe of a service: (type, options). A configured ``probe:`` wins over the kind's."""
    cfg = getattr(svc, "probe", None) if svc is not None else None
    if cfg is not None:
        return cfg.type, {"path": cfg.path, "command": list(cfg.command)}
    kind = KINDS.get(row.kind)
    if kind is None:
        return "tcp", {}
    if row.kind == "app" and not row.port:
        return "none", {}
    if kind.probe.startswith("http:"):
        return "http", {"path": kind.probe[5:]}
    return kind.probe, {}


async def probe_row(row: ServiceRow, svc, secret: str, timeout: float = 5.0) -> ProbeResult | None:
    """Probe by protocol (tcp, http, redis, nats); None for probes that need the runtime (exec, none)."""
    ptype, opts = probe_spec(row, svc)
    if ptype in ("none", "exec"):
        return None
    port = int(row.port or 0)
    if not port:
        return ProbeResult(row.name, ptype, False, None, "no port assigned yet")
    if ptype == "http":
        return await probe_http(row.name, port, opts.get("path") or "/", timeout)
    if ptype == "redis":
        return await probe_redis(row.name, port, secret, timeout)
    if ptype == "nats":
        return await probe_nats(row.name, port, timeout)
    return await probe_tcp(row.name, "127.0.0.1", port, timeout)


async def probe(ws, env: str, row: ServiceRow, timeout: float = 5.0) -> ProbeResult:
    """Check one service answers, with its kind's protocol (or the configured probe)."""
    svc = ws.config.services.get(row.name)
    result = await probe_row(row, svc, secret_of(row, ws.read_secrets(env)), timeout)
    if result is not None:
        rt = ws.runtime(row.runtime)
        if result.ok and hasattr(rt, "container_health"):  # the image's own HEALTHCHECK must agree
            status, output = await rt.container_health(ws.context(ws.require_env(env)), row)
            if status:
                result.details["docker_health"] = status
            if status == "unhealthy":
                result.ok, result.latency_ms = False, None
                result.error = f"docker HEALTHCHECK fails: {output or 'no output'}"
        return result
    ptype, opts = probe_spec(row, svc)
    rt = ws.runtime(row.runtime)
    ctx = ws.context(ws.require_env(env))
    if ptype == "exec":
        if hasattr(rt, "exec_probe"):  # docker: inside the service's container
            return await rt.exec_probe(ctx, row, opts["command"], timeout)
        return await probe_exec(row.name, opts["command"], timeout)
    st = await rt.status(ctx, row)
    ok = st.state.value == "running"
    return ProbeResult(row.name, "process", ok, 0.0 if ok else None, None if ok else f"{row.name} is {st.state.value}")


def local_drivers() -> dict:
    """Local-runtime drivers: every kind runs as a process when its binary is found."""
    from .process import LocalProcess

    return {name: LocalProcess(kind) for name, kind in KINDS.items()}
