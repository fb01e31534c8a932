"""Squash/baseline in a Supabase project: what migrations add to auth/storage is kept."""

import psycopg
import pytest

from core.pg.migrations import SUPABASE_MANAGED_SCHEMAS as SUPABASE_SCHEMAS
from core.pg.migrations import MigrationEngine, MigrationState
from core.supabase import bootstrap

from .conftest import query, run, write

USER = "00000000-0000-0000-0000-000000000001"

MIGRATIONS = [
    ("create table public.profiles (id uuid primary key references auth.users (id) on delete cascade,"
     " email text);\nalter table public.profiles enable row level security;\n"
     "create policy own_profile on public.profiles for select using ((select auth.uid()) = id);\n"),
    ("create function public.handle_new_user() returns trigger language plpgsql security definer"
     " set search_path = '' as $$\nbegin insert into public.profiles (id, email) values (new.id, new.email);"
     " return new; end $$;\n"
     "create trigger on_auth_user_created after insert on auth.users for each row"
     " execute function public.handle_new_user();\n"),
    "insert into storage.buckets (id, name, public) values ('avatars', 'avatars', true);\n",
    f"insert into auth.users (id, email) values ('{USER}', 'a@example.com');\n",
]


async def prepare(dsn: str) -> None:
    await bootstrap(dsn)


def supabase_engine(dsn, mdir):
    return MigrationEngine(dsn, mdir, managed_schemas=SUPABASE_SCHEMAS, prepare_scratch=prepare)


@pytest.fixture
def supa_db(pg_db):
    run(bootstrap(pg_db))
    return pg_db


def test_squash_keeps_auth_trigger_and_bucket_rows(supa_db, mdir, pg_server):
    for i, body in enumerate(MIGRATIONS, 1):
        write(mdir, i, f"s{i}", body)
    eng = supabase_engine(supa_db, mdir)
    run(eng.up())
    result = run(eng.squash())
    text = result.path.read_text()
    assert "on_auth_user_created" in text and "'avatars'" in text
    assert "CREATE TABLE auth.users" not in text  # the bootstrap's own objects stay out
    assert [s.state for s in run(eng.status())] == [MigrationState.APPLIED]
    admin = pg_server.dsn()
    with psycopg.connect(admin, autocommit=True) as c:
        c.execute("create database supa_replay")
    try:
        dsn = pg_server.dsn("supa_replay")
        run(bootstrap(dsn))
        run(MigrationEngine(dsn, mdir).up())
        assert query(dsn, "select email from public.profiles") == [("a@example.com",)]  # trigger fired once
        assert query(dsn, "select count(*) from storage.buckets where id = 'avatars'")[0][0] == 1
        query(dsn, "insert into auth.users (id, email) values (gen_random_uuid(), 'b@example.com')")
        assert query(dsn, "select count(*) from public.profiles")[0][0] == 2  # trigger carried over
    finally:
        with psycopg.connect(admin, autocommit=True) as c:
            c.execute("drop database supa_replay with (force)")


def test_baseline_keeps_auth_trigger(supa_db, mdir):
    for body in MIGRATIONS[:2]:
        query(supa_db, body)
    path = run(supabase_engine(supa_db, mdir).baseline())
    text = path.read_text()
    assert "CREATE TRIGGER on_auth_user_created" in text and "CREATE TABLE public.profiles" in text
    assert "CREATE TABLE auth.users" not in text
