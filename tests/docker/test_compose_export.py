"""`export compose`: a compose.yaml equivalent to the env, accepted by a compose validator."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from core.api import Workspace
from core.runtime.compose import export_compose

from .conftest import REPO

CONFIG = """project: demo
services:
  db: {kind: postgres, memory: 512m, cpus: 1.5}
  cache: {kind: redis}
  search: {kind: meilisearch}
  files: {kind: minio}
  metrics: {kind: prometheus}
  mail: {kind: mailpit}
  queue: {kind: nats}
  web:
    kind: app
    image: example/web:dev
    command: "python -m http.server $PORT"
    depends_on: [db, cache]
    mounts: {"./src": /app/src}
"""

SPEC = Path("/usr/lib/python3/dist-packages/compose/config/compose_spec.json")  # Debian's docker-compose


def _export(root: Path) -> tuple[str, dict, str]:
    async def go():
        async with Workspace.open(root) as ws:
            text = export_compose(ws, "dev")
            return text, ws.read_secrets("dev")

    text, secrets = asyncio.run(go())
    return text, yaml.safe_load(text), (root / ".stackyard/envs/dev/compose.env").read_text()


@pytest.fixture
def project(tmp_path):
    root = tmp_path / "p"
    root.mkdir()
    (root / "stackyard.yaml").write_text(CONFIG)
    (root / "src").mkdir()
    return root


def test_structure_matches_the_environment(project):
    text, doc, env_file = _export(project)
    svcs = doc["services"]
    assert set(svcs) == {"db", "cache", "search", "files", "metrics", "mail", "queue", "web"}
    assert svcs["db"]["image"] == "postgres:18"
    assert svcs["db"]["deploy"]["resources"]["limits"] == {"memory": "512m", "cpus": "1.5"}
    assert svcs["db"]["healthcheck"]["test"][:2] == ["CMD", "pg_isready"]
    assert svcs["web"]["depends_on"] == {"db": {"condition": "service_healthy"},
                                         "cache": {"condition": "service_healthy"}}
    assert svcs["web"]["init"] is True and svcs["db"]["stop_signal"] == "SIGINT"
    for name, s in svcs.items():
        assert all(p.startswith("127.0.0.1:") for p in s.get("ports", [])), name
        assert s["labels"]["dev.stackyard.env"] == "dev" and s["labels"]["dev.stackyard.service"] == name
        assert s["networks"] == ["stack"]
    assert "db-data:/var/lib/postgresql/data" in svcs["db"]["volumes"]
    assert set(doc["volumes"]) >= {"db-data", "cache-data", "files-data"}
    # services reach each other by name on the env network
    assert svcs["web"]["environment"]["DATABASE_URL"].split("@")[1].startswith("db:")
    assert any(v.endswith(":/etc/stackyard:ro") for v in svcs["metrics"]["volumes"])
    # no secret in compose.yaml: they are interpolated from the 0600 env file
    assert "${SY_DB_SECRET}" in text and "SY_DB_SECRET=" in env_file
    secret = env_file.split("SY_DB_SECRET=")[1].splitlines()[0]
    assert secret and secret not in text
    assert oct((project / ".stackyard/envs/dev/compose.env").stat().st_mode & 0o777) == "0o600"
    # a literal $ in a command is escaped for compose
    assert "$$PORT" in text


@pytest.mark.skipif(not shutil.which("docker-compose") and not SPEC.exists(),
                    reason="neither docker-compose nor the compose-spec schema is installed (.ci/docker.sh installs them)")
def test_accepted_by_compose_validator(project):
    text, doc, _ = _export(project)
    (project / "compose.yaml").write_text(text)
    if shutil.which("docker-compose"):
        proc = subprocess.run(["docker-compose", "-f", "compose.yaml", "--env-file", ".stackyard/envs/dev/compose.env",
                               "config", "-q"], cwd=project, capture_output=True, text=True, timeout=60)
        assert proc.returncode == 0, proc.stderr
    else:
        jsonschema = pytest.importorskip("jsonschema")
        jsonschema.validate(doc, json.loads(SPEC.read_text()))


def test_validator_rejects_a_broken_file(project):
    """The validation is real: a wrong key is refused."""
    if not shutil.which("docker-compose"):
        pytest.skip("docker-compose is not installed (.ci/docker.sh installs it)")
    text, doc, _ = _export(project)
    doc["services"]["db"]["healthcheck"]["retries"] = "many"
    (project / "compose.yaml").write_text(yaml.safe_dump(doc))
    proc = subprocess.run(["docker-compose", "-f", "compose.yaml", "--env-file", ".stackyard/envs/dev/compose.env",
                           "config", "-q"], cwd=project, capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0 and "retries" in proc.stderr


def test_cli_writes_compose_file(project):
    proc = subprocess.run([sys.executable, "-m", "core.cli", "-C", str(project), "--json", "export", "compose"],
                          capture_output=True, text=True, cwd=REPO, timeout=120)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert Path(out["path"]).read_text().startswith("# written by `stackyard export compose dev`")
    assert out["env_file"] == ".stackyard/envs/dev/compose.env"


def test_prometheus_scrapes_the_stacks_exporters(project):
    _text, doc, _ = _export(project)
    conf = (project / ".stackyard/envs/dev/docker-files/metrics/prometheus.yml").read_text()
    files_port = doc["services"]["files"]["ports"][0].split(":")[-1]
    assert "job_name: files" in conf and f"files:{files_port}" in conf  # by name on the env network
    assert "/minio/v2/metrics/cluster" in conf
