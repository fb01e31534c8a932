"""Non-transactional statements mixed with others, and two runners at once."""

import asyncio

import pytest

from core.errors import ExitCode, LockedError, SQLError
from core.pg.migrations import MigrationEngine, MigrationState, migration_lock

from .conftest import exists, query, run, write

MIXED = """create table items (id bigint primary key, sku text);
create index concurrently items_sku on items (sku);
insert into items values (1, 'a'), (2, 'b');
vacuum analyze items;
"""


def test_mixed_file_runs_transactional_part_then_standalone(engine, mdir, pg_db):
    write(mdir, 1, "mixed", MIXED)
    [r] = run(engine.up())
    assert r.statements == 4 and r.standalone == 2
    assert any("runs before the standalone statement at line 2" in n for n in r.notes)
    assert query(pg_db, "select count(*) from items")[0][0] == 2
    assert query(pg_db, "select indisvalid from pg_index where indexrelid = 'items_sku'::regclass")[0][0] is True
    assert run(engine.status())[0].state is MigrationState.APPLIED
    assert query(pg_db, "select state, nontx_done from supabase_migrations.stackyard_migrations") == [("applied", 0)]


def test_failing_standalone_statement_marks_partial_and_resumes(engine, mdir, pg_db):
    p = write(mdir, 1, "idx", "create table u (id bigint, email text);\n"
                              "insert into u values (1, 'x'), (2, 'x');\n"
                              "create unique index concurrently u_email on u (email);\n")
    with pytest.raises(SQLError) as ei:
        run(engine.up())
    e = ei.value
    assert e.line == 3 and e.sqlstate == "23505" and "resume" in e.message
    # the invalid index a failed concurrent build leaves behind is dropped
    assert not exists(pg_db, "u_email")
    st = run(engine.status())[0]
    assert st.state is MigrationState.PARTIAL
    # Supabase's table has no row: the Supabase CLI still sees it as pending
    assert query(pg_db, "select count(*) from supabase_migrations.schema_migrations")[0][0] == 0
    # fix only the standalone statement: up resumes at it and does not re-run the table part
    p.write_text(p.read_text().replace("create unique index", "create index"))
    [r] = run(engine.up())
    assert r.resumed and exists(pg_db, "u_email")
    assert query(pg_db, "select count(*) from u")[0][0] == 2
    assert run(engine.status())[0].state is MigrationState.APPLIED


def test_partial_file_with_changed_transactional_part_is_refused(engine, mdir):
    from core.errors import ConflictError

    p = write(mdir, 1, "idx", "create table u (id bigint);\ncreate index concurrently u_id on u (nope);\n")
    with pytest.raises(SQLError):
        run(engine.up())
    p.write_text("create table u (id bigint, nope int);\ncreate index concurrently u_id on u (nope);\n")
    with pytest.raises(ConflictError) as ei:
        run(engine.up())
    assert "repair 1 --status reverted" in ei.value.hint


def test_transaction_false_section(engine, mdir, pg_db):
    write(mdir, 1, "a", "-- migrate:up transaction:false\ncreate table a (id int);\ncreate index concurrently a_i on a (id);\n")
    [r] = run(engine.up())
    assert r.standalone == 2 and exists(pg_db, "a_i")


def test_second_runner_waits_then_fails_with_locked_error(pg_db, mdir):
    write(mdir, 1, "a", "create table a (id int);\n")

    async def scenario():
        async with migration_lock(pg_db, wait=0):
            with pytest.raises(LockedError) as ei:
                await MigrationEngine(pg_db, mdir, lock_wait=0.3).up()
            return ei.value

    err = run(scenario())
    assert err.exit_code == ExitCode.CONFLICT == 5
    assert "pid" in err.message and "stackyard migrations" in err.message
    assert not exists(pg_db, "a")


def test_second_runner_proceeds_when_first_finishes(pg_db, mdir):
    write(mdir, 1, "a", "create table a (id int);\n")
    write(mdir, 2, "b", "create table b (id int);\n")

    async def scenario():
        first = MigrationEngine(pg_db, mdir, lock_wait=10)
        second = MigrationEngine(pg_db, mdir, lock_wait=10)
        async with migration_lock(pg_db, wait=0):
            waiting = asyncio.create_task(second.up())
            await asyncio.sleep(0.2)
            assert not waiting.done()  # blocked on the lock
        done = await waiting
        return done, await first.up()

    applied_by_second, applied_after = run(scenario())
    assert [a.version for a in applied_by_second] == ["1", "2"]
    assert applied_after == []
    assert exists(pg_db, "b")


def test_two_concurrent_runs_apply_each_file_once(pg_db, mdir):
    for i in range(1, 6):
        write(mdir, i, f"m{i}", f"create table m{i} (id int);\n")

    async def scenario():
        a = MigrationEngine(pg_db, mdir, lock_wait=20)
        b = MigrationEngine(pg_db, mdir, lock_wait=20)
        return await asyncio.gather(a.up(), b.up())

    ra, rb = run(scenario())
    assert sorted(len(r) for r in (ra, rb)) == [0, 5]
    assert query(pg_db, "select count(*) from supabase_migrations.schema_migrations")[0][0] == 5
