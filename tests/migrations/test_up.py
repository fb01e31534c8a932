"""`up`: history in both tables, one transaction per file, clear errors, nothing half-applied."""

from pathlib import Path

import pytest

from core.errors import ConflictError, ExitCode, SQLError
from core.pg.migrations import MigrationState, checksum_of

from .conftest import exists, query, run, write


def ten_migrations(mdir: Path, bad: int | None = None) -> None:
    for i in range(1, 11):
        body = f"create table t{i} (id bigint primary key, note text default 'a;b');\n"
        body += f"insert into t{i} (id) values ({i});\n"
        if i == bad:
            body += "\ncreate table broken (\n  id bigint,\n  oops int int\n);\n"
        write(mdir, 20240101000000 + i, f"m{i}", body)


def test_up_applies_all_and_records_supabase_compatible_history(engine, mdir, pg_db):
    ten_migrations(mdir)
    applied = run(engine.up())
    assert [a.version for a in applied] == [str(20240101000000 + i) for i in range(1, 11)]
    assert all(exists(pg_db, f"t{i}") for i in range(1, 11))
    rows = query(pg_db, "select version, name, statements from supabase_migrations.schema_migrations order by 1")
    assert len(rows) == 10
    assert rows[0][1] == "m1"
    assert rows[0][2] == ["create table t1 (id bigint primary key, note text default 'a;b')",
                          "insert into t1 (id) values (1)"]
    ours = query(pg_db, "select version, checksum, applied_by, stackyard_version, state, duration_ms"
                        " from supabase_migrations.stackyard_migrations order by 1")
    assert ours[0][1] == checksum_of((mdir / "20240101000001_m1.sql").read_bytes())
    assert ours[0][2] == "postgres" and ours[0][3] and ours[0][4] == "applied" and ours[0][5] is not None
    assert run(engine.up()) == []  # idempotent
    assert {s.state for s in run(engine.status())} == {MigrationState.APPLIED}


def test_syntax_error_in_seventh_of_ten(engine, mdir, pg_db):
    ten_migrations(mdir, bad=7)
    with pytest.raises(SQLError) as ei:
        run(engine.up())
    e = ei.value
    assert e.path.endswith("20240101000007_m7.sql")
    assert e.line == 6  # the line with "oops int int", from the server's error position
    assert "syntax error" in e.message and e.message.startswith(f"{e.path}:6: ")
    assert e.sqlstate == "42601" and "oops int int" in e.statement
    assert e.exit_code == ExitCode.FAILED
    assert all(exists(pg_db, f"t{i}") for i in range(1, 7))
    assert not exists(pg_db, "t7")  # the first statement of the failing file was rolled back too
    assert not exists(pg_db, "t8")
    states = {s.version[-2:]: s.state for s in run(engine.status())}
    assert [states[f"{i:02d}"] for i in range(1, 11)] == [MigrationState.APPLIED] * 6 + [MigrationState.PENDING] * 4
    # fix the file, run again: continues at 7
    p = mdir / "20240101000007_m7.sql"
    p.write_text(p.read_text().replace("oops int int", "oops int"))
    assert [a.version[-2:] for a in run(engine.up())] == ["07", "08", "09", "10"]


def test_runtime_error_reports_server_message_hint_and_statement(engine, mdir):
    write(mdir, 1, "a", "create table a (id int);\n")
    write(mdir, 2, "b", "insert into a values (1);\n\ninsert into a values ('x');\n")
    with pytest.raises(SQLError) as ei:
        run(engine.up())
    assert ei.value.line == 3 and ei.value.sqlstate == "22P02"
    assert ei.value.statement == "insert into a values ('x')"
    write(mdir, 2, "b", "select missing_fn();\n")
    with pytest.raises(SQLError) as ei:
        run(engine.up())
    assert ei.value.hint and "function" in ei.value.hint.lower()


def test_up_to_and_dry_run(engine, mdir, pg_db):
    ten_migrations(mdir)
    planned = run(engine.up(dry_run=True))
    assert len(planned) == 10 and all(p.dry_run for p in planned)
    assert not exists(pg_db, "t1")
    assert len(run(engine.up(to="20240101000003"))) == 3
    assert exists(pg_db, "t3") and not exists(pg_db, "t4")


def test_session_settings_do_not_leak_between_files(engine, mdir, pg_db):
    write(mdir, 1, "a", "set search_path = nowhere;\nselect 1;\n")
    write(mdir, 2, "b", "create table public_t (id int);\n")
    run(engine.up())
    assert exists(pg_db, "public.public_t")


def test_file_begin_commit_are_skipped_and_atomicity_kept(engine, mdir, pg_db):
    write(mdir, 1, "a", "begin;\ncreate table a (id int);\ncommit;\nbegin;\ninsert into a values ('bad');\ncommit;\n")
    with pytest.raises(SQLError):
        run(engine.up())
    assert not exists(pg_db, "a")


