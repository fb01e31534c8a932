"""The headless CLI as users and CI run it: JSON on stdout, exit codes, locks, crashes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import psycopg
import pytest

from .conftest import STACKYARD, run_cli


def test_init_then_up_wait_json_gives_a_reachable_url(project):
    tmp_path = project
    (tmp_path / "stackyard.yaml").unlink()
    r = run_cli("init", cwd=tmp_path)
    assert r.code == 0, r
    assert (tmp_path / "stackyard.yaml").exists() and (tmp_path / ".vscode" / "settings.json").exists()
    assert run_cli("config", "validate", cwd=tmp_path).code == 0
    try:
        r = run_cli("up", "--wait", "--json", cwd=tmp_path)
        assert r.code == 0, r
        data = r.json()
        assert data["state"] == "running" and data["services"][0]["kind"] == "postgres"
        with psycopg.connect(data["database_url"]) as c:
            assert c.execute("select 1").fetchone() == (1,)
        url = run_cli("db", "url", cwd=tmp_path)
        assert url.code == 0 and url.out.strip() == data["database_url"]
        assert "password" not in r.err.lower() or "***" in r.err
        st = run_cli("status", "--json", cwd=tmp_path).json()
        assert st["services"][0]["state"] == "running" and "***" in st["services"][0]["url"]
        assert run_cli("down", cwd=tmp_path).code == 0
        assert run_cli("status", "--json", cwd=tmp_path).json()["state"] == "stopped"
        assert run_cli("up", cwd=tmp_path).code == 0
    finally:
        r = run_cli("destroy", "--yes", "--json", cwd=tmp_path)
    assert r.code == 0 and r.json() == {"env": "dev", "state": "destroyed"}
    assert run_cli("status", cwd=tmp_path).code == 2


def test_init_keeps_existing_files(project):
    tmp_path = project
    (tmp_path / "stackyard.yaml").write_text("project: mine\n")
    r = run_cli("init", "--json", cwd=tmp_path)
    assert r.code == 0 and "stackyard.yaml" in r.json()["skipped"]
    assert (tmp_path / "stackyard.yaml").read_text() == "project: mine\n"


def test_config_error_exit_2_with_position(cli, project):
    (project / "stackyard.yaml").write_text("project: demo\nservices:\n  db:\n    kind: postgres\n    prot: 5\n")
    r = cli("up")
    assert r.code == 2
    assert "stackyard.yaml:5:5: unknown key 'prot'" in r.err and "did you mean 'port'?" in r.err
    assert not (project / ".stackyard" / "envs").exists()  # nothing created
    r = cli("config", "validate", "--json")
    assert r.code == 2 and r.json()["line"] == 5 and r.json()["col"] == 5


@pytest.mark.parametrize("name", ["../x", "Robert'); drop", "a" * 200])
def test_invalid_env_name_exit_2(cli, project, name):
    r = cli("up", name)
    assert r.code == 2 and "invalid environment name" in r.err and "hint:" in r.err
    assert not (project / ".stackyard" / "envs").exists() or not any((project / ".stackyard" / "envs").iterdir())


def test_unknown_env_and_profile(cli):
    r = cli("status", "nope")
    assert r.code == 2 and "no environment 'nope'" in r.err
    r = cli("up", "x1", "--profile", "nosuch")
    assert r.code == 2 and "unknown profile" in r.err


def test_destroy_without_terminal_needs_yes(cli):
    assert cli("up").code == 0
    r = cli("destroy")
    assert r.code == 2 and "--yes" in r.err
    assert cli("status").code == 0  # still there


def test_second_up_waits_or_fails_with_exit_5(cli, project):
    assert cli("up").code == 0
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import asyncio, sys, time\n"
         "from core.locks import EnvLock\n"
         "async def main():\n"
         f"    async with EnvLock(__import__('pathlib').Path({str(project / '.stackyard' / 'locks' / 'dev.lock')!r})):\n"
         "        print('locked', flush=True); time.sleep(30)\n"
         "asyncio.run(main())\n"],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        r = cli("--lock-timeout", "0.5", "up")
        assert r.code == 5 and "busy" in r.err and str(holder.pid) in r.err
        assert cli("status").code == 0  # read-only commands don't take the lock
    finally:
        holder.kill()
        holder.wait()
    assert cli("--lock-timeout", "5", "up").code == 0


def test_up_killed_midway_is_reconciled(cli, project):
    """SIGKILL an `up` while it creates the env; the next run rolls it back and starts clean."""
    env = dict(os.environ, STACKYARD_NO_TUI="1")
    for delay in (0.3, 0.9):
        p = subprocess.Popen([*STACKYARD, "up", f"k{int(delay * 10)}"], cwd=project, env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        p.send_signal(signal.SIGKILL)
        p.wait()
    r = cli("env", "list", "--json")
    assert r.code == 0, r
    listed = {e["env"]: e for e in r.json()}
    # each killed env is either fully there and running-or-stopped, or gone: never half
    for name, e in listed.items():
        assert e["state"] in ("running", "stopped"), e
    for name in ("k3", "k9"):
        r = cli("up", name, "--json")
        assert r.code == 0, r
        with psycopg.connect(r.json()["database_url"]) as c:
            assert c.execute("select 1").fetchone() == (1,)


def test_logs_json_lines_and_health_exit_codes(cli):
    assert cli("up").code == 0
    r = cli("logs", "--tail", "5", "--json")
    assert r.code == 0
    lines = [json.loads(l) for l in r.out.splitlines()]
    assert lines and all(l["service"] == "db" and "text" in l for l in lines)
    assert cli("health").code == 0
    assert cli("down").code == 0
    r = cli("health", "--json")
    assert r.code == 3 and r.json()["healthy"] is False


def test_env_commands(cli):
    r = cli("env", "create", "feat-a", "--profile", "feature", "--json")
    assert r.code == 0 and r.json()["profile"] == "feature" and r.json()["expires_at"]
    r = cli("env", "create", "feat-a", "--profile", "feature")
    assert r.code == 5 and "already exists" in r.err
    r = cli("env", "clone", "feat-a", "feat-b", "--json")
    assert r.code == 0 and r.json()["state"] == "running"
    names = {e["env"] for e in cli("env", "list", "--json").json()}
    assert {"feat-a", "feat-b"} <= names
    assert cli("env", "destroy", "feat-b", "--yes").code == 0
    assert cli("gc", "--dry-run", "--json").json()["actions"] == []


def test_bad_ttl_and_timeout_are_usage_errors(cli, project):
    for args in (["up", "x1", "--ttl", "banana"], ["env", "create", "x2", "--profile", "ci", "--ttl", "-1h"],
                 ["up", "x3", "--timeout", "-5"]):
        r = cli(*args)
        assert r.code == 2 and "Traceback" not in r.err, r
    assert not (project / ".stackyard" / "envs").exists() or not any((project / ".stackyard" / "envs").iterdir())
    r = cli("up", "x4", "--ttl", "never", "--json")
    assert r.code == 0 and r.json()["expires_at"] is None


def test_start_timeout_exit_4_and_nothing_left_running(cli):
    assert cli("up").code == 0 and cli("down").code == 0
    r = cli("up", "--timeout", "0.001")
    assert r.code == 4 and "did not start within" in r.err and "Traceback" not in r.err, r
    assert cli("status", "--json").json()["services"][0]["state"] == "stopped"


def test_killed_server_is_reported_as_exited(cli):
    st = cli("up", "--json").json()
    os.kill(st["services"][0]["pid"], signal.SIGKILL)
    for _ in range(100):
        r = cli("status", "--json")
        if r.json()["services"][0]["state"] != "running":
            break
        time.sleep(0.05)
    assert r.code == 3 and r.json()["services"][0]["state"] == "exited", r
    assert cli("up").code == 0
    assert cli("status", "--json").json()["state"] == "running"


def test_init_rejects_a_bad_project_name_without_writing(project):
    r = run_cli("init", "--name", "BAD NAME", "--force", cwd=project)
    assert r.code == 2 and "invalid project name" in r.err
    assert (project / "stackyard.yaml").read_text().startswith("project: demo")
    r = run_cli("-C", str(project / "missing"), "status", cwd=project)
    assert r.code == 2 and not (project / "missing").exists()
    r = run_cli("export", "compose", "BAD NAME", cwd=project)
    assert r.code == 2 and not (project / ".stackyard" / "envs" / "BAD NAME").exists()
