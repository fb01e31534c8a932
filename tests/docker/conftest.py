"""Docker fixtures: a real dockerd (started by .ci/docker.sh when needed), test images built with
``docker import`` once per session, host networking, no pulls, and a leak check per test."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import textwrap
from pathlib import Path

import pytest

from tests.images import builder

REPO = Path(__file__).resolve().parents[2]


def _client():
    try:
        import docker

        c = docker.from_env(timeout=30)
        c.ping()
        return c
    except Exception:
        return None


@pytest.fixture(scope="session")
def docker_client():
    """A client of a running dockerd; starts one with .ci/docker.sh (as root) or skips saying why."""
    if os.environ.get("DOCKER_HOST", "").startswith("unix:///nonexistent"):
        pytest.skip("DOCKER_HOST points at a dead socket")
    c = _client()
    if c is None and os.geteuid() == 0:
        proc = subprocess.run(["bash", str(REPO / ".ci" / "docker.sh")], capture_output=True, text=True, timeout=600)
        c = _client()
        if c is None:
            pytest.skip(f"dockerd could not be started: {(proc.stderr or proc.stdout).strip()[-300:]}")
    if c is None:
        pytest.skip("no Docker daemon answers and we are not root to start one (.ci/docker.sh)")
    yield c
    c.close()


@pytest.fixture(scope="session")
def images(docker_client) -> dict[str, str]:
    """Image references built from local files (cached by content hash across sessions)."""
    if not shutil.which("redis-server") and os.geteuid() == 0:
        subprocess.run(["bash", str(REPO / ".ci" / "docker.sh")], capture_output=True, timeout=600)
    for path in ("/usr/bin/redis-server", "/usr/bin/python3.11", "/usr/lib/python3.11"):
        if not os.path.exists(path):
            pytest.skip(f"{path} is missing: the test images are built from it (.ci/docker.sh installs redis-server)")
    return {"postgres": builder.build_postgres(docker_client), "redis": builder.build_redis(docker_client),
            "app": builder.build_app(docker_client)}


@pytest.fixture
def docker_env(monkeypatch, docker_client):
    """Tests use host networking and never pull from a registry."""
    monkeypatch.setenv("STACKYARD_DOCKER_NETWORK", "host")
    monkeypatch.setenv("STACKYARD_DOCKER_PULL", "never")
    monkeypatch.delenv("STACKYARD_ENV", raising=False)


def labelled(client, root: Path) -> list[str]:
    """Every stackyard-labelled container, volume and network of the project at ``root``."""
    f = {"label": [f"dev.stackyard.root={root.resolve()}"]}
    return ([f"container {c.name}" for c in client.containers.list(all=True, filters=f)]
            + [f"volume {v.name}" for v in client.volumes.list(filters=f)]
            + [f"network {n.name}" for n in client.networks.list(filters=f)])


def force_clean(client, root: Path) -> None:
    f = {"label": [f"dev.stackyard.root={root.resolve()}"]}
    for c in client.containers.list(all=True, filters=f):
        c.remove(force=True, v=True)
    for v in client.volumes.list(filters=f):
        v.remove(force=True)
    for n in client.networks.list(filters=f):
        n.remove()


@pytest.fixture
def project_dir():
    """A scratch folder outside /tmp/pytest-of-root: pytest resets that folder to mode 0700 when any
    other pytest run starts, which locks out the local Postgres server's own OS user."""
    d = Path(tempfile.mkdtemp(prefix="sy-test-"))
    d.chmod(0o755)
    yield d
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def make_project(project_dir, images, docker_env, docker_client):
    """Write a project using the test images; after the test, fail if anything labelled is left."""
    roots: list[Path] = []
    tmp_path = project_dir

    def make(services_yaml: str, *, runtime: str = "docker", name: str = "proj", extra: str = "") -> Path:
        root = tmp_path / name
        root.mkdir()
        text = f"project: demo\nservices:\n{textwrap.indent(textwrap.dedent(services_yaml).strip(), '  ')}\n"
        text += f"environments:\n  dev: {{runtime: {runtime}}}\n" + textwrap.dedent(extra)
        for k, v in images.items():
            text = text.replace("{" + k + "}", v)
        (root / "stackyard.yaml").write_text(text)
        roots.append(root)
        return root

    yield make
    leaks = []
    for root in roots:
        left = labelled(docker_client, root)
        if left:
            leaks.append(f"{root}: {left}")
            force_clean(docker_client, root)
        for d in (root / ".stackyard" / "envs").glob("*/postgres/*/data") if (root / ".stackyard").exists() else []:
            from core.pg import cluster

            cluster.kill_orphans(d)
    assert not leaks, f"labelled docker resources left behind: {leaks}"


PG_REDIS = """
db: {kind: postgres, image: "{postgres}"}
cache: {kind: redis, image: "{redis}"}
"""
