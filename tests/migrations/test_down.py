"""`down`: in-file and sidecar down scripts, refusing before running anything."""

import pytest

from core.errors import NotFoundError, UsageError
from core.pg.migrations import MigrationState

from .conftest import exists, run, write


def three(mdir):
    write(mdir, 1, "a", "-- migrate:up\ncreate table a (id int);\n\n-- migrate:down\ndrop table a;\n")
    write(mdir, 2, "b", "create table b (id int);\n")
    (mdir / "2_b.down.sql").write_text("drop table b;\n")
    write(mdir, 3, "c", "-- migrate:up\ncreate table c (id int);\n-- migrate:down\ndrop table c;\n")


def test_down_last_and_to(engine, mdir, pg_db):
    three(mdir)
    run(engine.up())
    assert exists(pg_db, "a")  # the down section did not run on up
    [r] = run(engine.down())
    assert r.version == "3" and r.direction == "down" and not exists(pg_db, "c")
    assert [s.state for s in run(engine.status())][-1] is MigrationState.PENDING
    run(engine.up())
    assert [r.version for r in run(engine.down(last=2))] == ["3", "2"]
    assert exists(pg_db, "a") and not exists(pg_db, "b")
    run(engine.up())
    assert [r.version for r in run(engine.down(to="0"))] == ["3", "2", "1"]
    assert not exists(pg_db, "a")


def test_missing_down_refused_before_running_anything(engine, mdir, pg_db):
    three(mdir)
    write(mdir, 4, "d", "create table d (id int);\n")
    run(engine.up())
    with pytest.raises(NotFoundError) as ei:
        run(engine.down(last=2))
    assert "4_d.sql" in ei.value.message and "nothing was run" in ei.value.message
    assert exists(pg_db, "d") and exists(pg_db, "c")  # 3 has a down, but nothing ran
    assert all(s.state is MigrationState.APPLIED for s in run(engine.status()))


def test_failing_down_rolls_back_and_keeps_history(engine, mdir, pg_db):
    write(mdir, 1, "a", "-- migrate:up\ncreate table a (id int);\n-- migrate:down\ndrop table a;\ndrop table nope;\n")
    run(engine.up())
    from core.errors import SQLError

    with pytest.raises(SQLError) as ei:
        run(engine.down())
    assert ei.value.line == 5
    assert exists(pg_db, "a") and run(engine.status())[0].state is MigrationState.APPLIED


def test_down_argument_errors(engine):
    with pytest.raises(UsageError):
        run(engine.down(to="1", last=1))
    with pytest.raises(UsageError):
        run(engine.down(last=0))


def test_section_parsing_errors(engine, mdir):
    from core.errors import ConfigError

    write(mdir, 1, "a", "-- migrate:up\nselect 1;\n-- migrate:up\nselect 2;\n")
    with pytest.raises(ConfigError) as ei:
        run(engine.status())
    assert ei.value.line == 3
    (mdir / "1_a.sql").write_text("-- migrate:down\nselect 1;\n")
    (mdir / "1_a.down.sql").write_text("select 1;\n")
    with pytest.raises(ConfigError):
        run(engine.status())


def test_down_and_verify_scripts_in_subfolders(engine, mdir, pg_db):
    write(mdir, 1, "a", "create table a (id int);\n")
    (mdir / "down").mkdir()
    (mdir / "verify").mkdir()
    (mdir / "down" / "1_a.sql").write_text("drop table a;\n")
    (mdir / "verify" / "1_a.sql").write_text("select to_regclass('a') is not null;\n")
    run(engine.up())
    st = run(engine.status())
    assert len(st) == 1 and st[0].has_down and st[0].has_verify  # subfolder files are not migrations
    assert run(engine.verify()).items[0].script == "passed"
    run(engine.down())
    assert not exists(pg_db, "a")
