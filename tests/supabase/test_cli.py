"""End to end with the real CLI: `stackyard up` in the fixture Supabase project, then `db exec --as`."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import sys
from pathlib import Path

import pytest

from .conftest import PROJECT

_script = Path(sys.executable).parent / "stackyard"
STACKYARD = [str(_script)] if _script.exists() else [sys.executable, "-m", "core.cli"]
ALICE = "11111111-1111-1111-1111-111111111111"


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, STACKYARD_NO_TUI="1", COLUMNS="200")
    env.pop("STACKYARD_ENV", None)
    return subprocess.run([*STACKYARD, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=180)


@pytest.fixture(scope="module")
def running_project():
    # not pytest's tmp_path: concurrent pytest runs of other sessions prune /tmp/pytest-of-<user>
    tmp = Path(tempfile.mkdtemp(prefix="stackyard-supa-cli-"))
    root = tmp / "project"
    shutil.copytree(PROJECT, root)
    up = cli("up", "--wait", "--json", cwd=root)
    assert up.returncode == 0, up.stderr
    try:
        # `up` alone bootstrapped the database, served the stand-ins, applied migrations and seed
        yield root
    finally:
        cli("destroy", "--yes", cwd=root)
        shutil.rmtree(tmp, ignore_errors=True)


def test_db_exec_as_user_json(running_project):
    r = cli("db", "exec", "--as", "authenticated", "--sub", ALICE,
            "-c", "select id, body, created_at from public.notes order by body", "--json", cwd=running_project)
    assert r.returncode == 0, r.stderr
    rows = json.loads(r.stdout)
    assert [x["body"] for x in rows] == ["alice private 1", "alice private 2", "alice public"]
    assert isinstance(rows[0]["id"], str) and "T" in rows[0]["created_at"]


def test_db_exec_text_table_and_claims_json(running_project):
    r = cli("db", "exec", "--as", "authenticated", "--claims", json.dumps({"sub": ALICE, "email": "a@x"}),
            "-c", "select auth.uid() as uid, auth.email() as email", cwd=running_project)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[0].split(" | ")[0].strip() == "uid"
    assert ALICE in r.stdout and "(1 row)" in r.stdout
    anon = cli("db", "exec", "--as", "anon", "-c", "select * from public.profiles", cwd=running_project)
    assert anon.returncode == 0 and "(0 rows)" in anon.stdout


def test_db_exec_errors_and_exit_codes(running_project):
    denied = cli("db", "exec", "--as", "authenticated", "--sub", ALICE, "-c", "select * from auth.users",
                 "--json", cwd=running_project)
    assert denied.returncode == 1 and json.loads(denied.stdout)["sqlstate"] == "42501"
    assert "permission denied" in denied.stderr
    bad_claims = cli("db", "exec", "--claims", "{not json", "-c", "select 1", cwd=running_project)
    assert bad_claims.returncode == 2 and "--claims is not valid JSON" in bad_claims.stderr
    no_sql = cli("db", "exec", "--as", "anon", cwd=running_project)
    assert no_sql.returncode == 2 and "-c SQL or -f FILE" in no_sql.stderr
