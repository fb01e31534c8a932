"""Migrated templates for fast resets: built once per migration set, cloned after."""

import psycopg
import pytest
from psycopg import sql

from core.errors import SQLError
from core.pg.migrations.template import PREFIX, ensure_migrated_template, template_name

from .conftest import query, run, write


def drop(admin, name):
    with psycopg.connect(admin, autocommit=True) as c:
        c.execute(sql.SQL("ALTER DATABASE {} WITH IS_TEMPLATE false").format(sql.Identifier(name)))
        c.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def test_template_built_once_and_cloneable(pg_server, mdir):
    admin = pg_server.dsn()
    write(mdir, 1, "a", "create table a (id int); insert into a values (1), (2);\n")
    seeded = []

    async def finish(dsn):
        seeded.append(dsn)

    name, built = run(ensure_migrated_template(admin, mdir, finish=finish))
    try:
        assert built and name.startswith(PREFIX + "18_") and len(seeded) == 1
        assert run(ensure_migrated_template(admin, mdir)) == (name, False)
        with psycopg.connect(admin, autocommit=True) as c:
            c.execute(sql.SQL("CREATE DATABASE tpl_clone TEMPLATE {}").format(sql.Identifier(name)))
        try:
            clone = pg_server.dsn("tpl_clone")
            assert query(clone, "select count(*) from a")[0][0] == 2
            assert query(clone, "select version from supabase_migrations.schema_migrations") == [("1",)]
        finally:
            drop(admin, "tpl_clone")
        # any change to the migrations gives another template name
        write(mdir, 2, "b", "create table b (id int);\n")
        assert template_name(mdir, 18) != name
    finally:
        drop(admin, name)


def test_failed_build_leaves_no_template(pg_server, mdir):
    admin = pg_server.dsn()
    write(mdir, 1, "a", "create table a (id int);\nselect nope;\n")
    with pytest.raises(SQLError):
        run(ensure_migrated_template(admin, mdir))
    names = query(admin, "select datname from pg_database where datname = %s or datname like %s",
                  (template_name(mdir, 18), PREFIX + "build_%"))
    assert names == []
