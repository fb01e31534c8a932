"""The diff API around the engine: refusal of destructive steps, renderings, errors, filters."""

from __future__ import annotations

import asyncio
import json

import psycopg
import pytest

from core.errors import SQLError, UnreachableError, UsageError
from core.events import EventBus, OperationFinished
from core.pg.introspect import inspect_schema
from core.pg.schemadiff import diff_databases, diff_schemas
from tests.diff.conftest import CORPUS, inspect_dsn


def _pair(make_db, a_sql: str, b_sql: str):
    a_dsn, b_dsn = make_db(a_sql), make_db(b_sql)
    return a_dsn, b_dsn, diff_schemas(inspect_dsn(a_dsn), inspect_dsn(b_dsn))


def test_destructive_diff_refuses_without_consent_and_changes_nothing(make_db):
    a_dsn, _, diff = _pair(make_db,
                           "CREATE TABLE t (id int, old text); INSERT INTO t VALUES (1, 'x');",
                           "CREATE TABLE t (id int);")
    assert [c.description for c in diff.destructive_changes] == ["drop column public.t.old"]
    with pytest.raises(UsageError) as err:
        diff.to_sql()
    assert "--allow-destructive" in err.value.hint
    assert "drop column public.t.old" in err.value.message
    with psycopg.connect(a_dsn) as c:  # refusing produced no SQL, so nothing ran
        assert c.execute("SELECT old FROM t").fetchone() == ("x",)
    assert "DROP COLUMN old" in diff.to_sql(allow_destructive=True)


def test_additive_diff_needs_no_consent(make_db):
    _, _, diff = _pair(make_db, "CREATE TABLE t (id int);", "CREATE TABLE t (id bigint, v text);")
    assert not diff.destructive_changes  # int -> bigint widens, a new column loses nothing
    sql = diff.to_sql()
    assert "ALTER COLUMN id TYPE bigint USING id::bigint" in sql
    assert "ADD COLUMN v text" in sql


def test_narrowing_is_destructive(make_db):
    _, _, diff = _pair(make_db, "CREATE TABLE t (v varchar(50)); CREATE SEQUENCE s AS bigint;",
                       "CREATE TABLE t (v varchar(10)); CREATE SEQUENCE s AS integer;")
    kinds = sorted(c.kind for c in diff.destructive_changes)
    assert kinds == ["column", "sequence"]


def test_text_and_json_renderings(make_db):
    _, _, diff = _pair(make_db, "CREATE TABLE t (id int, gone int);",
                       "CREATE TABLE t (id int); CREATE VIEW v AS SELECT id FROM t;")
    text = diff.to_text()
    assert "+ create view public.v" in text
    assert "- drop column public.t.gone  [destructive]" in text
    assert text.endswith("2 change(s), 1 destructive.")
    data = json.loads(json.dumps(diff.to_dict()))
    assert data["empty"] is False and data["destructive"] is True
    assert data["summary"] == {"drop": 1, "create": 1}
    view = next(c for c in data["changes"] if c["kind"] == "view")
    assert view["action"] == "create" and view["identity"] == "view public.v"
    assert view["sql"][0].startswith("CREATE VIEW public.v")


def test_empty_diff_renderings(make_db):
    dsn = make_db("CREATE TABLE t (id int);")
    diff = diff_schemas(inspect_dsn(dsn), inspect_dsn(dsn))
    assert diff.is_empty and diff.to_sql() == "" and diff.to_text() == "No schema differences."
    assert diff.to_dict() == {"empty": True, "destructive": False, "summary": {}, "changes": []}


def test_function_reading_a_later_table_is_ordered_and_unchecked(make_db):
    _, _, diff = _pair(make_db, "", (CORPUS / "24_created_before_read" / "b.sql").read_text())
    sql = diff.to_sql()
    assert sql.startswith("SET check_function_bodies = false;")
    # BEGIN ATOMIC bodies are checked anyway; pg_depend orders them after the table.
    assert sql.index("CREATE TABLE public.app_user") < sql.index("FUNCTION public.user_name")
    assert sql.index("VIEW public.zz_first") < sql.index("VIEW public.aa_second")


def test_schema_filters(make_db):
    dsn = make_db("CREATE EXTENSION citext; CREATE SCHEMA app; CREATE TABLE app.a (id int);"
                  "CREATE SCHEMA other; CREATE TABLE other.b (id int); CREATE TABLE c (x citext);")
    everything = inspect_dsn(dsn).objects
    assert {"table app.a", "table other.b", "table public.c", "extension citext"} <= set(everything)
    # Extension members (citext's functions, types, casts) are the extension's, not ours.
    assert not any("citext" in i for i in everything if i.startswith(("function", "type")))
    assert not any("pg_catalog" in i or "information_schema" in i for i in everything
                   if not i.startswith(("extension", "grant")))
    only_app = inspect_dsn(dsn, schemas=["app"]).objects
    assert "table app.a" in only_app and "table other.b" not in only_app
    no_other = inspect_dsn(dsn, exclude_schemas=["pg_catalog", "information_schema", "other"])
    assert "table other.b" not in no_other.objects and "table app.a" in no_other.objects


