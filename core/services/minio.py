"""MinIO (S3-compatible storage): exports S3_ENDPOINT, keys and region (also as AWS_*)."""

from __future__ import annotations

from .kind import Kind, Plan, env_prefix


def _plan(svc, ports: dict[str, int], secret: str, listen: str, data_dir: str, **_) -> Plan:
    args = ["server", data_dir, "--address", f"{listen}:{ports['api']}",
            "--console-address", f"{listen}:{ports['console']}"]
    env = {"MINIO_ROOT_USER": svc.user, "MINIO_ROOT_PASSWORD": secret, "MINIO_REGION": svc.region,
           "MINIO_PROMETHEUS_AUTH_TYPE": "public"}
    return Plan("minio", args, env, args)


def _exported(name: str, row, secret: str) -> dict[str, str]:
    url = f"http://127.0.0.1:{row.port}"
    user, region = row.info.get("user", "stackyard"), row.info.get("region", "us-east-1")
    return {f"{env_prefix(name)}_URL": url, "S3_ENDPOINT": url, "S3_ACCESS_KEY_ID": user,
            "S3_SECRET_ACCESS_KEY": secret, "S3_REGION": region, "AWS_ACCESS_KEY_ID": user,
            "AWS_SECRET_ACCESS_KEY": secret, "AWS_REGION": region, "AWS_ENDPOINT_URL_S3": url}


KIND = Kind(
    "minio", "minio/minio:latest", ("api", "console"), "/data", "http:/minio/health/live", _plan, _exported,
    local_binary="minio", install_hint="download the minio server binary onto PATH",
)
