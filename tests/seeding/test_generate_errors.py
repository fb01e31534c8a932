"""Bad specs and impossible constraints: clear errors with file:line, and nothing inserted."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from core.errors import ConfigError, UsageError
from core.pg.generate import generate
from tests.seeding.helpers import example_schema, query, run_sql


def gen(dsn, spec, **kw):
    return asyncio.run(generate(dsn, Path(spec) if spec else None, **kw))


def write(tmp_path, text: str) -> Path:
    p = tmp_path / "spec.yaml"
    p.write_text(text)
    return p


def test_reference_to_missing_table_is_a_config_error_with_line(pg_db, tmp_path):
    run_sql(pg_db, example_schema())
    spec = write(tmp_path, (
        "tables:\n"
        "  users:\n"
        "    rows: 10\n"
        "    columns:\n"
        "      organization_id: {ref: organisations.id}\n"
    ))
    with pytest.raises(ConfigError) as e:
        gen(pg_db, spec)
    err = e.value
    assert (err.path, err.line, err.col) == (str(spec), 5, 30)
    assert "referenced table 'organisations' does not exist" in err.message
    assert err.hint == "did you mean organizations?"
    assert query(pg_db, "SELECT count(*) FROM users") == [(0,)]


def test_reference_to_missing_column_and_unknown_table_and_column(pg_db, tmp_path):
    run_sql(pg_db, example_schema())
    cases = [
        ("tables:\n  users:\n    columns:\n      organization_id: {ref: organizations.uuid}\n",
         4, "referenced column 'uuid' does not exist in table organizations"),
        ("tables:\n  users: {rows: 3}\n  projets: {rows: 3}\n", 3, "table 'projets' does not exist"),
        ("tables:\n  users:\n    columns:\n      emial: {faker: email}\n", 4,
         "column 'emial' does not exist in table users"),
    ]
    for text, line, message in cases:
        with pytest.raises(ConfigError) as e:
            gen(pg_db, write(tmp_path, text))
        assert e.value.line == line and message in e.value.message, e.value


def test_bad_generator_shapes_fail_before_touching_the_database(tmp_path):
    cases = [
        ("tables:\n  users:\n    columns:\n      email: {faker: emial}\n", 4, "unknown Faker provider 'emial'"),
        ("tables:\n  users:\n    columns:\n      age: {rnage: [1, 2]}\n", 4, "unknown column key 'rnage'"),
        ("tables:\n  users:\n    columns:\n      age: {range: [9, 2]}\n", 4, "range low 9 is above high 2"),
        ("tables:\n  users:\n    rows: -1\n", 3, "rows must be a non-negative integer"),
        ("tables:\n  users:\n    columns:\n      a: {value: 1, choices: [1]}\n", 4, "exactly one generator"),
        ("tables: [users\n", 2, "invalid YAML"),
    ]
    for text, line, message in cases:
        with pytest.raises(ConfigError) as e:
            # an unreachable DSN: spec errors must be raised before any connection is tried
            gen("postgresql://nobody@127.0.0.1:1/none", write(tmp_path, text))
        assert e.value.line == line and message in e.value.message, e.value
    with pytest.raises(ConfigError) as e:
        gen("postgresql://nobody@127.0.0.1:1/none", write(tmp_path, "tables:\n  u:\n    columns:\n      e: {faker: emial}\n"))
    assert e.value.hint and "email" in e.value.hint


def test_impossible_unique_fails_fast_with_table_column_and_count(pg_db, tmp_path):
    run_sql(pg_db, "CREATE TABLE flags (id serial PRIMARY KEY, flag boolean NOT NULL UNIQUE)")
    with pytest.raises(UsageError) as e:
        gen(pg_db, None, rows=10)
    assert "cannot generate 10 unique value(s) for flags(flag)" in e.value.message
    assert "at most 2 distinct" in e.value.message
    assert query(pg_db, "SELECT count(*) FROM flags") == [(0,)]


def test_unique_without_known_cardinality_stops_after_bounded_redraws(pg_db, tmp_path):
    run_sql(pg_db, "CREATE TABLE coins (side boolean UNIQUE)")
    spec = write(tmp_path, "tables:\n  coins:\n    rows: 50\n    columns:\n      side: {faker: boolean}\n")
    with pytest.raises(UsageError) as e:
        gen(pg_db, spec)
    assert "coins(side)" in e.value.message and "redraws" in e.value.message


def test_unique_int_range_exactly_as_large_as_rows_succeeds(pg_db, tmp_path):
    run_sql(pg_db, "CREATE TABLE seats (n int NOT NULL UNIQUE, row_label text)")
    spec = write(tmp_path, "tables:\n  seats:\n    rows: 500\n    columns:\n      n: {range: [1, 500]}\n")
    gen(pg_db, spec)
    assert query(pg_db, "SELECT count(DISTINCT n), min(n), max(n) FROM seats") == [(500, 1, 500)]


def test_composite_primary_key_over_two_references(pg_db):
    run_sql(pg_db, """
        CREATE TABLE people (id serial PRIMARY KEY, name text NOT NULL);
        CREATE TABLE clubs (id serial PRIMARY KEY, name text NOT NULL);
        CREATE TABLE memberships (person_id int REFERENCES people, club_id int REFERENCES clubs,
                                  PRIMARY KEY (person_id, club_id));
    """)
    gen(pg_db, None, rows=6, tables=["people", "clubs"])
    asyncio.run(generate(pg_db, None, rows=36, tables=["memberships"]))  # every pair, exactly
    assert query(pg_db, "SELECT count(*) FROM memberships") == [(36,)]
    with pytest.raises(UsageError) as e:
        asyncio.run(generate(pg_db, None, rows=1, tables=["memberships"]))  # all 36 pairs taken
    assert "already in the table" in e.value.message


def test_cycle_through_not_null_keys_is_refused(pg_db):
    run_sql(pg_db, """
        CREATE TABLE x (id int PRIMARY KEY, y_id int NOT NULL);
        CREATE TABLE y (id int PRIMARY KEY, x_id int NOT NULL REFERENCES x);
        ALTER TABLE x ADD FOREIGN KEY (y_id) REFERENCES y;
    """)
    with pytest.raises(UsageError) as e:
        gen(pg_db, None, rows=5)
    assert "cycle through NOT NULL" in e.value.message and "x" in e.value.message


def test_unparsed_check_violation_names_the_constraint_and_rolls_back_everything(pg_db):
    run_sql(pg_db, """
        CREATE TABLE trips (id serial PRIMARY KEY, title text NOT NULL);
        CREATE TABLE legs (id serial PRIMARY KEY, trip_id int NOT NULL REFERENCES trips,
                           starts date NOT NULL, ends date NOT NULL,
                           CONSTRAINT legs_order CHECK (ends >= starts));
    """)
    with pytest.raises(UsageError) as e:
        gen(pg_db, None, rows=200)
    assert "legs_order" in e.value.message and "CHECK ((ends >= starts))" in e.value.message
    assert "spec" in e.value.hint
    # one transaction: the parent table loaded before the failure is empty again
    assert query(pg_db, "SELECT (SELECT count(*) FROM trips), (SELECT count(*) FROM legs)") == [(0, 0)]


def test_bad_sql_expression_points_at_the_spec(pg_db, tmp_path):
    run_sql(pg_db, "CREATE TABLE t (v int)")
    spec = write(tmp_path, "tables:\n  t:\n    rows: 3\n    columns:\n      v: {sql: 'nosuchfn(1)'}\n")
    with pytest.raises(ConfigError) as e:
        gen(pg_db, spec)
    assert e.value.line == 5 and "nosuchfn" in e.value.message


def test_unknown_table_in_filter_is_a_usage_error(pg_db):
    run_sql(pg_db, "CREATE TABLE t (v int)")
    with pytest.raises(UsageError) as e:
        gen(pg_db, None, tables=["nope"])
    assert "'nope'" in e.value.message and "t" in e.value.hint


def test_unknown_locale_is_a_config_error(tmp_path):
    spec = write(tmp_path, "locale: xx_XX\ntables:\n  t: {rows: 1}\n")
    with pytest.raises(ConfigError) as e:
        gen("postgresql://nobody@127.0.0.1:1/none", spec)
    assert (e.value.line, e.value.col) == (1, 9) and "xx_XX" in e.value.message


def test_failed_bulk_load_keeps_parked_constraints_and_indexes(pg_db):
    run_sql(pg_db, """
        CREATE TABLE trips (id serial PRIMARY KEY, title text NOT NULL);
        CREATE TABLE legs (id serial PRIMARY KEY, trip_id int NOT NULL REFERENCES trips,
                           starts date NOT NULL, ends date NOT NULL,
                           CONSTRAINT legs_order CHECK (ends >= starts));
        CREATE INDEX legs_trip ON legs (trip_id);
    """)
    catalog = ("SELECT (SELECT count(*) FROM pg_constraint WHERE conrelid = 'legs'::regclass "
               "AND contype IN ('p', 'f', 'c')), "
               "(SELECT count(*) FROM pg_indexes WHERE tablename = 'legs')")
    before = query(pg_db, catalog)
    with pytest.raises(UsageError):
        gen(pg_db, None, rows=6000)  # large enough to park FKs and indexes first
    assert query(pg_db, catalog) == before == [(3, 2)]
    assert query(pg_db, "SELECT count(*) FROM trips") == [(0,)]
