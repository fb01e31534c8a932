"""Meilisearch (search): exports MEILI_URL and MEILI_MASTER_KEY."""

from __future__ import annotations

from .kind import Kind, Plan, env_prefix


def _plan(svc, ports: dict[str, int], secret: str, listen: str, data_dir: str, **_) -> Plan:
    env = {"MEILI_HTTP_ADDR": f"{listen}:{ports['http']}", "MEILI_MASTER_KEY": secret,
           "MEILI_DB_PATH": f"{data_dir}/data.ms", "MEILI_NO_ANALYTICS": "true", "MEILI_ENV": "development"}
    return Plan("meilisearch", [], env, None)


def _exported(name: str, row, secret: str) -> dict[str, str]:
    url = f"http://127.0.0.1:{row.port}"
    return {f"{env_prefix(name)}_URL": url, "MEILI_URL": url, "MEILI_MASTER_KEY": secret}


KIND = Kind(
    "meilisearch", "getmeili/meilisearch:v1.11", ("http",), "/meili_data", "http:/health", _plan, _exported,
    local_binary="meilisearch", install_hint="download the meilisearch binary onto PATH",
)
