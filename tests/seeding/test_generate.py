"""Synthetic data generation against real Postgres: the example schema, determinism, integrity."""

from __future__ import annotations

import asyncio
from pathlib import Path

from core.events import EventBus, OperationProgress
from core.pg.generate import generate
from seeds import builtin_seeds_dir
from tests.seeding.helpers import example_schema, query, run_sql

EXAMPLE_SPEC = builtin_seeds_dir() / "example.yaml"
TABLES = ["organizations", "users", "projects", "tasks", "comments"]


def gen(dsn, spec=EXAMPLE_SPEC, **kw):
    return asyncio.run(generate(dsn, Path(spec) if spec else None, **kw))


def dump(dsn: str) -> dict[str, list[tuple]]:
    return {t: query(dsn, f"SELECT * FROM {t} ORDER BY 1") for t in TABLES}


def test_builtin_seeds_ship_the_example():
    d = builtin_seeds_dir()
    assert (d / "example.yaml").is_file() and (d / "example" / "schema.sql").is_file()


def test_example_spec_fills_schema_with_intact_constraints(pg_db):
    run_sql(pg_db, example_schema())
    constraints_before = query(pg_db, "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                                      "WHERE connamespace = 'public'::regnamespace ORDER BY 1")
    indexes_before = query(pg_db, "SELECT indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1")
    bus = EventBus()
    events: list = []
    bus.on(events.append)
    report = gen(pg_db, rows=None, bus=bus)
    # bulk loading parks FKs and plain indexes; all must be back exactly as they were
    assert indexes_before == query(
        pg_db, "SELECT indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1")

    counts = {t: query(pg_db, f"SELECT count(*) FROM {t}")[0][0] for t in TABLES}
    assert counts == {"organizations": 50, "users": 500, "projects": 200, "tasks": 2000, "comments": 5000}
    assert report.total_rows == 7750
    assert [t.table for t in report.tables] == TABLES  # parents first
    # FK integrity (the constraints exist again, and no orphan slipped through)
    assert query(pg_db, "SELECT count(*) FROM tasks t LEFT JOIN projects p ON p.id = t.project_id "
                        "WHERE p.id IS NULL") == [(0,)]
    assert query(pg_db, "SELECT count(*) FROM comments c LEFT JOIN users u ON u.id = c.author_id "
                        "WHERE u.id IS NULL") == [(0,)]
    assert constraints_before == query(
        pg_db, "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
               "WHERE connamespace = 'public'::regnamespace ORDER BY 1")
    # the users ↔ organizations cycle was closed in the second pass
    assert query(pg_db, "SELECT count(*) FILTER (WHERE owner_id IS NULL) FROM organizations") == [(0,)]
    # the self-reference forms a forest: parents are earlier rows, some roots
    roots, bad = query(pg_db, "SELECT count(*) FILTER (WHERE parent_id IS NULL), "
                              "count(*) FILTER (WHERE parent_id >= id) FROM tasks")[0]
    assert roots > 0 and bad == 0
    # enum, unique, checks, weights
    statuses = {s for (s,) in query(pg_db, "SELECT DISTINCT status::text FROM tasks")}
    assert statuses == {"todo", "in_progress", "review", "done", "cancelled"}
    assert query(pg_db, "SELECT count(DISTINCT email) = count(*) FROM users") == [(True,)]
    assert query(pg_db, "SELECT min(priority) >= 1 AND max(priority) <= 5 FROM tasks") == [(True,)]
    assert query(pg_db, "SELECT min(budget) >= 1000, max(budget) <= 250000 FROM projects") == [(True, True)]
    assert query(pg_db, "SELECT max(length(name)) <= 120 FROM projects") == [(True,)]
    plans = dict(query(pg_db, "SELECT plan, count(*) FROM organizations GROUP BY 1"))
    assert set(plans) <= {"free", "team", "enterprise"} and plans["free"] > plans.get("enterprise", 0)
    # progress per table, ending at rows done == total
    finals = {e.message: e.done for e in events if isinstance(e, OperationProgress) and e.done == e.total}
    assert finals["comments"] == 5000 and finals["users"] == 500


def test_same_seed_gives_identical_rows_and_another_seed_differs(make_db):
    a, b, c = make_db(), make_db(), make_db()
    for dsn in (a, b, c):
        run_sql(dsn, example_schema())
    gen(a, rows=60, seed=7)
    gen(b, rows=60, seed=7)
    gen(c, rows=60, seed=8)
    da, db, dc = dump(a), dump(b), dump(c)
    assert da == db
    assert all(len(rows) == 60 for rows in da.values())
    assert da["users"] != dc["users"] and da["comments"] != dc["comments"]


def test_schema_only_inference_without_a_spec(pg_db):
    run_sql(pg_db, example_schema())
    report = gen(pg_db, spec=None, rows=40)
    assert {t.table: t.rows for t in report.tables} == dict.fromkeys(
        ["organizations", "users", "projects", "tasks", "comments"], 40)
    emails = [e for (e,) in query(pg_db, "SELECT email FROM users")]
    assert len(set(emails)) == 40 and all("@" in e for e in emails)
    assert query(pg_db, "SELECT count(*) FROM projects WHERE budget < 0") == [(0,)]
    assert query(pg_db, "SELECT count(*) FROM tasks WHERE priority NOT BETWEEN 1 AND 5") == [(0,)]


def test_tables_filter_references_existing_parent_rows(pg_db):
    run_sql(pg_db, example_schema())
    gen(pg_db, rows=20, tables=["organizations", "users"])
    assert query(pg_db, "SELECT count(*) FROM projects") == [(0,)]
    # now only projects: their organization_id must point at the existing organizations
    gen(pg_db, rows=30, seed=3, tables=["projects"])
    assert query(pg_db, "SELECT count(*), count(DISTINCT organization_id) <= 20 FROM projects") == [(30, True)]


def test_nullable_fk_cycle_is_filled_in_a_second_pass(pg_db, tmp_path):
    run_sql(pg_db, """
        CREATE TABLE a (id int GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, b_id int, label text NOT NULL);
        CREATE TABLE b (id int GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, a_id int NOT NULL REFERENCES a, note text);
        ALTER TABLE a ADD FOREIGN KEY (b_id) REFERENCES b;
    """)
    report = gen(pg_db, spec=None, rows=25)
    assert [t.table for t in report.tables] == ["a", "b"]
    assert report.tables[0].deferred_columns == ["b_id"]
    assert query(pg_db, "SELECT count(*), count(b_id) FROM a") == [(25, 25)]
    assert query(pg_db, "SELECT count(*) FROM a JOIN b ON b.id = a.b_id") == [(25,)]


def test_sql_and_sequence_and_range_generators(pg_db, tmp_path):
    run_sql(pg_db, """
        CREATE TABLE invoices (
            number text PRIMARY KEY, amount numeric(8,2) NOT NULL, issued date NOT NULL,
            paid_at timestamptz, qty int CHECK (qty BETWEEN 10 AND 20), kind text NOT NULL
        );
    """)
    spec = tmp_path / "s.yaml"
    spec.write_text(
        "tables:\n"
        "  invoices:\n"
        "    rows: 300\n"
        "    columns:\n"
        "      number: {sequence: {start: 1000, format: 'INV-{:05d}'}}\n"
        "      amount: {range: [5, 10]}\n"
        "      issued: {range: [2024-01-01, 2024-01-31]}\n"
        "      paid_at: {sql: \"timestamptz '2024-02-01' + random() * interval '10 days'\", null_fraction: 0.5}\n"
        "      kind: {value: standard}\n"
    )
    gen(pg_db, spec)
    first = query(pg_db, "SELECT * FROM invoices ORDER BY number")
    assert first[0][0] == "INV-01000" and first[-1][0] == "INV-01299"
    assert query(pg_db, "SELECT min(amount) >= 5, max(amount) <= 10, min(issued) >= '2024-01-01', "
                        "max(issued) <= '2024-01-31', min(qty) >= 10, max(qty) <= 20, "
                        "count(DISTINCT kind) FROM invoices") == [(True, True, True, True, True, True, 1)]
    paid = query(pg_db, "SELECT count(paid_at), min(paid_at) >= '2024-02-01' FROM invoices")[0]
    assert 50 < paid[0] < 250 and paid[1]
    # the SQL expression is seeded too: a second database gets the same timestamps
    run_sql(pg_db, "TRUNCATE invoices")
    gen(pg_db, spec)
    assert query(pg_db, "SELECT * FROM invoices ORDER BY number") == first


def test_inference_covers_common_types(pg_db):
    run_sql(pg_db, """
        CREATE DOMAIN positive_int AS int CHECK (VALUE > 0);
        CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
        CREATE EXTENSION IF NOT EXISTS citext;
        CREATE TABLE everything (
            code varchar(6) NOT NULL UNIQUE, handle citext NOT NULL, tags text[] NOT NULL,
            data jsonb NOT NULL, addr inet NOT NULL, blob bytea NOT NULL, at_time time NOT NULL,
            spent interval NOT NULL, ratio float8 NOT NULL, stock positive_int NOT NULL,
            feeling mood NOT NULL, token uuid NOT NULL DEFAULT gen_random_uuid(),
            born date NOT NULL, seen timestamp NOT NULL, active boolean NOT NULL,
            status text NOT NULL DEFAULT 'new'
        );
    """)
    gen(pg_db, spec=None, rows=300)
    rows = query(pg_db, "SELECT count(*), count(DISTINCT code), max(length(code)) <= 6, "
                        "count(DISTINCT token), min(stock) > 0, bool_and(status = 'new'), "
                        "count(DISTINCT feeling), min(cardinality(tags)) >= 0 FROM everything")
    # unique varchar(6) codes, domain CHECK respected, constant default left to Postgres
    assert rows == [(300, 300, True, 300, True, True, 3, True)]


def test_hand_numbered_keys_continue_after_existing_rows(pg_db):
    run_sql(pg_db, "CREATE TABLE items (id int PRIMARY KEY, label text NOT NULL)")
    gen(pg_db, spec=None, rows=300)
    assert query(pg_db, "SELECT min(id), max(id) FROM items") == [(1, 300)]
    gen(pg_db, spec=None, rows=300, seed=5)  # ids 1..300 are taken: the next run goes on
    assert query(pg_db, "SELECT count(DISTINCT id), min(id), max(id) FROM items") == [(600, 1, 600)]


def test_rerun_with_same_seed_avoids_keys_already_in_the_table(pg_db):
    run_sql(pg_db, example_schema())
    gen(pg_db, rows=10, tables=["organizations"])
    gen(pg_db, rows=40, tables=["projects"])
    # same seed again: every generated uuid (and (organization_id, name) pair) is taken
    gen(pg_db, rows=40, tables=["projects"])
    assert query(pg_db, "SELECT count(*), count(DISTINCT id), count(DISTINCT (organization_id, name)) "
                        "FROM projects") == [(80, 80, 80)]


def test_bulk_load_without_table_ownership_falls_back_to_row_checks(pg_db, pg_server):
    import secrets

    run_sql(pg_db, """
        CREATE TABLE parents (id int GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, name text NOT NULL);
        CREATE TABLE kids (id int GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                           parent_id int NOT NULL REFERENCES parents, name text NOT NULL);
        CREATE INDEX ON kids (parent_id);
    """)
    role, password = "writer_" + secrets.token_hex(3), secrets.token_hex(8)
    run_sql(pg_db, f"CREATE ROLE {role} LOGIN PASSWORD '{password}'; "
                   f"GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA public TO {role}; "
                   f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {role};")
    try:
        dsn = pg_db.replace(f"{pg_server.user}:{pg_server.password}@", f"{role}:{password}@")
        report = gen(dsn, spec=None, rows=6000)  # large enough for the bulk path
        assert report.total_rows == 12000
        assert query(pg_db, "SELECT count(*) FROM kids k JOIN parents p ON p.id = k.parent_id") == [(6000,)]
        assert query(pg_db, "SELECT count(*) FROM pg_indexes WHERE tablename = 'kids'") == [(2,)]
    finally:
        run_sql(pg_db, f"DROP OWNED BY {role}; DROP ROLE {role}")


def test_one_to_one_cycle_gets_distinct_references(pg_db):
    run_sql(pg_db, """
        CREATE TABLE teams (id int GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, captain_id int UNIQUE,
                            name text NOT NULL);
        CREATE TABLE players (id int GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                              team_id int NOT NULL REFERENCES teams, name text NOT NULL);
        ALTER TABLE teams ADD FOREIGN KEY (captain_id) REFERENCES players;
    """)
    gen(pg_db, spec=None, rows=40)
    assert query(pg_db, "SELECT count(captain_id), count(DISTINCT captain_id) FROM teams") == [(40, 40)]
