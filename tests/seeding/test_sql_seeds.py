"""SQL seed files against real Postgres: hash tracking, skipping, failures with file:line."""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path

import pytest

from core.errors import SQLError
from core.events import EventBus, Message, OperationProgress
from core.pg.seeds import run_sql_seeds, split_statements
from tests.seeding.helpers import query, run_sql


def seed(dsn, paths, root, **kw):
    return asyncio.run(run_sql_seeds(dsn, [Path(p) for p in paths], root=root, **kw))


# --- splitter ---------------------------------------------------------------------------


def test_splitter_understands_comments_quotes_and_dollar_quoting():
    text = (
        "-- a comment; with a semicolon\n"
        "/* block; /* nested; */ still comment */ INSERT INTO t VALUES ('a;b''c', E'x\\';y');\n"
        "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $body$ SELECT 1; $body$;\n"
        'SELECT "odd;name", $$;$$ FROM t\n'
        ";\n"
        "SELECT a$b FROM t"
    )
    stmts = split_statements(text)
    assert [s.line for s in stmts] == [2, 3, 4, 6]
    assert stmts[0].text == "INSERT INTO t VALUES ('a;b''c', E'x\\';y');"
    assert stmts[1].text.endswith("$body$ SELECT 1; $body$;")
    assert stmts[2].text.startswith('SELECT "odd;name", $$;$$')
    assert stmts[3].text == "SELECT a$b FROM t"


def test_splitter_keeps_copy_data_and_drops_psql_meta_commands():
    text = "\\restrict abc\nCOPY t (a, b) FROM stdin;\n1\tx;y\n2\t'q\n\\.\nSELECT 1;\n\\unrestrict abc\n"
    stmts = split_statements(text)
    assert [(s.text, s.line) for s in stmts] == [("COPY t (a, b) FROM stdin;", 2), ("SELECT 1;", 6)]
    assert stmts[0].copy_data == "1\tx;y\n2\t'q\n"


@pytest.mark.parametrize(
    "text, line",
    [("SELECT 1;\nSELECT 'open;\n", 2), ("SELECT 1;\n\n/* never closed\n", 3), ("SELECT $x$ body\n", 1)],
)
def test_splitter_reports_unterminated_quotes_with_line(text, line):
    with pytest.raises(SQLError) as e:
        split_statements(text, "seed.sql")
    assert e.value.path == "seed.sql" and e.value.line == line
    assert "unterminated" in e.value.message


# --- running seeds ----------------------------------------------------------------------


def test_seed_is_tracked_by_hash_and_skipped_when_unchanged(pg_db, tmp_path):
    run_sql(pg_db, "CREATE TABLE items (id int PRIMARY KEY, name text)")
    f = tmp_path / "supabase" / "seed.sql"
    f.parent.mkdir()
    f.write_text("INSERT INTO items VALUES (1, 'one');\nINSERT INTO items VALUES (2, 'two');\n")

    first = seed(pg_db, ["supabase/seed.sql"], tmp_path)
    assert [(r.path, r.status, r.statements) for r in first] == [("supabase/seed.sql", "applied", 2)]
    digest = hashlib.sha256(f.read_bytes()).hexdigest()
    assert query(pg_db, "SELECT path, hash FROM supabase_migrations.seed_files") == [
        ("supabase/seed.sql", digest)
    ]

    second = seed(pg_db, ["supabase/seed.sql"], tmp_path)
    assert [r.status for r in second] == ["skipped"]
    assert query(pg_db, "SELECT count(*) FROM items") == [(2,)]  # not run twice

    f.write_text("INSERT INTO items VALUES (3, 'three');\n")
    third = seed(pg_db, ["supabase/seed.sql"], tmp_path)
    assert [r.status for r in third] == ["applied"]
    assert query(pg_db, "SELECT hash FROM supabase_migrations.seed_files") == [
        (hashlib.sha256(f.read_bytes()).hexdigest(),)
    ]

    run_sql(pg_db, "DELETE FROM items WHERE id = 3")
    forced = seed(pg_db, ["supabase/seed.sql"], tmp_path, force=True)
    assert [r.status for r in forced] == ["applied"]
    assert query(pg_db, "SELECT id FROM items ORDER BY id") == [(1,), (2,), (3,)]


