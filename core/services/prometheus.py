"""Prometheus (monitoring): scrapes itself, the stack's exporters and configured targets."""

from __future__ import annotations

from .kind import Kind, Plan, env_prefix

# where each kind exposes Prometheus metrics on its main port
METRICS_PATHS = {"minio": "/minio/v2/metrics/cluster", "prometheus": "/metrics"}


def config_text(svc, port: int, peers, bridge: bool = False) -> str:
    """prometheus.yml: one job per scraped service (on 127.0.0.1, or by name on a bridge network)."""
    jobs = [("prometheus", "/metrics", [f"127.0.0.1:{port}"])]
    for name, kind, pport in peers:
        if kind in METRICS_PATHS and kind != "prometheus" and pport:
            jobs.append((name, METRICS_PATHS[kind], [f"{name if bridge else '127.0.0.1'}:{pport}"]))
    if getattr(svc, "scrape", None):
        jobs.append(("extra", "/metrics", list(svc.scrape)))
    lines = ["global:", f"  scrape_interval: {getattr(svc, 'scrape_interval', '5s')}", "scrape_configs:"]
    for job, path, targets in jobs:
        lines += [f"  - job_name: {job}", f"    metrics_path: {path}", "    static_configs:",
                  f"      - targets: [{', '.join(repr(t) for t in targets)}]"]
    return "\n".join(lines) + "\n"


def _plan(svc, ports: dict[str, int], secret: str, listen: str, data_dir: str, files_dir: str = "/etc/stackyard",
          peers=(), **_) -> Plan:
    args = [f"--config.file={files_dir}/prometheus.yml", f"--web.listen-address={listen}:{ports['http']}",
            f"--storage.tsdb.path={data_dir}"]
    return Plan("prometheus", args, {}, args, {"prometheus.yml": config_text(svc, ports["http"], peers, listen != "127.0.0.1")})


def _exported(name: str, row, secret: str) -> dict[str, str]:
    url = f"http://127.0.0.1:{row.port}"
    return {f"{env_prefix(name)}_URL": url, "PROMETHEUS_URL": url}


KIND = Kind(
    "prometheus", "prom/prometheus:latest", ("http",), "/prometheus", "http:/-/ready", _plan, _exported,
    local_binary="prometheus", install_hint="apt-get install prometheus",
)