def test_statement_timeout_is_applied(pg_db, mdir):
    from core.pg.migrations import MigrationEngine

    write(mdir, 1, "slow", "select pg_sleep(5);\n")
    eng = MigrationEngine(pg_db, mdir, statement_timeout=0.2)
    with pytest.raises(SQLError) as ei:
        run(eng.up())
    assert ei.value.sqlstate == "57014" and "statement_timeout" in ei.value.hint


def test_out_of_order_refused_unless_include_all(engine, mdir, pg_db):
    write(mdir, 20240102, "b", "create table b (id int);\n")
    run(engine.up())
    write(mdir, 20240101, "a", "create table a (id int);\n")
    [st] = [s for s in run(engine.status()) if s.version == "20240101"]
    assert st.state is MigrationState.PENDING and st.out_of_order
    with pytest.raises(ConflictError) as ei:
        run(engine.up())
    assert "20240101_a.sql" in ei.value.message and "--include-all" in ei.value.hint
    assert not exists(pg_db, "a")
    assert [a.version for a in run(engine.up(include_all=True))] == ["20240101"]


def test_applied_version_missing_locally_is_reported(engine, mdir):
    p = write(mdir, 1, "a", "create table a (id int);\n")
    run(engine.up())
    p.unlink()
    write(mdir, 2, "b", "create table b (id int);\n")
    assert [s.state for s in run(engine.status())] == [MigrationState.MISSING, MigrationState.PENDING]
    with pytest.raises(ConflictError) as ei:
        run(engine.up())
    assert "repair 1 --status reverted" in ei.value.hint


def test_invalid_to_version_is_usage_error(engine):
    from core.errors import UsageError

    with pytest.raises(UsageError):
        run(engine.up(to="abc"))


def test_server_warnings_reach_the_bus(pg_db, mdir):
    from core.events import EventBus, Message
    from core.pg.migrations import MigrationEngine

    bus = EventBus()
    seen = []
    bus.on(lambda ev: seen.append(ev) if isinstance(ev, Message) else None)
    write(mdir, 1, "a", "do $$ begin raise warning 'careful: %', 42; raise notice 'routine'; end $$;\n")
    run(MigrationEngine(pg_db, mdir, bus=bus).up())
    texts = [m.text for m in seen if m.level == "warning"]
    assert "server: careful: 42" in texts and not any("routine" in t for t in texts)


def test_unparseable_later_file_fails_before_anything_runs(engine, mdir, pg_db):
    write(mdir, 1, "a", "create table a (id int);\n")
    write(mdir, 2, "b", "create table b (id int);\ninsert into b values ('unterminated);\n")
    with pytest.raises(SQLError) as ei:
        run(engine.up())
    assert ei.value.exit_code == ExitCode.USAGE and ei.value.line == 2 and ei.value.path.endswith("2_b.sql")
    assert not exists(pg_db, "a")


def test_bad_files_are_config_errors(engine, mdir):
    from core.errors import ConfigError

    (mdir / "1_a.sql").write_bytes(b"select '\xff';\n")
    with pytest.raises(ConfigError) as ei:
        run(engine.status())
    assert "UTF-8" in ei.value.message and ei.value.path.endswith("1_a.sql")
    (mdir / "1_a.sql").write_text("select 1;\n")
    (mdir / "1_b.sql").write_text("select 1;\n")
    with pytest.raises(ConfigError) as ei:
        run(engine.status())
    assert "version" in ei.value.message


def test_set_role_in_a_migration_does_not_break_history(engine, mdir, pg_db):
    query(pg_db, "create role mig_reader nologin")
    try:
        write(mdir, 1, "a", "create table a (id int);\ngrant select on a to mig_reader;\nset role mig_reader;\n"
                            "select count(*) from a;\n")
        write(mdir, 2, "b", "create table b (id int);\n")  # runs as the migration user again
        run(engine.up())
        assert query(pg_db, "select tableowner from pg_tables where tablename = 'b'") == [("postgres",)]
        assert len(run(engine.status())) == 2
    finally:
        query(pg_db, "drop owned by mig_reader; drop role mig_reader")


def test_copy_from_stdin_in_a_migration(engine, mdir, pg_db):
    write(mdir, 1, "a", "create table t (a int, b text);\nCOPY t (a, b) FROM stdin;\n1\tone\n2\ttwo\n\\.\n"
                        "insert into t values (3, 'three');\n")
    run(engine.up())
    assert query(pg_db, "select count(*) from t")[0][0] == 3
    write(mdir, 2, "b", "create table u (a int);\nCOPY u FROM stdin;\n1\nnot-a-number\n\\.\n")
    with pytest.raises(SQLError) as ei:
        run(engine.up())
    assert ei.value.line == 4 and ei.value.sqlstate == "22P02"
    assert not exists(pg_db, "u")
