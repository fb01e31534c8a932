"""End to end with the real CLI: `stackyard up` in the fixture Supabase project, then `db exec --as`."""

from __future__ import annotations

import json

import psycopg

from .conftest import cli

ALICE = "11111111-1111-1111-1111-111111111111"


def test_up_alone_makes_the_project_work(up_project):
    # bootstrap, stand-ins, migrations (incl. `create extension "uuid-ossp"`) and seed all came from `up`
    with psycopg.connect(up_project.url) as c:
        assert c.execute("select count(*) from public.notes").fetchone() == (4,)
        assert c.execute("select count(*) from storage.buckets").fetchone() == (2,)
    assert "major_version = 17" in up_project.stderr


def test_db_exec_as_user_json(up_project):
    r = cli("db", "exec", "--as", "authenticated", "--sub", ALICE,
            "-c", "select id, body, created_at from public.notes order by body", "--json", cwd=up_project.root)
    assert r.returncode == 0, r.stderr
    rows = json.loads(r.stdout)
    assert [x["body"] for x in rows] == ["alice private 1", "alice private 2", "alice public"]
    assert isinstance(rows[0]["id"], str) and "T" in rows[0]["created_at"]


def test_db_exec_text_table_and_claims_json(up_project):
    r = cli("db", "exec", "--as", "authenticated", "--claims", json.dumps({"sub": ALICE, "email": "a@x"}),
            "-c", "select auth.uid() as uid, auth.email() as email", cwd=up_project.root)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[0].split(" | ")[0].strip() == "uid"
    assert ALICE in r.stdout and "(1 row)" in r.stdout
    anon = cli("db", "exec", "--as", "anon", "-c", "select * from public.profiles", cwd=up_project.root)
    assert anon.returncode == 0 and "(0 rows)" in anon.stdout


def test_db_exec_errors_and_exit_codes(up_project):
    denied = cli("db", "exec", "--as", "authenticated", "--sub", ALICE, "-c", "select * from auth.users",
                 "--json", cwd=up_project.root)
    assert denied.returncode == 1 and json.loads(denied.stdout)["sqlstate"] == "42501"
    assert "permission denied" in denied.stderr



def test_db_exec_usage_errors_exit_2(up_project):
    # in-process (no server round trip is needed to reject these)
    from click.testing import CliRunner

    from core.cli.main import cli as stackyard

    def run(*args):
        return CliRunner().invoke(stackyard, ["-C", str(up_project.root), *args])

    bad_claims = run("db", "exec", "--claims", "{not json", "-c", "select 1")
    assert bad_claims.exit_code == 2 and "--claims is not valid JSON" in bad_claims.output
    not_object = run("db", "exec", "--claims", "[1]", "-c", "select 1")
    assert not_object.exit_code == 2 and "must be a JSON object" in not_object.output
    no_sql = run("db", "exec", "--as", "anon")
    assert no_sql.exit_code == 2 and "-c SQL or -f FILE" in no_sql.output


def test_db_compat_lists_standins(up_project):
    r = cli("db", "compat", "--json", cwd=up_project.root)
    assert r.returncode == 0, r.stderr
    rows = json.loads(r.stdout)
    crypt = [x for x in rows if x["extension"] == "pgcrypto" and x["object"].startswith("crypt(")]
    assert crypt and crypt[0]["status"] == "unsupported"
    assert {x["extension"] for x in rows} >= {"pgcrypto", "uuid-ossp", "pg_net"}
