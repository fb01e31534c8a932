"""Faults: kill -9 mid-copy, sessions on the parent, --terminate always re-allowing, disk full."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest

from core.branching.sessions import exclusive_source
from core.errors import ConflictError, StackyardError

REPO = Path(__file__).resolve().parents[2]


def _wait_for(fn, timeout=30.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = fn()
        if v:
            return v
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def test_kill_9_during_create_leaves_no_orphan_database_and_no_row(seeded):
    # Hold a lock that CREATE DATABASE ... TEMPLATE app waits for (COMMENT takes a conflicting lock on
    # the template's catalog entry), so the kill lands while the copy is in flight, every time.
    holder = psycopg.connect(seeded.url(database="postgres"))
    holder.execute("COMMENT ON DATABASE app IS 'held by the test'")
    script = ("import asyncio\nfrom core.api import Workspace\n"
              "async def main():\n"
              f"    async with Workspace.open({str(seeded.root)!r}) as ws:\n"
              "        await ws.branch_create('dev', 'doomed')\n"
              "asyncio.run(main())\n")
    proc = subprocess.Popen([sys.executable, "-c", script], cwd=REPO)
    try:
        app = f"stackyard branching {proc.pid}"
        _wait_for(lambda: seeded.admin("SELECT 1 FROM pg_stat_activity WHERE application_name = %s"
                                       " AND wait_event_type = 'Lock' AND query ILIKE 'CREATE DATABASE%%'", (app,)),
                  what="the copy to start")
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        holder.rollback()
        holder.close()
    # The orphaned server backend may still finish the copy and commit it: that database must go too.
    _wait_for(lambda: "app__doomed" in seeded.databases() or not seeded.admin(
        "SELECT 1 FROM pg_stat_activity WHERE application_name = %s", (app,)), what="the orphan backend")

    async def reconcile_and_look(ws):  # opening the workspace reconciles
        return [(o.kind, o.status) for o in ws.state.recent_ops("dev", 3)]

    ops = seeded.run(reconcile_and_look)
    assert ("branch.create", "rolled_back") in ops
    assert "app__doomed" not in seeded.databases()
    assert "doomed" not in seeded.branch_rows()
    assert seeded.admin("SELECT datallowconn FROM pg_database WHERE datname = 'app'") == [(True,)]


def test_sessions_on_the_parent_are_listed_and_terminate_ends_them_then_reallows(seeded):
    with psycopg.connect(seeded.url("main"), application_name="my web app") as busy:
        with pytest.raises(ConflictError) as e:
            seeded.run(lambda ws: ws.branch_create("dev", "x"))
        assert "my web app" in e.value.message and "--terminate" in e.value.hint
        assert e.value.exit_code == 5 and e.value.to_dict()["sessions"][0]["application_name"] == "my web app"
        assert "x" not in seeded.branch_rows() and "app__x" not in seeded.databases()
        r = seeded.run(lambda ws: ws.branch_create("dev", "x", terminate=True))
        assert r["terminated"] is True
        with pytest.raises(psycopg.OperationalError):
            busy.execute("SELECT 1")
    assert seeded.admin("SELECT datallowconn FROM pg_database WHERE datname = 'app'") == [(True,)]
    assert seeded.sql("x", "SELECT count(*) FROM items") == [(100,)]


def test_terminate_reallows_connections_even_when_the_copy_fails(seeded):
    dsn = seeded.url(database="postgres")

    async def go():
        async with await psycopg.AsyncConnection.connect(dsn, autocommit=True) as conn:
            with pytest.raises(RuntimeError, match="copy failed"):
                async with exclusive_source(conn, "main", "app", terminate=True):
                    cur = await conn.execute("SELECT datallowconn FROM pg_database WHERE datname = 'app'")
                    assert (await cur.fetchone())[0] is False  # blocked while copying
                    raise RuntimeError("copy failed")
            cur = await conn.execute("SELECT datallowconn FROM pg_database WHERE datname = 'app'")
            return (await cur.fetchone())[0]

    assert asyncio.run(go()) is True


def test_reset_keeps_the_branch_when_the_copy_is_refused(seeded):
    seeded.run(lambda ws: ws.branch_create("dev", "feat"))
    seeded.sql("feat", "INSERT INTO items VALUES (999, 'mine')")
    with psycopg.connect(seeded.url("main"), application_name="blocker"):
        with pytest.raises(ConflictError, match="blocker"):
            seeded.run(lambda ws: ws.branch_reset("dev", "feat"))
    assert seeded.sql("feat", "SELECT name FROM items WHERE id = 999") == [("mine",)]
    assert not any(d.startswith("sy_tmp_") for d in seeded.databases())


def _can_loop_mount() -> str | None:
    if os.geteuid() != 0:
        return "needs root to loop-mount a tiny filesystem"
    if not shutil.which("mkfs.ext4") or not shutil.which("mount"):
        return "needs mkfs.ext4 and mount"
    return None


@pytest.mark.skipif(_can_loop_mount() is not None, reason=_can_loop_mount() or "")
def test_disk_full_gives_a_clean_error_and_no_half_database(tmp_path):
    from .conftest import start_project, stop_project

    image = Path("/var/tmp") / f"stackyard-diskfull-{os.getpid()}.img"
    mnt = Path("/mnt") / f"stackyard-diskfull-{os.getpid()}"
    subprocess.run(["truncate", "-s", "160M", str(image)], check=True)
    subprocess.run(["mkfs.ext4", "-q", "-F", "-m", "0", str(image)], check=True)
    mnt.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(["mount", "-o", "loop", str(image), str(mnt)], capture_output=True)
    if mounted.returncode != 0:
        image.unlink(missing_ok=True)
        pytest.skip(f"loop mount not possible here: {mounted.stderr.decode().strip()}")
    p = None
    try:
        os.chmod(mnt, 0o755)
        # wal_level minimal: filling main writes its rows once, not twice (data + WAL)
        p = start_project(mnt / "proj", extra_settings=", wal_level: minimal, max_wal_senders: 0")
        free = shutil.disk_usage(mnt).free
        rows = int(free * 0.55 / 1100)  # ~1 kB rows: main ends up bigger than the space that is left
        p.sql("main", f"CREATE TABLE big AS SELECT g AS id, repeat('x', 1000) AS pad FROM generate_series(1, {rows}) g;"
                      "CHECKPOINT")
        with pytest.raises(StackyardError, match="disk space"):
            p.run(lambda ws: ws.branch_create("dev", "wontfit"))
        assert "wontfit" not in p.branch_rows() and "app__wontfit" not in p.databases()
        assert p.sql("main", "SELECT count(*) FROM big") == [(rows,)]  # the server survived
    finally:
        if p is not None:
            try:
                stop_project(p)
            except Exception:
                pass
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True)
        image.unlink(missing_ok=True)
        shutil.rmtree(mnt, ignore_errors=True)


def _dead_pid() -> int:
    import psutil

    pid = 999_999
    while psutil.pid_exists(pid):
        pid -= 1
    return pid


def _journal_running(p, kind: str, target: str, detail: dict) -> None:
    """Record an operation as if a process that has since died had been running it."""
    import socket

    async def add(ws):
        with ws.state.tx() as db:
            db.execute("INSERT INTO operations(env, kind, target, status, pid, host, started_at, detail)"
                       " VALUES (?,?,?,?,?,?,?,?)", (p.env, kind, target, "running", _dead_pid(),
                                                     socket.gethostname(), time.time(), json.dumps(detail)))

    p.run(add)


def test_reset_interrupted_between_drop_and_rename_is_finished_on_the_next_run(seeded):
    seeded.run(lambda ws: ws.branch_create("dev", "feat"))
    seeded.sql("feat", "INSERT INTO items VALUES (777, 'reset copy')")
    # the state a kill -9 leaves after "drop branch" and before "rename copy": only the scratch copy exists,
    # and the parent is still blocked for --terminate
    seeded.admin("CREATE DATABASE sy_tmp_crashed TEMPLATE app__feat")
    seeded.admin("DROP DATABASE app__feat")
    seeded.admin("ALTER DATABASE app WITH ALLOW_CONNECTIONS false")
    _journal_running(seeded, "branch.reset", "feat", {"database": "app__feat", "temp": "sy_tmp_crashed",
                                                       "source": "app", "terminate": True, "app": "x"})
    ops = seeded.run(lambda ws: _ops(ws))
    assert ("branch.reset", "done") in ops
    assert "sy_tmp_crashed" not in seeded.databases() and "app__feat" in seeded.databases()
    assert seeded.sql("feat", "SELECT name FROM items WHERE id = 777") == [("reset copy",)]
    assert seeded.admin("SELECT datallowconn FROM pg_database WHERE datname = 'app'") == [(True,)]
    comment = seeded.admin("SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = 'app__feat'")
    assert json.loads(comment[0][0])["branch"] == "feat"


def test_delete_interrupted_midway_is_finished_on_the_next_run(seeded):
    seeded.run(lambda ws: ws.branch_create("dev", "a", switch=True))
    seeded.run(lambda ws: ws.branch_create("dev", "b", parent="a"))
    seeded.admin("DROP DATABASE app__b")  # the cascade had dropped b, then the process died
    _journal_running(seeded, "branch.delete", "a", {"databases": {"b": "app__b", "a": "app__a"}, "switch_to": "main"})
    ops = seeded.run(lambda ws: _ops(ws))
    assert ("branch.delete", "done") in ops
    assert seeded.branch_rows() == {} and not {"app__a", "app__b"} & seeded.databases()
    assert seeded.run(lambda ws: _async_value(ws.state.get_env("dev").active_branch)) == "main"


async def _ops(ws):
    return [(o.kind, o.status) for o in ws.state.recent_ops("dev", 5)]


async def _async_value(v):
    return v


def test_merge_interrupted_before_applying_leaves_no_file_and_no_scratch(seeded):
    mig = seeded.root / "supabase" / "migrations"
    mig.mkdir(parents=True, exist_ok=True)
    f = mig / "20300101000000_merge_feat.sql"
    f.write_text("CREATE TABLE never_applied (id int);\n")
    seeded.admin("CREATE DATABASE sy_tmp_proof TEMPLATE app")
    _journal_running(seeded, "branch.merge", "feat->main", {
        "file": str(f), "version": "20300101000000", "scratch": "sy_tmp_proof", "target_db": "app", "app": "x"})
    ops = seeded.run(lambda ws: _ops(ws))
    assert ("branch.merge", "rolled_back") in ops
    assert not f.exists() and "sy_tmp_proof" not in seeded.databases()
