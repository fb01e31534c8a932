"""Mailpit (email catcher): exports SMTP_HOST, SMTP_PORT and MAILPIT_URL."""

from __future__ import annotations

from .kind import Kind, Plan, env_prefix


def _plan(svc, ports: dict[str, int], secret: str, listen: str, data_dir: str, **_) -> Plan:
    env = {"MP_UI_BIND_ADDR": f"{listen}:{ports['http']}", "MP_SMTP_BIND_ADDR": f"{listen}:{ports['smtp']}",
           "MP_DATABASE": f"{data_dir}/mailpit.db", "MP_SMTP_AUTH_ACCEPT_ANY": "true",
           "MP_SMTP_AUTH_ALLOW_INSECURE": "true"}
    return Plan("mailpit", [], env, None)


def _exported(name: str, row, secret: str) -> dict[str, str]:
    smtp = (row.info.get("ports") or {}).get("smtp")
    return {f"{env_prefix(name)}_URL": f"http://127.0.0.1:{row.port}", "MAILPIT_URL": f"http://127.0.0.1:{row.port}",
            "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(smtp or "")}


KIND = Kind(
    "mailpit", "axllent/mailpit:latest", ("http", "smtp"), "/data", "http:/livez", _plan, _exported,
    local_binary="mailpit", install_hint="download the mailpit binary onto PATH",
)
