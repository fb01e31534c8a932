"""The fixture Supabase project: bootstrap + migrations + seed on real PG 18, then RLS as PostgREST."""

from __future__ import annotations

import asyncio

import psycopg
import pytest

from core.errors import SQLError, UsageError
from core.supabase import exec_as

ALICE = "11111111-1111-1111-1111-111111111111"
BOB = "22222222-2222-2222-2222-222222222222"


def as_(dsn, q, role="authenticated", claims=None, **kw):
    return asyncio.run(exec_as(dsn, q, role=role, claims=claims, **kw))


def test_trigger_on_auth_users_created_profiles(project_db_readonly):
    dsn, _ = project_db_readonly
    with psycopg.connect(dsn) as c:
        rows = c.execute("select id::text, username, plan::text, length(invite_code) from public.profiles order by username").fetchall()
    assert rows == [(ALICE, "alice", "free", 18), (BOB, "bob", "free", 18)]


def test_auth_helpers_read_claims_like_postgrest(project_db_readonly):
    dsn, _ = project_db_readonly
    row = as_(dsn, "select auth.uid()::text as uid, auth.role() as role, auth.email() as email, "
                   "auth.jwt() ->> 'aal' as aal", claims={"sub": ALICE, "email": "alice@example.com", "aal": "aal1"})[0]
    assert row == {"uid": ALICE, "role": "authenticated", "email": "alice@example.com", "aal": "aal1"}
    assert as_(dsn, "select auth.uid() as uid", role="anon")[0] == {"uid": None}


def test_user_sees_only_own_rows(project_db_readonly):
    dsn, _ = project_db_readonly
    alice = as_(dsn, "select username from public.profiles", claims={"sub": ALICE})
    assert alice == [{"username": "alice"}]
    notes = as_(dsn, "select body from public.notes order by body", claims={"sub": BOB})
    # bob: his own note + alice's public one
    assert [r["body"] for r in notes] == ["alice public", "bob private"]
    view = as_(dsn, "select body from public.my_notes order by body", claims={"sub": ALICE})
    assert [r["body"] for r in view] == ["alice private 1", "alice private 2", "alice public"]


def test_anon_sees_only_public_rows_and_no_profiles(project_db_readonly):
    dsn, _ = project_db_readonly
    assert as_(dsn, "select count(*) as n from public.profiles", role="anon") == [{"n": 0}]
    assert as_(dsn, "select body from public.notes", role="anon") == [{"body": "alice public"}]


def test_service_role_bypasses_rls(project_db_readonly):
    dsn, _ = project_db_readonly
    assert as_(dsn, "select count(*) as n from public.notes", role="service_role") == [{"n": 4}]


def test_writes_are_checked_by_policies(project_db):
    dsn, _ = project_db
    # update someone else's row: no error, zero rows (RLS filters it)
    assert as_(dsn, f"update public.profiles set username = 'x' where id = '{BOB}' returning id",
               claims={"sub": ALICE}) == []
    assert as_(dsn, "update public.profiles set plan = 'pro' returning username",
               claims={"sub": ALICE}) == [{"username": "alice"}]
    # insert owned by the caller (default auth.uid()) works; for another user it violates the policy
    assert as_(dsn, "insert into public.notes (body) values ('mine') returning owner_id::text as o",
               claims={"sub": BOB}) == [{"o": BOB}]
    with pytest.raises(SQLError) as e:
        as_(dsn, f"insert into public.notes (owner_id, body) values ('{ALICE}', 'forged')", claims={"sub": BOB})
    assert e.value.sqlstate == "42501" and "row-level security" in e.value.message


def test_rollback_option_leaves_nothing(project_db_readonly):
    dsn, _ = project_db_readonly
    as_(dsn, "insert into public.notes (body) values ('temp')", claims={"sub": BOB}, rollback=True)
    assert as_(dsn, "select count(*) as n from public.notes", role="service_role") == [{"n": 4}]


def test_auth_users_is_not_readable_by_api_roles(project_db_readonly):
    dsn, _ = project_db_readonly
    with pytest.raises(SQLError) as e:
        as_(dsn, "select * from auth.users", claims={"sub": ALICE})
    assert e.value.sqlstate == "42501"


def test_security_definer_function(project_db_readonly):
    dsn, _ = project_db_readonly
    # runs with the owner's rights: counts alice's private notes although bob cannot see them
    assert as_(dsn, f"select public.note_count('{ALICE}') as n", claims={"sub": BOB}) == [{"n": 3}]
    with pytest.raises(SQLError) as e:
        as_(dsn, f"select public.note_count('{ALICE}')", role="anon")
    assert e.value.sqlstate == "42501"


def test_storage_buckets_from_config_and_folder_policies(project_db):
    dsn, _ = project_db
    buckets = as_(dsn, "select id, public, file_size_limit, allowed_mime_types from storage.buckets order by id",
                  role="service_role")
    assert buckets == [
        {"id": "avatars", "public": True, "file_size_limit": 5 * 1024 * 1024,
         "allowed_mime_types": ["image/png", "image/jpeg"]},
        {"id": "private-docs", "public": False, "file_size_limit": 10 * 1024 * 1024, "allowed_mime_types": None},
    ]
    ok = as_(dsn, f"insert into storage.objects (bucket_id, name, owner) values "
                  f"('avatars', '{ALICE}/me.png', '{ALICE}') returning path_tokens", claims={"sub": ALICE})
    assert ok == [{"path_tokens": [ALICE, "me.png"]}]
    with pytest.raises(SQLError) as e:
        as_(dsn, f"insert into storage.objects (bucket_id, name) values ('avatars', '{BOB}/x.png')",
            claims={"sub": ALICE})
    assert "row-level security" in e.value.message
    assert as_(dsn, "select name from storage.objects", role="anon") == [{"name": f"{ALICE}/me.png"}]
    as_(dsn, f"insert into storage.objects (bucket_id, name) values ('private-docs', '{BOB}/cv.pdf')",
        claims={"sub": BOB})
    assert as_(dsn, "select name from storage.objects where bucket_id = 'private-docs'", claims={"sub": ALICE}) == []


def test_realtime_publication_has_notes(project_db_readonly):
    dsn, _ = project_db_readonly
    with psycopg.connect(dsn) as c:
        owner, = c.execute("select pubowner::regrole::text from pg_publication where pubname = 'supabase_realtime'").fetchone()
        tables = c.execute("select schemaname || '.' || tablename from pg_publication_tables "
                           "where pubname = 'supabase_realtime'").fetchall()
    assert owner == "postgres"
    assert tables == [("public.notes",)]


def test_exec_as_bad_input(project_db_readonly):
    dsn, _ = project_db_readonly
    with pytest.raises(UsageError):
        as_(dsn, "select 1", role="no_such_role")
    with pytest.raises(UsageError):
        as_(dsn, "select 1", claims={"role": "service_role"})  # claims and role disagree
    with pytest.raises(UsageError):
        as_(dsn, "   ")
    with pytest.raises(SQLError) as e:
        as_(dsn, "select * from public.nope")
    assert e.value.sqlstate == "42P01"


def test_several_statements_return_the_last_rows(project_db):
    dsn, _ = project_db
    rows = as_(dsn, "insert into public.notes (body) values ('one'); select count(*) as n from public.notes",
               claims={"sub": BOB})
    assert rows == [{"n": 3}]  # bob's own two + alice's public note
