"""Environment lifecycle against real PostgreSQL 18: data survives down/up, clone, faults."""

from __future__ import annotations

import os
import shutil
import socket
import stat
import time

import psycopg
import pytest

from core.api import Workspace
from core.errors import ConflictError, NotFoundError, UsageError
from core.pg import cluster

from .conftest import arun


def q(url: str, sql: str):
    with psycopg.connect(url, autocommit=True) as c:
        cur = c.execute(sql)
        return cur.fetchall() if cur.description else None


def test_up_down_up_keeps_data_and_destroy_removes_it(project):
    async def go():
        async with Workspace.open(project) as ws:
            st = await ws.up("dev", wait=True)
            assert st["state"] == "running" and st["services"][0]["state"] == "running"
            url = await ws.database_url("dev")
            q(url, "create table notes(id int primary key, body text); insert into notes values (1, 'kept')")
            assert (await ws.down("dev"))["state"] == "stopped"
            with pytest.raises(psycopg.OperationalError):
                q(url, "select 1")
            await ws.up("dev")
            assert await ws.database_url("dev") == url  # same port, same password
            assert q(url, "select body from notes") == [("kept",)]
            data_dir = ws.env_dir("dev")
            await ws.destroy("dev")
            assert not data_dir.exists()
            assert ws.state.get_env("dev") is None
            with pytest.raises(NotFoundError):
                await ws.status("dev")
    arun(go())


def test_server_listens_on_loopback_with_password(project):
    async def go():
        async with Workspace.open(project) as ws:
            await ws.up("dev")
            ci = ws.conninfo("dev")
            assert q(ci.url, "show listen_addresses") == [("127.0.0.1",)]
            assert q(ci.url, "select rolpassword like 'SCRAM-SHA-256%' from pg_authid where rolname = current_user") == [(True,)]
            bad = ci.url.replace(ci.password, "wrong-password")
            with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
                q(bad, "select 1")
            envfile = ws.env_dir("dev") / ".env"
            assert stat.S_IMODE(envfile.stat().st_mode) == 0o600
            assert f"DATABASE_URL={ci.url}" in envfile.read_text()
            assert stat.S_IMODE(ws.secrets_path("dev").stat().st_mode) == 0o600
            # no secret in the state db or the manifest
            assert ci.password.encode() not in (ws.dir / "state.db").read_bytes()
            assert ci.password not in (ws.env_dir("dev") / "env.json").read_text()
    arun(go())


def test_clone_copies_data_and_is_independent(project):
    async def go():
        async with Workspace.open(project) as ws:
            await ws.up("dev")
            q(await ws.database_url("dev"), "create table t(x int); insert into t values (1)")
            st = await ws.clone_env("dev", "copy")
            assert st["state"] == "running"
            curl = await ws.database_url("copy")
            assert curl != await ws.database_url("dev")
            assert q(curl, "select x from t") == [(1,)]
            q(curl, "insert into t values (2)")
            assert q(await ws.database_url("dev"), "select count(*) from t") == [(1,)]
            with pytest.raises(ConflictError):
                await ws.clone_env("dev", "copy")
    arun(go())


def test_invalid_env_names_are_refused(project):
    async def go():
        async with Workspace.open(project) as ws:
            for bad in ("../x", "Robert'); drop", "a" * 200, "", "UPPER"):
                with pytest.raises(UsageError):
                    await ws.up(bad)
            assert ws.state.list_envs() == []
            assert not (ws.dir / "envs").exists() or list((ws.dir / "envs").iterdir()) == []
    arun(go())


def test_port_taken_auto_moves_stable_refuses(project):
    (project / "profiles").mkdir()
    (project / "profiles" / "pinned.yaml").write_text("extends: dev\nport_policy: stable\n")

    async def go():
        async with Workspace.open(project) as ws:
            for env, profile in (("auto", "dev"), ("pinned", "pinned")):
                await ws.up(env, profile=profile)
                port = ws.conninfo(env).port
                await ws.down(env)
                squatter = socket.socket()
                squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                squatter.bind(("127.0.0.1", port))
                squatter.listen()
                try:
                    if profile == "dev":
                        await ws.up(env)
                        assert ws.conninfo(env).port != port
                        assert q(await ws.database_url(env), "select 1") == [(1,)]
                    else:
                        with pytest.raises(ConflictError, match=f"port {port}"):
                            await ws.up(env)
                        st = await ws.status(env)
                        assert st["services"][0]["state"] == "stopped"  # nothing half-started
                finally:
                    squatter.close()
            await ws.up("pinned")  # once the port is free again
            assert (await ws.status("pinned"))["state"] == "running"
    arun(go())


