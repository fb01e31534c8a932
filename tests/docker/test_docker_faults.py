"""Faults under the docker runtime: no daemon, missing image, port taken, a container that dies,
kill -9 during up, a container removed behind our back, gc --dry-run."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest

from core.api import Workspace
from core.errors import ConflictError, NotFoundError, StackyardError, UnreachableError

from .conftest import REPO, labelled

DEAD_SOCKET = "unix:///tmp/stackyard-no-such-docker.sock"


def _run(coro):
    return asyncio.run(coro)


def _dead_project(tmp_path: Path) -> Path:
    root = tmp_path / "dead"
    root.mkdir()
    (root / "stackyard.yaml").write_text("project: demo\nservices:\n  cache: {kind: redis}\n")
    return root


def test_daemon_not_running_is_exit_3_and_changes_nothing(tmp_path, monkeypatch):
    root = _dead_project(tmp_path)
    monkeypatch.setenv("DOCKER_HOST", DEAD_SOCKET)

    async def go():
        async with Workspace.open(root) as ws:
            with pytest.raises(UnreachableError) as ei:
                await ws.up("dev", runtime="docker")
            assert ws.state.get_env("dev") is None
            return ei.value

    err = _run(go())
    assert int(err.exit_code) == 3
    assert "stackyard-no-such-docker.sock" in err.message and "not reachable" in err.message
    assert "--runtime local" in err.hint


def test_daemon_not_running_cli_message(tmp_path):
    root = _dead_project(tmp_path)
    env = dict(os.environ, DOCKER_HOST=DEAD_SOCKET, STACKYARD_NO_TUI="1")
    proc = subprocess.run([sys.executable, "-m", "core.cli", "-C", str(root), "up", "--runtime", "docker"],
                          capture_output=True, text=True, env=env, cwd=REPO, timeout=120)
    assert proc.returncode == 3, proc.stderr
    assert "Docker daemon" in proc.stderr and "hint:" in proc.stderr
    assert proc.stdout.strip() == ""


@pytest.mark.docker
def test_missing_image_names_it_and_rolls_back(make_project, docker_client):
    root = make_project('cache: {kind: redis, image: "stackyard-test/not-here:1"}')

    async def go():
        async with Workspace.open(root) as ws:
            with pytest.raises(NotFoundError) as ei:
                await ws.up("dev")
            assert ws.state.get_env("dev") is None
            return ei.value

    err = _run(go())
    assert "stackyard-test/not-here:1" in err.message
    assert "docker load" in err.hint and "image:" in err.hint
    assert labelled(docker_client, root) == []


def _occupy(port: int) -> socket.socket:
    s = socket.socket()
    s.bind(("127.0.0.1", port))
    s.listen()
    return s


@pytest.mark.docker
def test_port_taken_moves_under_auto_policy(make_project):
    root = make_project('cache: {kind: redis, image: "{redis}"}')
    warnings = []

    async def go():
        async with Workspace.open(root) as ws:
            ws.bus.on(lambda ev: warnings.append(getattr(ev, "text", "")) if getattr(ev, "level", "") == "warning" else None)
            st = await ws.up("dev", wait=True)
            old = st["services"][0]["port"]
            await ws.down("dev")
            blocker = _occupy(old)
            try:
                st = await ws.up("dev", wait=True)
                new = st["services"][0]["port"]
                assert new != old and st["state"] == "running"
                assert (await ws.health("dev"))["healthy"]
                assert f"REDIS_URL=redis://:" in (ws.env_dir("dev") / ".env").read_text()
                assert f":{new}/0" in (ws.env_dir("dev") / ".env").read_text()
            finally:
                blocker.close()
                await ws.destroy("dev")

    _run(go())
    assert any("is taken by another program" in w for w in warnings), warnings


@pytest.mark.docker
def test_port_taken_fails_with_exit_5_under_stable_policy(make_project):
    root = make_project('cache: {kind: redis, image: "{redis}"}',
                        extra="")
    (root / "profiles").mkdir()
    (root / "profiles" / "strict.yaml").write_text("extends: dev\nport_policy: stable\n")
    text = (root / "stackyard.yaml").read_text().replace("dev: {runtime: docker}", "dev: {runtime: docker, profile: strict}")
    (root / "stackyard.yaml").write_text(text)

    async def go():
        async with Workspace.open(root) as ws:
            st = await ws.up("dev", wait=True)
            port = st["services"][0]["port"]
            await ws.down("dev")
            blocker = _occupy(port)
            try:
                with pytest.raises(ConflictError) as ei:
                    await ws.up("dev")
                assert int(ei.value.exit_code) == 5 and str(port) in ei.value.message
                st = await ws.status("dev")
                assert st["services"][0]["state"] == "stopped" and st["services"][0]["port"] == port
            finally:
                blocker.close()
                await ws.destroy("dev")

    _run(go())


@pytest.mark.docker
def test_container_exiting_at_once_shows_its_last_lines(make_project, docker_client):
    root = make_project("""
    crash: {kind: app, image: "{app}", command: "echo starting; echo boom-last-line >&2; exit 3"}
    """)

    async def go():
        async with Workspace.open(root) as ws:
            with pytest.raises(StackyardError) as ei:
                await ws.up("dev", wait=True)
            assert ws.state.get_env("dev") is None
            return ei.value

    err = _run(go())
    assert "crash" in err.message and "code 3" in err.message
    assert "boom-last-line" in err.message
    assert labelled(docker_client, root) == []


HANG_SCRIPT = """
import asyncio, sys
from pathlib import Path
from core.api import Workspace
async def main():
    async with Workspace.open(Path(sys.argv[1])) as ws:
        await ws.up("dev", wait=True, timeout=120)
