"""The docker runtime end to end: up --wait, status shape, health, .env, stats, logs, destroy."""

from __future__ import annotations

import asyncio

import psycopg
import pytest

from core.api import Workspace
from core.pg.migrations import MigrationEngine

from .conftest import PG_REDIS, labelled

pytestmark = pytest.mark.docker


def _run(coro):
    return asyncio.run(coro)


def test_up_status_health_env_stats_logs_destroy(make_project, docker_client):
    root = make_project(PG_REDIS)

    async def go():
        async with Workspace.open(root) as ws:
            st = await ws.up("dev", wait=True, timeout=60)
            assert st["runtime"] == "docker" and st["state"] == "running"
            by = {s["name"]: s for s in st["services"]}
            assert by["db"]["state"] == "running" and by["db"]["container_id"]
            assert by["db"]["url"].startswith("postgresql://postgres:***@127.0.0.1:")
            health = await ws.health("dev")
            assert health["healthy"], health
            kinds = {s["service"]: s["kind"] for s in health["services"]}
            assert kinds == {"db": "postgres", "cache": "redis"}
            # the database is a real server on 127.0.0.1, with the main database created
            async with await psycopg.AsyncConnection.connect(await ws.database_url("dev")) as c:
                assert (await (await c.execute("select current_database()")).fetchone())[0] == "app"
            env_text = (ws.env_dir("dev") / ".env").read_text()
            assert "REDIS_URL=redis://:" in env_text and "@127.0.0.1:" in env_text
            stats = await ws.stats("dev")
            assert stats["db"]["memory_bytes"] > 0 and stats["db"]["cpu_percent"] is not None
            lines = [l async for l in ws.logs("dev", ["db"], tail=50)]
            assert any("ready to accept connections" in l.text for l in lines), [l.text for l in lines]
            assert all(l.service == "db" and l.env == "dev" for l in lines)
            # every resource carries the labels
            c = docker_client.containers.get(by["db"]["container_id"])
            for key in ("project", "env", "service", "profile", "owner-host", "owner-pid", "expires-at"):
                assert f"dev.stackyard.{key}" in c.labels
            assert c.attrs["HostConfig"]["NetworkMode"] == "host"
            await ws.destroy("dev")
            assert ws.state.get_env("dev") is None

    _run(go())
    assert labelled(docker_client, root) == []


def test_status_json_shape_same_as_local(make_project, docker_client):
    """`status` has the same keys per service under both runtimes."""
    root_d = make_project(PG_REDIS, name="d")
    root_l = make_project(PG_REDIS, runtime="local", name="l")

    async def shape(root):
        async with Workspace.open(root) as ws:
            st = await ws.up("dev")
            try:
                return set(st), [set(s) for s in st["services"]], [s["state"] for s in st["services"]]
            finally:
                await ws.destroy("dev")

    d, l = _run(shape(root_d)), _run(shape(root_l))
    assert d == l
    assert d[2] == ["running", "running"]


def test_migrations_branching_and_clone_on_docker(make_project):
    root = make_project('db: {kind: postgres, image: "{postgres}"}')
    mig = root / "supabase" / "migrations"
    mig.mkdir(parents=True)
    (mig / "20260101000000_items.sql").write_text("create table items (id int primary key, name text);\n")

    async def go():
        async with Workspace.open(root) as ws:
            await ws.up("dev", wait=True)
            try:
                eng = MigrationEngine(await ws.database_url("dev"), ws.migrations_dir, bus=ws.bus)
                await eng.up()
                async with await psycopg.AsyncConnection.connect(await ws.database_url("dev"), autocommit=True) as c:
                    await c.execute("insert into items values (1, 'one') on conflict do nothing")
                await ws.branch_create("dev", "feature")
                async with await psycopg.AsyncConnection.connect(await ws.database_url("dev", "feature")) as c:
                    rows = await (await c.execute("select name from items")).fetchall()
                assert rows == [("one",)]
                # env clone copies the volume; the copy has its own port and data from then on
                st = await ws.clone_env("dev", "copy")
                assert st["state"] == "running"
                assert st["services"][0]["port"] != (await ws.status("dev"))["services"][0]["port"]
                async with await psycopg.AsyncConnection.connect(await ws.database_url("copy"), autocommit=True) as c:
                    assert (await (await c.execute("select name from items")).fetchall()) == [("one",)]
                    await c.execute("insert into items values (2, 'only in copy')")
                async with await psycopg.AsyncConnection.connect(await ws.database_url("dev")) as c:
                    assert (await (await c.execute("select count(*) from items")).fetchone()) == (1,)
            finally:
                for env in ("copy", "dev"):
                    if ws.state.get_env(env):
                        await ws.destroy(env)

    _run(go())