def test_state_db_deleted_is_rebuilt_from_manifests(project):
    async def go():
        async with Workspace.open(project) as ws:
            await ws.up("dev")
            url = await ws.database_url("dev")
        for suffix in ("", "-wal", "-shm"):
            p = project / ".stackyard" / f"state.db{suffix}"
            if p.exists():
                p.unlink()
        async with Workspace.open(project) as ws:
            st = await ws.status("dev")
            assert st["state"] == "running"
            assert await ws.database_url("dev") == url
    arun(go())


def test_state_db_corrupted_is_kept_aside_and_rebuilt(project):
    async def go():
        async with Workspace.open(project) as ws:
            await ws.up("dev")
        db = project / ".stackyard" / "state.db"
        for suffix in ("-wal", "-shm"):
            p = project / ".stackyard" / f"state.db{suffix}"
            if p.exists():
                p.unlink()
        db.write_bytes(b"this is not a sqlite database" * 100)
        warnings = []
        from core.events import EventBus, Message

        bus = EventBus()
        bus.on(lambda e: warnings.append(e.text) if isinstance(e, Message) else None)
        async with Workspace.open(project, bus=bus) as ws:
            assert (await ws.status("dev"))["state"] == "running"
        assert any("corrupted" in w for w in warnings)
        assert list((project / ".stackyard").glob("state.db.corrupt-*"))
    arun(go())


def test_data_dir_deleted_behind_our_back(project):
    async def go():
        async with Workspace.open(project) as ws:
            await ws.up("dev")
            data = ws.env_dir("dev") / "postgres" / "db" / "data"
            await ws.down("dev")
            shutil.rmtree(data)
            st = await ws.status("dev")
            assert st["services"][0]["state"] == "missing"
            assert st["state"] == "degraded"
            await ws.up("dev")  # recreates an empty cluster with the same credentials
            assert (await ws.status("dev"))["state"] == "running"
            assert q(await ws.database_url("dev"), "select current_database()") == [("app",)]
    arun(go())


def test_data_dir_deleted_while_running_kills_the_orphan(project):
    async def go():
        async with Workspace.open(project) as ws:
            await ws.up("dev")
            data = ws.env_dir("dev") / "postgres" / "db" / "data"
            port = ws.conninfo("dev").port
            shutil.rmtree(data)
            assert (await ws.status("dev"))["services"][0]["state"] == "missing"
            await ws.up("dev")
            assert (await ws.status("dev"))["state"] == "running"
            assert ws.conninfo("dev").port == port or cluster.port_free(port)
    arun(go())


def test_gc_removes_expired_envs_and_leftovers(project):
    async def go():
        async with Workspace.open(project) as ws:
            await ws.up("short", profile="dev", ttl="1s")
            await ws.up("long", profile="dev")
            leftover = ws.dir / "envs" / "ghost"
            leftover.mkdir(parents=True)
            time.sleep(1.1)
            plan = await ws.gc(dry_run=True)
            assert {(a["action"], a.get("env") or a.get("path")) for a in plan} == {
                ("destroy", "short"), ("remove", str(leftover))}
            assert ws.state.get_env("short") is not None and leftover.exists()  # dry run changed nothing
            await ws.gc()
            assert ws.state.get_env("short") is None and not leftover.exists()
            assert ws.state.get_env("long") is not None
            assert await ws.gc() == []
    arun(go())


def test_ci_profile_is_ephemeral_and_fast(project):
    async def go():
        async with Workspace.open(project) as ws:
            st = await ws.up("ci")
            assert st["profile"] == "ci" and st["expires_at"] is not None
            assert q(await ws.database_url("ci"), "show fsync") == [("off",)]
            res = await ws.down("ci")
            assert res["state"] == "destroyed" and ws.state.get_env("ci") is None
    arun(go())


def test_health_and_logs(project):
    async def go():
        async with Workspace.open(project) as ws:
            await ws.up("dev")
            h = await ws.health("dev")
            assert h["healthy"] and h["services"][0]["latency_ms"] > 0
            lines = [l async for l in ws.logs("dev", tail=50)]
            assert any("ready to accept connections" in l.text for l in lines)
            assert all(l.service == "db" for l in lines)
            with pytest.raises(NotFoundError):
                ws.logs("dev", ["nope"])
            await ws.down("dev")
            h = await ws.health("dev")
            assert not h["healthy"] and h["services"][0]["error"]
            assert ws.conninfo("dev").password not in str(h)
    arun(go())


def test_profile_settings_reach_the_server(project):
    (project / "stackyard.yaml").write_text(
        "project: demo\nservices:\n  db:\n    kind: postgres\n    databases: [analytics]\n"
        "    extensions: [citext]\n    settings: {work_mem: 8MB}\n")

    async def go():
        async with Workspace.open(project) as ws:
            await ws.up("dev")
            url = await ws.database_url("dev")
            assert q(url, "show work_mem") == [("8MB",)]
            assert q(url, "select extname from pg_extension where extname = 'citext'") == [("citext",)]
            assert q(ws.conninfo("dev", database="analytics").url, "select 1") == [(1,)]
    arun(go())