asyncio.run(main())
"""


@pytest.mark.docker
def test_kill_9_during_up_then_gc_leaves_nothing(make_project, docker_client):
    root = make_project("""
    cache: {kind: redis, image: "{redis}"}
    hang: {kind: app, image: "{app}", command: "sleep 600", depends_on: [cache]}
    """)
    env = dict(os.environ)
    proc = subprocess.Popen([sys.executable, "-c", HANG_SCRIPT, str(root)], cwd=REPO, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 90
        f = {"label": [f"dev.stackyard.root={root.resolve()}", "dev.stackyard.service=hang"]}
        while not docker_client.containers.list(filters=f):  # the app container is up, never ready
            assert proc.poll() is None, "the up finished or failed before it could be killed"
            assert time.monotonic() < deadline, "the hanging container never appeared"
            time.sleep(0.1)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert labelled(docker_client, root), "expected the killed up to leave resources"

    async def go():
        async with Workspace.open(root) as ws:  # reconciles the interrupted up
            dry = await ws.gc(dry_run=True)
            actions = await ws.gc()
            assert ws.state.get_env("dev") is None
            return dry, actions

    dry, actions = _run(go())
    assert labelled(docker_client, root) == []


@pytest.mark.docker
def test_container_removed_behind_our_back(make_project, docker_client):
    root = make_project('db: {kind: postgres, image: "{postgres}"}')

    async def go():
        async with Workspace.open(root) as ws:
            await ws.up("dev", wait=True)
            try:
                async with await psycopg.AsyncConnection.connect(await ws.database_url("dev"), autocommit=True) as c:
                    await c.execute("create table kept (v int); insert into kept values (42)")
                f = {"label": [f"dev.stackyard.root={root.resolve()}", "dev.stackyard.service=db"]}
                for c in docker_client.containers.list(all=True, filters=f):
                    c.remove(force=True)
                st = await ws.status("dev")
                db = st["services"][0]
                assert db["state"] == "missing" and "removed outside stackyard" in db["detail"]
                assert st["state"] == "degraded"
                st = await ws.up("dev", wait=True)  # repairs: a new container on the same volume
                assert st["services"][0]["state"] == "running"
                async with await psycopg.AsyncConnection.connect(await ws.database_url("dev")) as c:
                    assert (await (await c.execute("select v from kept")).fetchone()) == (42,)
            finally:
                await ws.destroy("dev")

    _run(go())


@pytest.mark.docker
def test_gc_dry_run_lists_orphans_then_removes_them(make_project, docker_client):
    root = make_project('cache: {kind: redis, image: "{redis}"}')
    labels = {"dev.stackyard.project": "demo", "dev.stackyard.root": str(root.resolve()),
              "dev.stackyard.env": "ghost", "dev.stackyard.service": "cache",
              "dev.stackyard.owner-host": socket.gethostname(), "dev.stackyard.owner-pid": "999999999",
              "dev.stackyard.expires-at": ""}
    vol = docker_client.volumes.create(name=f"sy-test-ghost-{os.getpid()}", labels=labels)

    async def go():
        async with Workspace.open(root) as ws:
            dry = await ws.gc(dry_run=True)
            assert any(a.get("volume") == vol.name for a in dry), dry
            assert docker_client.volumes.get(vol.name)  # still there
            done = await ws.gc()
            assert any(a.get("volume") == vol.name and "unknown" in a["reason"] for a in done)

    _run(go())
    assert labelled(docker_client, root) == []


@pytest.mark.docker
def test_ctrl_c_during_up_tears_down_what_started(make_project, docker_client):
    root = make_project("""
    cache: {kind: redis, image: "{redis}"}
    hang: {kind: app, image: "{app}", command: "sleep 600", depends_on: [cache]}
    """)
    proc = subprocess.Popen([sys.executable, "-m", "core.cli", "-C", str(root), "up", "--wait"], cwd=REPO,
                            env=dict(os.environ), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 90
        f = {"label": [f"dev.stackyard.root={root.resolve()}", "dev.stackyard.service=hang"]}
        while not docker_client.containers.list(filters=f):
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the hanging container never appeared"
            time.sleep(0.1)
        proc.send_signal(signal.SIGINT)
        _out, err = proc.communicate(timeout=90)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err
    assert labelled(docker_client, root) == []  # rolled back by the interrupted run itself, no gc

    async def go():
        async with Workspace.open(root) as ws:
            return ws.state.get_env("dev")

    assert _run(go()) is None


@pytest.mark.docker
def test_failing_docker_healthcheck_makes_the_service_unhealthy(make_project):
    # redis answers our probe, but the image's HEALTHCHECK (redis-cli with a wrong password) fails
    root = make_project("""
    cache: {kind: redis, image: "{redis}", env: {REDISCLI_AUTH: wrong}, healthcheck: {interval: 0.2, timeout: 0.5}}
    """)

    async def go():
        async with Workspace.open(root) as ws:
            await ws.up("dev")
            try:
                deadline = time.monotonic() + 60
                while True:
                    report = await ws.health("dev")
                    probe = report["services"][0]
                    if probe["details"].get("docker_health") == "unhealthy" or time.monotonic() > deadline:
                        break
                    await asyncio.sleep(0.3)
                assert not report["healthy"] and "HEALTHCHECK" in probe["error"], report
                st = await ws.status("dev")
                assert st["services"][0]["state"] == "unhealthy" and st["state"] == "degraded"
            finally:
                await ws.destroy("dev")

    _run(go())


@pytest.mark.docker
def test_state_folder_deleted_then_up_starts_clean(make_project):
    """.stackyard/ (state and secrets) removed while containers exist: the next up replaces the
    leftovers, whose password is lost, instead of failing to log in to them."""
    import shutil as sh

    root = make_project('db: {kind: postgres, image: "{postgres}"}')
    warnings = []

    async def first():
        async with Workspace.open(root) as ws:
            await ws.up("dev", wait=True)

    async def second():
        async with Workspace.open(root) as ws:
            ws.bus.on(lambda ev: warnings.append(getattr(ev, "text", "")) if getattr(ev, "level", "") == "warning" else None)
            try:
                st = await ws.up("dev", wait=True)
                assert st["state"] == "running" and (await ws.health("dev"))["healthy"]
            finally:
                await ws.destroy("dev")

    _run(first())
    sh.rmtree(root / ".stackyard")
    _run(second())
    assert any("leftover volume" in w for w in warnings), warnings


@pytest.mark.docker
def test_exec_probe_runs_inside_the_container(make_project, docker_client):
    root = make_project("""
    worker: {kind: app, image: "{app}", listens: false, command: "sleep 600", probe: {type: exec, command: ["sh", "-c", "test -f /tmp/ready"]}}
    """)

    async def go():
        async with Workspace.open(root) as ws:
            await ws.up("dev")
            try:
                first = (await ws.health("dev"))["services"][0]
                assert first["kind"] == "exec" and not first["ok"] and first["error"].startswith("exit 1")
                cid = ws.state.services("dev")[0].container_id
                docker_client.containers.get(cid).exec_run(["sh", "-c", "echo > /tmp/ready"])
                assert (await ws.health("dev"))["healthy"]
            finally:
                await ws.destroy("dev")

    _run(go())
