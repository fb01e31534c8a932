"""Edited-after-applied files, verify scripts, and repair (history-only edits)."""

import pytest

from core.errors import ConflictError, UsageError
from core.pg.migrations import MigrationState

from .conftest import query, run, write


def test_edited_file_is_flagged_and_up_refuses_unless_allowed(engine, mdir, pg_db):
    p = write(mdir, 1, "a", "create table a (id int);\n")
    run(engine.up())
    p.write_text("create table a (id int, extra text);\n")
    write(mdir, 2, "b", "create table b (id int);\n")
    st = run(engine.status())
    assert st[0].state is MigrationState.CHANGED and st[0].checksum != st[0].applied_checksum
    report = run(engine.verify())
    assert not report.ok and report.items[0].checksum == "changed"
    with pytest.raises(ConflictError) as ei:
        run(engine.up())
    assert "1_a.sql" in ei.value.message and "--allow-changed" in ei.value.hint
    assert query(pg_db, "select to_regclass('b')")[0][0] is None
    assert [a.version for a in run(engine.up(allow_changed=True))] == ["2"]


def test_line_ending_change_is_not_an_edit(engine, mdir):
    p = write(mdir, 1, "a", "create table a (id int);\nselect 1;\n")
    run(engine.up())
    p.write_bytes(p.read_bytes().replace(b"\n", b"\r\n"))
    assert run(engine.status())[0].state is MigrationState.APPLIED
    assert run(engine.verify()).ok


def test_verify_scripts_in_file_and_beside_it(engine, mdir, pg_db):
    write(mdir, 1, "a", "-- migrate:up\ncreate table a (id int);\n-- migrate:verify\n"
                        "select to_regclass('a') is not null;\n")
    write(mdir, 2, "b", "create table b (id int);\n")
    (mdir / "2_b.verify.sql").write_text("select count(*) = 1 from b;\n")
    run(engine.up())
    report = run(engine.verify())
    assert not report.ok
    items = {i.version: i for i in report.items}
    assert items["1"].script == "passed" and items["1"].ok
    assert items["2"].script == "failed" and "returned False" in items["2"].message
    query(pg_db, "insert into b values (1)")
    assert run(engine.verify()).ok
    # a verify script with an error fails with its location, and verify changes nothing
    (mdir / "2_b.verify.sql").write_text("delete from b;\nselect nope from b;\n")
    report = run(engine.verify())
    assert not report.ok and "2_b.verify.sql:2" in report.items[1].message
    assert query(pg_db, "select count(*) from b")[0][0] == 1


def test_repair_marks_applied_and_reverted(engine, mdir, pg_db):
    write(mdir, 1, "a", "create table a (id int);\n")
    st = run(engine.repair("1", "applied"))
    assert st.state is MigrationState.APPLIED
    assert query(pg_db, "select to_regclass('a')")[0][0] is None  # history only
    assert query(pg_db, "select statements from supabase_migrations.schema_migrations")[0][0] == \
        ["create table a (id int)"]
    st = run(engine.repair("1", "reverted"))
    assert st.state is MigrationState.PENDING
    # repair realigns the checksum of an edited file
    p = mdir / "1_a.sql"
    run(engine.up())
    p.write_text("create table a (id bigint);\n")
    assert run(engine.status())[0].state is MigrationState.CHANGED
    assert run(engine.repair("1", "applied")).state is MigrationState.APPLIED
    # a version without a local file: bare Supabase-style row, then shown as missing
    assert run(engine.repair("99", "applied")).state is MigrationState.MISSING
    with pytest.raises(UsageError):
        run(engine.repair("1", "done"))
    with pytest.raises(UsageError):
        run(engine.repair("x1", "applied"))


def test_history_written_by_supabase_cli_is_understood(engine, mdir, pg_db):
    """A database migrated by the Supabase CLI (no stackyard table) shows as applied."""
    write(mdir, 1, "a", "create table a (id int);\n")
    query(pg_db, "create schema supabase_migrations; create table supabase_migrations.schema_migrations"
                 " (version text primary key, statements text[], name text);"
                 " insert into supabase_migrations.schema_migrations values ('1', '{}', 'a')")
    st = run(engine.status())
    assert st[0].state is MigrationState.APPLIED and st[0].applied_checksum is None
    write(mdir, 2, "b", "create table b (id int);\n")
    assert [a.version for a in run(engine.up())] == ["2"]
    assert run(engine.verify()).items[0].checksum == "unknown"
