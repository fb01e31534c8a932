"""Building blocks other features reuse: one-file-one-transaction apply, the fingerprint."""

import pytest

from core.errors import SQLError, UsageError
from core.pg.migrations import apply_sql_file_in_transaction, connect, fingerprint

from .conftest import exists, query, run, write


def apply(dsn, path, **kw):
    async def go():
        conn = await connect(dsn)
        try:
            return await apply_sql_file_in_transaction(conn, path, **kw)
        finally:
            await conn.close()

    return run(go())


def test_apply_file_in_one_transaction_with_before_commit(pg_db, tmp_path):
    p = tmp_path / "seed.sql"
    p.write_text("create table s (id int);\ninsert into s values (1), (2);\n")
    marks = []

    async def before_commit(conn):
        cur = await conn.execute("select count(*) from s")
        marks.append((await cur.fetchone())[0])

    plan = apply(pg_db, p, before_commit=before_commit)
    assert len(plan.transactional) == 2 and marks == [2]
    assert query(pg_db, "select count(*) from s")[0][0] == 2


def test_apply_file_failure_leaves_nothing(pg_db, tmp_path):
    p = tmp_path / "bad.sql"
    p.write_text("create table s (id int);\n\ninsert into s values ('x');\n")
    with pytest.raises(SQLError) as ei:
        apply(pg_db, p)
    assert ei.value.path == str(p) and ei.value.line == 3
    assert not exists(pg_db, "s")


def test_apply_file_refuses_non_transactional_statements_up_front(pg_db, tmp_path):
    p = tmp_path / "idx.sql"
    p.write_text("create table s (id int);\ncreate index concurrently s_i on s (id);\n")
    with pytest.raises(UsageError) as ei:
        apply(pg_db, p)
    assert f"{p}:2" in ei.value.message
    assert not exists(pg_db, "s")


def test_fingerprint_follows_what_a_migrated_database_holds(mdir):
    write(mdir, 1, "a", "select 1;\n")
    first = fingerprint(mdir)
    (mdir / "1_a.down.sql").write_text("select 2;\n")  # a separate down script changes nothing applied
    assert fingerprint(mdir) == first
    (mdir / "1_a.sql").write_bytes(b"select 1;\r\n")  # nor do line endings
    assert fingerprint(mdir) == first
    (mdir / "1_a.down.sql").unlink()
    (mdir / "1_a.sql").write_text("select 1;\n-- migrate:down\nselect 2;\n")  # the checksum history records
    second = fingerprint(mdir)
    assert second != first
    write(mdir, 2, "b", "select 3;\n")
    assert fingerprint(mdir) != second