def test_diff_databases_reports_progress(make_db):
    a_dsn, b_dsn = make_db("CREATE TABLE t (id int);"), make_db("CREATE TABLE t (id int, v int);")
    bus, seen = EventBus(), []
    bus.on(seen.append)
    diff = asyncio.run(diff_databases(a_dsn, b_dsn, bus=bus))
    assert [c.identity for c in diff.changes] == ["column public.t.v"]
    finished = [e for e in seen if isinstance(e, OperationFinished)]
    assert finished and finished[0].kind == "schema.diff" and finished[0].ok


def test_diff_databases_unreachable_source(pg_server, make_db):
    b_dsn = make_db("")
    bad = pg_server.dsn("no_such_database_xyz")
    with pytest.raises(UnreachableError) as err:
        asyncio.run(diff_databases(bad, b_dsn))
    assert "source" in err.value.message and pg_server.password not in err.value.message


def test_introspection_on_a_broken_connection_is_a_clear_error(make_db):
    dsn = make_db("CREATE TABLE t (id int);")

    async def run():
        async with await psycopg.AsyncConnection.connect(dsn) as conn:
            with pytest.raises(psycopg.errors.DivisionByZero):
                await conn.execute("SELECT 1/0")  # the caller's transaction is now aborted
            await inspect_schema(conn)

    with pytest.raises(SQLError) as err:
        asyncio.run(run())
    assert err.value.sqlstate == "25P02" and "introspection failed" in err.value.message


def test_recycled_database_equals_a_fresh_one(pg_server, make_db):
    """Guards the test pool itself: a wiped database must look exactly like a new one."""
    import secrets

    from psycopg import sql

    from tests.diff.conftest import WIPE

    dsn = make_db((CORPUS / "32_create_everything" / "b.sql").read_text())
    with psycopg.connect(dsn, autocommit=True) as c:
        c.execute(WIPE)
    fresh = "f_" + secrets.token_hex(6)
    with psycopg.connect(pg_server.dsn(), autocommit=True) as c:
        c.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(fresh)))
    try:
        assert diff_schemas(inspect_dsn(dsn), inspect_dsn(pg_server.dsn(fresh))).is_empty
        assert inspect_dsn(dsn).objects.keys() == inspect_dsn(pg_server.dsn(fresh)).objects.keys()
    finally:
        with psycopg.connect(pg_server.dsn(), autocommit=True) as c:
            c.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(fresh)))


def test_script_failing_on_data_changes_nothing(make_db):
    """Removing an enum label still in use: the script fails and, in one transaction,
    leaves the source exactly as it was."""
    a_sql = ("CREATE TYPE st AS ENUM ('new', 'legacy'); CREATE TABLE job (s st);"
             "INSERT INTO job VALUES ('legacy');")
    a_dsn, _, diff = _pair(make_db, a_sql, "CREATE TYPE st AS ENUM ('new'); CREATE TABLE job (s st);")
    before = inspect_dsn(a_dsn)
    script = diff.to_sql(allow_destructive=True)
    with pytest.raises(psycopg.errors.InvalidTextRepresentation):
        with psycopg.connect(a_dsn) as conn:
            conn.execute(script)
    assert diff_schemas(inspect_dsn(a_dsn), before).is_empty
    with psycopg.connect(a_dsn) as conn:
        assert conn.execute("SELECT s::text FROM job").fetchone() == ("legacy",)


def test_dependency_order_beats_kind_order(make_db):
    """A table whose column default calls a new function, and a view over a view: creation
    order follows pg_depend, not a fixed kind order."""
    b_sql = ("CREATE FUNCTION gen() RETURNS int LANGUAGE sql AS 'SELECT 7';"
             "CREATE TABLE t (a int DEFAULT gen()); CREATE VIEW z AS SELECT a FROM t;"
             "CREATE VIEW a AS SELECT a FROM z;")
    a_dsn, _, diff = _pair(make_db, "", b_sql)
    sql = diff.to_sql()
    assert sql.index("FUNCTION public.gen()") < sql.index("CREATE TABLE public.t")
    assert sql.index("VIEW public.z") < sql.index("VIEW public.a")
    with psycopg.connect(a_dsn) as conn:
        conn.execute(sql)


def test_excluding_a_schema_never_pulls_in_the_system_catalogs(make_db):
    dsn = make_db("CREATE SCHEMA auth; CREATE TABLE auth.users (id int); CREATE TABLE t (id int);")
    objects = inspect_dsn(dsn, exclude_schemas=["auth"]).objects
    assert "table public.t" in objects and "table auth.users" not in objects
    assert not any("pg_catalog." in i for i in objects)  # no pg_catalog functions or views