def test_failing_seed_reports_file_line_statement_and_applies_nothing(pg_db, tmp_path):
    run_sql(pg_db, "CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL)")
    (tmp_path / "seeds").mkdir()
    good = tmp_path / "seeds" / "01_good.sql"
    good.write_text("INSERT INTO items VALUES (100, 'kept');\n")
    bad = tmp_path / "seeds" / "02_bad.sql"
    bad.write_text(
        "-- first rows\n"
        "INSERT INTO items VALUES (1, 'a');\n"
        "INSERT INTO items VALUES (2, 'b');\n"
        "\n"
        "INSERT INTO items\n"
        "  VALUES (3, NULL);\n"
        "INSERT INTO items VALUES (4, 'd');\n"
    )
    with pytest.raises(SQLError) as e:
        seed(pg_db, ["seeds/*.sql"], tmp_path)
    err = e.value
    assert err.path == "seeds/02_bad.sql" and err.line == 5
    assert err.statement == "INSERT INTO items\n  VALUES (3, NULL);"
    assert err.sqlstate == "23502"
    assert "seeds/02_bad.sql:5" in str(err)
    # The earlier file stays applied and recorded; nothing of the failing one remains.
    assert query(pg_db, "SELECT id FROM items ORDER BY id") == [(100,)]
    assert query(pg_db, "SELECT path FROM supabase_migrations.seed_files") == [("seeds/01_good.sql",)]


def test_syntax_error_line_points_inside_a_multiline_statement(pg_db, tmp_path):
    f = tmp_path / "seed.sql"
    f.write_text("SELECT 1;\nCREATE TABLE t (\n  id int,\n  name txet oops\n);\n")
    with pytest.raises(SQLError) as e:
        seed(pg_db, ["seed.sql"], tmp_path)
    assert e.value.line == 4 and e.value.sqlstate == "42601"
    assert query(pg_db, "SELECT to_regclass('t') IS NULL") == [(True,)]


def test_failure_deep_in_a_large_file_is_located_exactly(pg_db, tmp_path):
    run_sql(pg_db, "CREATE TABLE n (v int PRIMARY KEY)")
    lines = [f"INSERT INTO n VALUES ({i});" for i in range(1, 1201)]
    lines[876] = "INSERT INTO n VALUES (5);"  # a duplicate key on line 877, in the second batch
    (tmp_path / "seed.sql").write_text("\n".join(lines) + "\n")
    with pytest.raises(SQLError) as e:
        seed(pg_db, ["seed.sql"], tmp_path)
    assert e.value.line == 877 and e.value.sqlstate == "23505"
    assert e.value.statement == "INSERT INTO n VALUES (5);"
    assert query(pg_db, "SELECT count(*) FROM n") == [(0,)]


def test_copy_from_stdin_and_transaction_control_in_seed_files(pg_db, tmp_path):
    run_sql(pg_db, "CREATE TABLE people (id int, name text)")
    (tmp_path / "seed.sql").write_text(
        "BEGIN;\nCOPY people (id, name) FROM stdin;\n1\tAda\n2\tGrace\n\\.\n"
        "INSERT INTO people VALUES (3, 'Linus');\nCOMMIT;\n"
    )
    result = seed(pg_db, ["seed.sql"], tmp_path)
    assert result[0].status == "applied"
    assert query(pg_db, "SELECT id, name FROM people ORDER BY id") == [(1, "Ada"), (2, "Grace"), (3, "Linus")]


def test_globs_run_in_sorted_order_and_unmatched_patterns_warn(pg_db, tmp_path):
    run_sql(pg_db, "CREATE TABLE log (seq serial, what text)")
    d = tmp_path / "seeds"
    d.mkdir()
    (d / "b.sql").write_text("INSERT INTO log (what) VALUES ('b');")
    (d / "a.sql").write_text("INSERT INTO log (what) VALUES ('a');")
    bus = EventBus()
    events = []
    bus.on(events.append)
    results = seed(pg_db, ["seeds/*.sql", "supabase/seed.sql"], tmp_path, bus=bus)
    assert [r.path for r in results] == ["seeds/a.sql", "seeds/b.sql"]
    assert query(pg_db, "SELECT what FROM log ORDER BY seq") == [("a",), ("b",)]
    warnings = [e.text for e in events if isinstance(e, Message) and e.level == "warning"]
    assert warnings == ["seed path 'supabase/seed.sql' matched no file"]
    progress = [(e.done, e.total) for e in events if isinstance(e, OperationProgress)]
    assert progress == [(1, 2), (2, 2)]


def test_bad_copy_data_points_at_the_data_line(pg_db, tmp_path):
    run_sql(pg_db, "CREATE TABLE people (id int, name text)")
    (tmp_path / "seed.sql").write_text(
        "-- dump\nCOPY people (id, name) FROM stdin;\n1\tAda\nzwei\tGrace\n\\.\n"
    )
    with pytest.raises(SQLError) as e:
        seed(pg_db, ["seed.sql"], tmp_path)
    assert e.value.line == 4 and e.value.sqlstate == "22P02"
    assert query(pg_db, "SELECT count(*) FROM people") == [(0,)]