def test_logs_follow_cancellation_closes_stream(make_project):
    root = make_project("""
    talker: {kind: app, image: "{app}", listens: false, command: ["python3", "-u", "-c", "import itertools,time\\nfor i in itertools.count():\\n  print('line', i, flush=True)\\n  time.sleep(0.001)"]}
    """)

    async def go():
        async with Workspace.open(root) as ws:
            await ws.up("dev")
            try:
                got = []
                stream = ws.logs("dev", ["talker"], follow=True, tail=0)
                async for line in stream:
                    got.append(line.text)
                    if len(got) >= 200:
                        break
                await stream.aclose()
                assert all(t.startswith("line ") for t in got)
                nums = [int(t.split()[1]) for t in got]
                assert nums == sorted(nums)  # in order, none lost between chunks
                assert nums[-1] - nums[0] == len(nums) - 1
            finally:
                await ws.destroy("dev")

    _run(go())
    import threading

    assert not [t for t in threading.enumerate() if t.name.startswith("logs-talker") and t.is_alive()]


def test_config_change_recreates_container_keeps_volume_and_limits_apply(make_project, docker_client):
    root = make_project('cache: {kind: redis, image: "{redis}", memory: 64m}')

    def volume_of(cid):
        c = docker_client.containers.get(cid)
        return [m["Name"] for m in c.attrs["Mounts"] if m["Type"] == "volume"]

    async def go():
        async with Workspace.open(root) as ws:
            st = await ws.up("dev", wait=True)
            cid = ws.state.services("dev")[0].container_id
            try:
                stats = await ws.stats("dev")
                assert stats["cache"]["memory_limit"] == 64 * 1024 * 1024
                vol = volume_of(cid)
                text = (root / "stackyard.yaml").read_text().replace("memory: 64m", "memory: 96m, persist: true")
                (root / "stackyard.yaml").write_text(text)
            finally:
                pass
        async with Workspace.open(root) as ws:  # a new run reads the changed config
            try:
                st = await ws.up("dev", wait=True)
                new = ws.state.services("dev")[0].container_id
                assert new != cid and volume_of(new) == vol
                assert "--appendonly" in docker_client.containers.get(new).attrs["Args"]
                assert (await ws.stats("dev"))["cache"]["memory_limit"] == 96 * 1024 * 1024
            finally:
                await ws.destroy("dev")

    _run(go())


APP_SERVER = """
import http.server, os, pathlib
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200); self.end_headers(); self.wfile.write(MESSAGE.encode())
    def log_message(self, *a): pass
MESSAGE = pathlib.Path('/app/src/message.txt').read_text()  # read at start: a restart picks up changes
http.server.HTTPServer(('127.0.0.1', int(os.environ['PORT'])), H).serve_forever()
"""


def test_hot_reload_restarts_a_docker_app_with_mounted_code(make_project):
    root = make_project("""
    web:
      kind: app
      image: "{app}"
      command: ["python3", "/app/src/server.py"]
      mounts: {"./src": /app/src}
      watch: [src]
      probe: {type: http, path: /}
    """)
    (root / "src").mkdir()
    (root / "src" / "server.py").write_text(APP_SERVER)
    (root / "src" / "message.txt").write_text("v1")

    async def get(port: int) -> str:
        r, w = await asyncio.open_connection("127.0.0.1", port)
        w.write(b"GET / HTTP/1.0\r\n\r\n")
        data = await r.read()
        w.close()
        return data.split(b"\r\n\r\n", 1)[1].decode()

    async def go():
        from core.services.app_watch import watch

        async with Workspace.open(root) as ws:
            st = await ws.up("dev", wait=True)
            port = st["services"][0]["port"]
            started = (await ws.status("dev"))["services"][0]["pid"]
            try:
                assert await get(port) == "v1"
                health = await ws.health("dev")
                assert health["services"][0]["kind"] == "http" and health["healthy"]
                events = watch(ws, "dev", debounce_ms=50)
                task = asyncio.ensure_future(events.__anext__())
                await asyncio.sleep(0.5)
                (root / "src" / "message.txt").write_text("v2")
                ev = await asyncio.wait_for(task, 60)
                await events.aclose()
                assert ev["service"] == "web"
                st = await ws.status("dev")
                assert st["services"][0]["state"] == "running" and st["services"][0]["pid"] != started
                assert await get(port) == "v2"
            finally:
                await ws.destroy("dev")

    _run(go())


def test_log_lines_keep_their_stream(make_project):
    root = make_project("""
    both: {kind: app, image: "{app}", listens: false, command: "echo out-line; echo err-line >&2; exec sleep 600"}
    """)

    async def go():
        async with Workspace.open(root) as ws:
            await ws.up("dev")
            try:
                for _ in range(50):  # the two echo lines may take a moment to reach the log
                    lines = {l.text: l.stream async for l in ws.logs("dev", ["both"], tail=None)}
                    if len(lines) >= 2:
                        break
                    await asyncio.sleep(0.1)
                assert lines == {"out-line": "stdout", "err-line": "stderr"}
            finally:
                await ws.destroy("dev")

    _run(go())
