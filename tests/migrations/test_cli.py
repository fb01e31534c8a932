"""`stackyard migration ...` end to end through click, on a real database (--db-url/--dir)."""

import json

import pytest
from click.testing import CliRunner

from core.cli.main import cli
import psycopg

from core.pg.migrations.executor import LOCK_KEY

from .conftest import exists, write


@pytest.fixture
def invoke(pg_db, mdir):
    def _invoke(*args):
        runner = CliRunner()
        return runner.invoke(cli, ["migration", *args, "--db-url", pg_db, "--dir", str(mdir)]
                             if args[0] not in ("new",) else ["migration", *args, "--dir", str(mdir)],
                             catch_exceptions=False)
    return _invoke


def test_cli_new_up_list_down_json(invoke, mdir, pg_db):
    r = invoke("new", "add_people", "--with-down", "--json")
    assert r.exit_code == 0
    path = json.loads(r.stdout)["path"]
    with open(path, "a") as f:
        f.write("")
    text = open(path).read().replace("-- migrate:up\n", "-- migrate:up\ncreate table people (id bigint);\n")
    open(path, "w").write(text.replace("-- migrate:down\n", "-- migrate:down\ndrop table people;\n"))
    r = invoke("up", "--dry-run", "--json")
    assert r.exit_code == 0 and json.loads(r.stdout)["applied"][0]["dry_run"] is True
    assert not exists(pg_db, "people")
    r = invoke("up", "--json")
    assert r.exit_code == 0 and len(json.loads(r.stdout)["applied"]) == 1 and exists(pg_db, "people")
    r = invoke("list", "--json")
    assert r.exit_code == 0 and json.loads(r.stdout)[0]["state"] == "applied"
    r = invoke("list")
    assert "applied" in r.stdout and "add_people" in r.stdout
    r = invoke("down", "--json")
    assert r.exit_code == 0 and not exists(pg_db, "people")


def test_cli_sql_error_exit_1_with_location(invoke, mdir):
    write(mdir, 1, "bad", "select 1;\nselect from from;\n")
    r = invoke("up", "--json")
    assert r.exit_code == 1
    err = json.loads(r.stdout)
    assert err["error"] == "SQLError" and err["line"] == 2 and err["path"].endswith("1_bad.sql")
    assert "1_bad.sql:2" in r.stderr


def test_cli_changed_file_flagged_by_list_and_verify(invoke, mdir):
    p = write(mdir, 1, "a", "create table a (id int);\n")
    assert invoke("up").exit_code == 0
    p.write_text("create table a (id bigint);\n")
    r = invoke("list", "--json")
    assert r.exit_code == 1 and json.loads(r.stdout)[0]["state"] == "changed"
    r = invoke("verify", "--json")
    assert r.exit_code == 1 and json.loads(r.stdout)["ok"] is False
    r = invoke("up")
    assert r.exit_code == 5 and "--allow-changed" in r.stderr
    assert invoke("repair", "1", "--status", "applied").exit_code == 0
    assert invoke("verify").exit_code == 0


def test_cli_locked_exit_5(invoke, mdir, pg_db):
    write(mdir, 1, "a", "create table a (id int);\n")

    with psycopg.connect(pg_db, autocommit=True) as holder:  # another runner holding the lock
        holder.execute("select pg_advisory_lock(%s)", (LOCK_KEY,))
        r = invoke("up", "--lock-wait", "0", "--json")
    assert r.exit_code == 5 and json.loads(r.stdout)["error"] == "LockedError"
    assert not exists(pg_db, "a")


def test_cli_missing_down_usage_exit_2(invoke, mdir):
    write(mdir, 1, "a", "create table a (id int);\n")
    assert invoke("up").exit_code == 0
    r = invoke("down")
    assert r.exit_code == 2 and "no '-- migrate:down' section" in r.stderr


def test_cli_lint_json_and_fail_on(invoke, mdir):
    write(mdir, 1, "a", "create table a (id int primary key);\n")
    r = invoke("lint", "--json", "--fail-on", "none")
    assert r.exit_code == 0
    data = json.loads(r.stdout)
    assert data["findings"] and data["findings"][0]["path"].endswith("1_a.sql") and data["findings"][0]["line"] == 1
    assert invoke("lint", "--fail-on", "warning").exit_code == 1


def test_cli_help_lists_all_commands():
    r = CliRunner().invoke(cli, ["migration", "--help"])
    for cmd in ("new", "list", "up", "down", "verify", "repair", "baseline", "squash", "lint"):
        assert f"  {cmd}" in r.stdout


def test_cli_uses_project_migrations_dir_without_db(tmp_path):
    runner = CliRunner()
    r = runner.invoke(cli, ["-C", str(tmp_path), "migration", "new", "first", "--json"], catch_exceptions=False)
    assert r.exit_code == 0, r.stderr
    path = json.loads(r.stdout)["path"]
    assert path.startswith(str(tmp_path / "supabase" / "migrations")) and path.endswith("_first.sql")
    open(path, "w").write("create table a (id int primary key);\n")
    # lint needs no running environment: it falls back to the local binaries' version
    r = runner.invoke(cli, ["-C", str(tmp_path), "migration", "lint", "--json", "--fail-on", "none"],
                      catch_exceptions=False)
    assert r.exit_code == 0, r.stderr
    assert json.loads(r.stdout)["pg_version"].startswith("18")
    r = runner.invoke(cli, ["-C", str(tmp_path), "migration", "new", "Bad Name"])
    assert r.exit_code == 2
