"""``stackyard export compose``: a compose.yaml equivalent to an environment.

Services get the same images, commands, ports (published on 127.0.0.1 only), named volumes,
healthchecks, limits and labels as under the docker runtime, on one network per env, with
``depends_on: condition: service_healthy``. Secrets are not written into compose.yaml: they are
interpolated (``${SY_DB_SECRET}``) from an env file written beside the env's state (mode 0600).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import yaml

from ..services.postgres import password_key
from ..state import EnvRow, ServiceRow
from . import docker_client as dc
from .docker_spec import FILES_DIR, ContainerSpec


def secret_var(service: str) -> str:
    return f"SY_{service.upper().replace('-', '_')}_SECRET"


def _duration(seconds: float) -> str:
    ms = int(round(seconds * 1000))
    return f"{ms // 1000}s" if ms % 1000 == 0 else f"{ms}ms"


def _hide(value, secrets: dict[str, str]):
    """Replace secrets by ${VAR} and escape every other '$' (compose interpolates them)."""
    if isinstance(value, list):
        return [_hide(v, secrets) for v in value]
    if isinstance(value, dict):
        return {k: _hide(v, secrets) for k, v in value.items()}
    if not isinstance(value, str):
        return value
    out = value.replace("$", "$$")
    for secret, var in secrets.items():
        if secret:
            out = out.replace(secret, "${" + var + "}")
    return out


def _service_doc(spec: ContainerSpec, ws, env: str, volume: str | None, labels: dict, services: dict) -> dict:
    doc: dict = {"image": spec.image}
    if spec.command:
        doc["command"] = spec.command
    if spec.env:
        doc["environment"] = dict(spec.env)
    if spec.kind == "app" and (ws.env_dir(env) / ".env").exists():  # `environment:` wins over it
        doc["env_file"] = [os.path.relpath(ws.env_dir(env) / ".env", ws.root)]
    if spec.ports:
        doc["ports"] = [f"127.0.0.1:{p}:{p}" for p in spec.ports.values()]
    vols = []
    if volume and spec.data_path:
        vols.append(f"{volume}:{spec.data_path}")
    if spec.files:
        fdir = ws.env_dir(env) / "docker-files" / spec.service
        vols.append(f"./{os.path.relpath(fdir, ws.root)}:{FILES_DIR}:ro")
    for host, target in spec.binds.items():
        vols.append(f"{host}:{target}")
    if vols:
        doc["volumes"] = vols
    if spec.healthcheck:
        doc["healthcheck"] = {"test": spec.healthcheck, "interval": _duration(spec.interval),
                              "timeout": _duration(spec.timeout), "retries": 3,
                              "start_period": _duration(spec.timeout * 6)}
    doc["restart"] = spec.restart
    if spec.stop_signal:
        doc["stop_signal"] = spec.stop_signal
    if spec.kind == "app":
        doc["init"] = True
    doc["labels"] = {**labels, dc.L_SERVICE: spec.service, dc.L_KIND: spec.kind}
    limits = {}
    if spec.memory:
        limits["memory"] = spec.memory
    if spec.cpus:
        limits["cpus"] = str(spec.cpus)
    if limits:
        doc["deploy"] = {"resources": {"limits": limits}}
    deps = {d: {"condition": "service_healthy" if services[d].healthcheck else "service_started"}
            for d in spec.depends_on if d in services}
    if deps:
        doc["depends_on"] = deps
    doc["networks"] = ["stack"]
    return doc


def export_compose(ws, env: str) -> str:
    """The compose.yaml text for ``env`` (its ports if it exists, else new free ones). Also writes the
    env's secret file (.stackyard/envs/ENV/compose.env) and generated config files it mounts."""
    from ..services.appenv import env_from_rows
    from ..services.portalloc import choose_ports
    from .docker import _ports_of, build_data_path
    from .docker_spec import build_spec

    row = ws.state.get_env(env) or EnvRow(env, ws.resolve_profile_name(env, None), "docker", "export",
                                          time.time(), None, "main", {})
    ctx = ws.context(row)
    services = ctx.profile.apply(ws.config)
    rows = {s.name: s for s in ws.state.services(env)}
    labels = {dc.L_PROJECT: ws.config.project, dc.L_ENV: env, dc.L_PROFILE: row.profile}
    specs: dict[str, ContainerSpec] = {}
    planned: dict[str, ServiceRow] = {}
    for name, svc in services.items():
        names, fixed = _ports_of(svc)
        prev = (rows[name].info.get("ports") if name in rows else None) or {}
        if name in rows and not prev and rows[name].port and names:
            prev = {names[0]: rows[name].port}
        ports = choose_ports(names, fixed, prev, ctx.profile.port_policy)
        info = {"ports": ports, **{k: getattr(svc, k) for k in ("user", "database", "vhost", "region") if hasattr(svc, k)}}
        planned[name] = ServiceRow(env, name, svc.kind, "docker", ports[names[0]] if names else None, None, None, info)
    # inside the compose network services reach each other by name, on the same port numbers
    app_env = env_from_rows(list(planned.values()), ctx.secrets)
    for r in planned.values():
        if r.port:
            app_env = {k: v.replace(f"127.0.0.1:{r.port}", f"{r.name}:{r.port}") for k, v in app_env.items()}
    peers = [(r.name, r.kind, int(r.port or 0)) for r in planned.values()]
    for name, svc in services.items():
        specs[name] = build_spec(ctx, name, svc, planned[name].info["ports"], "0.0.0.0", ws.root.resolve(),
                                 [p for p in peers if p[0] != name], app_env)
    secrets = {ctx.secrets.get(password_key(n), ""): secret_var(n) for n in services}
    docs = {}
    volumes = {}
    for name, spec in specs.items():
        vol = f"{name}-data" if build_data_path(services[name]) else None
        if vol:
            volumes[vol] = {"labels": {**labels, dc.L_SERVICE: name}}
        docs[name] = _hide(_service_doc(spec, ws, env, vol, labels, specs), secrets)
        if spec.files:
            fdir = ws.env_dir(env) / "docker-files" / name
            fdir.mkdir(parents=True, exist_ok=True)
            for fname, content in spec.files.items():
                (fdir / fname).write_text(content)
    _write_secret_file(ws.env_dir(env) / "compose.env", {v: s for s, v in secrets.items()})
    # no top-level `name:` (compose v1 rejects it): the project name is given with -p
    doc = {"services": docs, "networks": {"stack": {"labels": labels}}}
    if volumes:
        doc["volumes"] = volumes
    project = f"{ws.config.project}-{env}".lower().replace(".", "-")
    head = (f"# written by `stackyard export compose {env}`; secrets come from the env file:\n"
            f"#   docker compose -p {project} --env-file {os.path.relpath(ws.env_dir(env) / 'compose.env', ws.root)} up --wait\n")
    return head + yaml.safe_dump(doc, sort_keys=False, default_flow_style=False, width=120)


def _write_secret_file(path: Path, values: dict[str, str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write("".join(f"{k}={v}\n" for k, v in values.items()))
