"""The bootstrap on the shared embedded server (no pgcrypto, no uuid-ossp, no stand-ins served)."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import uuid

import psycopg
import pytest

from core.errors import SQLError, StackyardError
from core.supabase import STANDIN_SQLSTATE, bootstrap, is_bootstrapped, list_standins


def boot(dsn, **kw):
    return asyncio.run(bootstrap(dsn, **kw))


def test_bootstrap_installs_supabase_objects_and_shims(pg_db):
    report = boot(pg_db, buckets=[{"name": "media", "public": True, "file_size_limit": "1MiB"}])
    assert report.extensions["pgcrypto"] == "shim" and report.extensions["uuid-ossp"] == "shim"
    assert report.extensions["supabase_vault"] == "missing"
    assert any("pgcrypto is not available" in w for w in report.warnings)
    assert report.buckets == ["media"]
    assert asyncio.run(is_bootstrapped(pg_db))
    with psycopg.connect(pg_db) as c:
        roles = {r[0] for r in c.execute("select rolname from pg_roles").fetchall()}
        assert {"anon", "authenticated", "service_role", "authenticator", "supabase_admin",
                "supabase_auth_admin", "supabase_storage_admin", "dashboard_user", "pgbouncer"} <= roles
        schemas = {r[0] for r in c.execute("select nspname from pg_namespace").fetchall()}
        assert {"auth", "storage", "extensions", "realtime", "graphql_public", "supabase_migrations"} <= schemas
        ncols, = c.execute("select count(*) from information_schema.columns "
                           "where table_schema = 'auth' and table_name = 'users'").fetchone()
        assert ncols == 35  # the final GoTrue auth.users
        owner, = c.execute("select tableowner from pg_tables where schemaname = 'auth' and tablename = 'users'").fetchone()
        assert owner == "supabase_auth_admin"
        assert c.execute("select public, file_size_limit from storage.buckets where id = 'media'").fetchone() == (True, 1048576)
        assert c.execute("select has_table_privilege('anon', 'auth.users', 'select'), "
                         "has_table_privilege('postgres', 'auth.users', 'trigger')").fetchone() == (False, True)
    # a NEW session resolves extension functions unqualified (role-in-database search_path)
    with psycopg.connect(pg_db) as c:
        assert len(c.execute("select gen_random_bytes(20)").fetchone()[0]) == 20
        c.execute("create table public.t (id int)")
        assert c.execute("select has_table_privilege('authenticated', 'public.t', 'select')").fetchone() == (True,)


def test_bootstrap_is_idempotent(pg_db):
    boot(pg_db)
    with psycopg.connect(pg_db) as c:
        before = c.execute("select count(*) from pg_class c join pg_namespace n on n.oid = c.relnamespace "
                           "where n.nspname in ('auth', 'storage', 'realtime', 'extensions')").fetchone()
    again = boot(pg_db, buckets=[{"name": "media"}])
    assert again.roles_created == []
    with psycopg.connect(pg_db) as c:
        after = c.execute("select count(*) from pg_class c join pg_namespace n on n.oid = c.relnamespace "
                          "where n.nspname in ('auth', 'storage', 'realtime', 'extensions')").fetchone()
        assert c.execute("select count(*) from pg_publication where pubname = 'supabase_realtime'").fetchone() == (1,)
    assert before == after


def test_failed_bootstrap_leaves_nothing(pg_db):
    # file_size_limit beyond bigint: fails inside the transaction, after every section ran
    with pytest.raises(SQLError) as e:
        boot(pg_db, buckets=[{"name": "huge", "file_size_limit": 10**30}])
    assert "bucket" in e.value.message
    with psycopg.connect(pg_db) as c:
        assert c.execute("select to_regnamespace('auth'), to_regnamespace('storage'), "
                         "to_regnamespace('extensions')").fetchone() == (None, None, None)
    assert not asyncio.run(is_bootstrapped(pg_db))


def test_bad_bucket_and_non_superuser_are_refused_before_touching_the_db(pg_db, pg_server):
    with pytest.raises(StackyardError):
        boot(pg_db, buckets=[{"public": True}])
    with psycopg.connect(pg_db, autocommit=True) as c:
        c.execute("drop role if exists plain_user")
        c.execute("create role plain_user login password 'pw'")
    try:
        dsn = pg_db.replace(f"{pg_server.user}:{pg_server.password}", "plain_user:pw")
        with pytest.raises(StackyardError) as e:
            boot(dsn)
        assert "superuser" in e.value.message
    finally:
        with psycopg.connect(pg_db, autocommit=True) as c:
            c.execute("drop role plain_user")


def test_pgcrypto_and_uuid_shims_match_reference_implementations(pg_db):
    boot(pg_db)
    with psycopg.connect(pg_db) as c:
        for algo in ("md5", "sha224", "sha256", "sha384", "sha512"):
            got, = c.execute("select extensions.digest('hello', %s)", (algo,)).fetchone()
            assert bytes(got) == hashlib.new(algo, b"hello").digest()
            long_key = "k" * 200  # longer than the block: hashed first
            got, = c.execute("select extensions.hmac('message', %s, %s)", (long_key, algo)).fetchone()
            assert bytes(got) == hmac.new(long_key.encode(), b"message", algo).digest()
        v3, = c.execute("select extensions.uuid_generate_v3(extensions.uuid_ns_url(), 'https://x.org')").fetchone()
        assert v3 == uuid.uuid3(uuid.NAMESPACE_URL, "https://x.org")
        v1, = c.execute("select extensions.uuid_generate_v1mc()").fetchone()
        assert v1.version == 1 and v1.node & (1 << 40)  # multicast bit set: not a real MAC
        assert c.execute("select extensions.uuid_generate_v4()").fetchone()[0].version == 4
        with pytest.raises(psycopg.Error) as e:
            c.execute("select extensions.gen_random_bytes(0)")
        assert e.value.sqlstate == "22023"


def test_crypt_raises_naming_the_function_and_the_fix(pg_db):
    boot(pg_db)
    with psycopg.connect(pg_db) as c:
        with pytest.raises(psycopg.Error) as e:
            c.execute("select extensions.crypt('secret', extensions.gen_salt('bf'))")
    assert e.value.sqlstate == STANDIN_SQLSTATE
    assert "gen_salt() is not available" in e.value.diag.message_primary
    assert "pgcrypto" in e.value.diag.message_hint and "bin_dir" in e.value.diag.message_hint
    with psycopg.connect(pg_db) as c:
        with pytest.raises(psycopg.Error) as e:
            c.execute("select extensions.crypt('secret', '$2a$10$abcdefghijklmnopqrstuu')")
    assert e.value.sqlstate == STANDIN_SQLSTATE and "crypt()" in e.value.diag.message_primary
    markers = asyncio.run(list_standins(pg_db))
    crypt = [m for m in markers if m["object"].startswith("crypt(")]
    assert crypt and crypt[0]["status"] == "unsupported" and crypt[0]["extension"] == "pgcrypto"


def test_database_copies_get_their_settings_back(pg_db, pg_server):
    from psycopg import sql as psql

    from core.supabase import apply_database_settings

    boot(pg_db)
    copy = pg_db.rsplit("/", 1)[1] + "_copy"
    with psycopg.connect(pg_server.dsn(), autocommit=True) as c:
        c.execute(psql.SQL("create database {} template {}").format(
            psql.Identifier(copy), psql.Identifier(pg_db.rsplit("/", 1)[1])))
    try:
        dsn = pg_server.dsn(copy)
        with psycopg.connect(dsn) as c:  # a template copy loses the per-database settings...
            assert "extensions" not in c.execute("show search_path").fetchone()[0]
        asyncio.run(apply_database_settings(dsn))
        with psycopg.connect(dsn) as c:  # ...until they are re-applied
            assert "extensions" in c.execute("show search_path").fetchone()[0]
            assert len(c.execute("select gen_random_bytes(4)").fetchone()[0]) == 4
            assert c.execute("select has_database_privilege('supabase_realtime_admin', current_database(), "
                             "'create')").fetchone() == (True,)
    finally:
        with psycopg.connect(pg_server.dsn(), autocommit=True) as c:
            c.execute(psql.SQL("drop database if exists {} with (force)").format(psql.Identifier(copy)))


def test_no_webhooks_without_pg_net(pg_db):
    report = boot(pg_db)
    assert report.extensions["pg_net"] == "missing"
    with psycopg.connect(pg_db) as c:
        assert c.execute("select to_regprocedure('supabase_functions.http_request()')").fetchone() == (None,)
