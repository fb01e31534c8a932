"""New environments are migrated and seeded; db reset rebuilds from a cached template; db seed."""

from __future__ import annotations

import psycopg
import pytest

from core.api import Workspace
from core.errors import SQLError

from .conftest import arun


def q(url, sql):
    with psycopg.connect(url, autocommit=True) as c:
        cur = c.execute(sql)
        return cur.fetchall() if cur.description else None


@pytest.fixture
def migrated_project(project):
    (project / "stackyard.yaml").write_text(
        "project: shop\nservices:\n  db: {kind: postgres}\nmigrations: {dir: migrations}\n"
        "seeds: {paths: [seeds/*.sql]}\n")
    (project / "migrations").mkdir()
    (project / "seeds").mkdir()
    (project / "migrations" / "20260101000000_items.sql").write_text(
        "create table items(id int primary key, name text not null);\n")
    (project / "migrations" / "20260102000000_price.sql").write_text(
        "alter table items add column price numeric(10,2) not null default 0;\n")
    (project / "seeds" / "items.sql").write_text("insert into items(id, name, price) values (1, 'one', 1.5), (2, 'two', 2);\n")
    return project


def test_up_migrates_and_seeds_a_new_environment(migrated_project):
    async def go():
        async with Workspace.open(migrated_project) as ws:
            await ws.up("dev")
            url = await ws.database_url("dev")
            assert q(url, "select id, name from items order by id") == [(1, "one"), (2, "two")]
            versions = q(url, "select version from supabase_migrations.schema_migrations order by 1")
            assert versions == [("20260101000000",), ("20260102000000",)]
            # a second up does not re-run anything
            await ws.down("dev")
            await ws.up("dev")
            assert q(url, "select count(*) from items") == [(2,)]
            # staging profile: migrated but not seeded
            await ws.up("stage", profile="staging")
            surl = await ws.database_url("stage")
            assert q(surl, "select count(*) from items") == [(0,)]
    arun(go())


def test_db_reset_restores_and_caches_the_template(migrated_project):
    async def go():
        async with Workspace.open(migrated_project) as ws:
            await ws.up("dev")
            url = await ws.database_url("dev")
            q(url, "delete from items; insert into items values (9, 'mine', 0)")
            first = await ws.db_reset("dev")
            assert first["template_built"] is True
            assert q(url, "select id from items order by id") == [(1,), (2,)]
            q(url, "truncate items")
            second = await ws.db_reset("dev")
            assert second["template_built"] is False and second["template"] == first["template"]
            assert q(url, "select count(*) from items") == [(2,)]
            assert await ws.database_url("dev") == url
            # a new migration changes the template key; the old template is dropped
            (migrated_project / "migrations" / "20260103000000_tag.sql").write_text("alter table items add column tag text;\n")
            third = await ws.db_reset("dev")
            assert third["template_built"] is True and third["template"] != first["template"]
            assert third["old_templates_dropped"] == 1
            assert q(url, "select count(*) from information_schema.columns where table_name='items' and column_name='tag'") == [(1,)]
    arun(go())


def test_failing_seed_reports_file_line_and_keeps_data(migrated_project):
    async def go():
        async with Workspace.open(migrated_project) as ws:
            await ws.up("dev")
            url = await ws.database_url("dev")
            (migrated_project / "seeds" / "zz_bad.sql").write_text(
                "insert into items values (3, 'three', 3);\n\ninsert into items values (1, 'dup', 0);\n")
            with pytest.raises(SQLError) as ei:
                await ws.db_seed("dev")
            e = ei.value
            assert e.path.endswith("zz_bad.sql") and e.line == 3 and "duplicate key" in e.message
            assert "insert into items values (1, 'dup', 0)" in e.statement
            assert q(url, "select id from items order by id") == [(1,), (2,)]  # nothing of the file applied
    arun(go())


def test_broken_migration_fails_up_and_rolls_back_the_new_env(migrated_project):
    (migrated_project / "migrations" / "20260104000000_bad.sql").write_text("alter table items add column oops nonsense_type;\n")

    async def go():
        async with Workspace.open(migrated_project) as ws:
            with pytest.raises(SQLError) as ei:
                await ws.up("dev")
            assert ei.value.path.endswith("20260104000000_bad.sql") and ei.value.line == 1
            assert ws.state.get_env("dev") is None
            assert not ws.env_dir("dev").exists()
    arun(go())
