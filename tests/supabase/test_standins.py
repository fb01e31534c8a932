"""SQL-only stand-ins served through extension_control_path on a second real PG 18 server."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json

import psycopg
import pytest

from core.supabase import STANDIN_SQLSTATE, bootstrap, list_standins, probe_extensions, standin_names
from core.supabase.provider import write_standins

DUMP_LIKE = """\
\\restrict Zx81TokenFromNewerPgDump
CREATE EXTENSION IF NOT EXISTS "pgsodium" WITH SCHEMA "pgsodium";
CREATE EXTENSION IF NOT EXISTS "pg_graphql" WITH SCHEMA "graphql";
CREATE EXTENSION IF NOT EXISTS "pg_stat_statements" WITH SCHEMA "extensions";
CREATE EXTENSION IF NOT EXISTS "pgcrypto" WITH SCHEMA "extensions";
CREATE EXTENSION IF NOT EXISTS "pgjwt" WITH SCHEMA "extensions";
CREATE EXTENSION IF NOT EXISTS "supabase_vault" WITH SCHEMA "vault";
CREATE EXTENSION IF NOT EXISTS "uuid-ossp" WITH SCHEMA "extensions";
CREATE EXTENSION IF NOT EXISTS "pg_net" WITH SCHEMA "extensions";
CREATE EXTENSION IF NOT EXISTS "pg_cron" WITH SCHEMA "pg_catalog";
ALTER PUBLICATION "supabase_realtime" OWNER TO "postgres";
\\unrestrict Zx81TokenFromNewerPgDump
"""


def test_probe_decides_which_standins_are_served(standin_server):
    # the embedded build lacks all of them except what it really ships
    assert {"pg_net", "pg_cron", "pgsodium", "supabase_vault", "pg_graphql", "pgjwt"} <= standin_server.standins
    have = asyncio.run(probe_extensions(standin_server.dsn(), [*standin_names(), "postgis", "vector"]))
    assert all(have[n] for n in standin_names())
    assert have["postgis"] is False and have["vector"] is True


def test_supabase_dump_with_every_extension_applies_after_bootstrap(standin_db):
    report = asyncio.run(bootstrap(standin_db))
    assert report.extensions["pgcrypto"] == "stand-in"
    assert report.extensions["supabase_vault"] == "stand-in" and report.extensions["pg_graphql"] == "stand-in"
    text = "\n".join(l for l in DUMP_LIKE.splitlines() if not l.startswith("\\"))  # what the runner does
    with psycopg.connect(standin_db) as c:
        c.execute(text.encode())
        exts = {r[0] for r in c.execute("select extname from pg_extension").fetchall()}
    assert {"pgsodium", "pg_graphql", "pgcrypto", "pgjwt", "supabase_vault", "uuid-ossp", "pg_net", "pg_cron"} <= exts
    markers = asyncio.run(list_standins(standin_db))
    assert {m["extension"] for m in markers} >= {"pgsodium", "pg_graphql", "pgcrypto", "pgjwt",
                                                 "supabase_vault", "uuid-ossp", "pg_net", "pg_cron"}
    with psycopg.connect(standin_db) as c:
        comment, = c.execute("select obj_description(oid, 'pg_extension') from pg_extension "
                             "where extname = 'pg_net'").fetchone()
    assert comment.startswith("stackyard stand-in")


def test_non_emulated_functions_raise_the_standin_sqlstate(standin_db):
    with psycopg.connect(standin_db, autocommit=True) as c:
        c.execute("create extension pg_graphql")
        c.execute("create extension pgsodium")
        for q in ("select graphql.resolve('{ a }')",
                  "select pgsodium.crypto_secretbox('m', 'n', 'k')"):
            with pytest.raises(psycopg.Error) as e:
                c.execute(q)
            assert e.value.sqlstate == STANDIN_SQLSTATE
            assert "stand-in" in e.value.diag.message_primary
        assert len(c.execute("select pgsodium.randombytes_buf(33)").fetchone()[0]) == 33
        assert c.execute("select count(*) from pg_roles where rolname like 'pgsodium_key%'").fetchone() == (3,)


def test_vault_cron_and_net_standins_keep_their_api(standin_db):
    with psycopg.connect(standin_db, autocommit=True) as c:
        c.execute("create extension supabase_vault")
        c.execute("create extension pg_cron")
        c.execute("create schema extensions")
        c.execute("create extension pg_net with schema extensions")
        sid, = c.execute("select vault.create_secret('s3cr3t', 'api_key', 'for tests')").fetchone()
        c.execute("select vault.update_secret(%s, new_description => 'changed')", (sid,))
        assert c.execute("select name, description, decrypted_secret from vault.decrypted_secrets").fetchone() == \
            ("api_key", "changed", "s3cr3t")
        job, = c.execute("select cron.schedule('nightly', '0 3 * * *', 'vacuum')").fetchone()
        again, = c.execute("select cron.schedule('nightly', '0 4 * * *', 'vacuum')").fetchone()
        assert job == again
        assert c.execute("select schedule, active from cron.job").fetchall() == [("0 4 * * *", True)]
        assert c.execute("select cron.unschedule('nightly')").fetchone() == (True,)
        rid, = c.execute("""select net.http_post('https://example.invalid/hook', '{"a": 1}'::jsonb)""").fetchone()
        row = c.execute("select method, url, convert_from(body, 'UTF8') from net.http_request_queue "
                        "where id = %s", (rid,)).fetchone()
        assert row == ("POST", "https://example.invalid/hook", '{"a": 1}')
        assert c.execute("select count(*) from net._http_response").fetchone() == (0,)  # never sent


def _b64url(b: bytes) -> str:
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def test_pgjwt_standin_signs_like_a_real_jwt_library(standin_db):
    with psycopg.connect(standin_db, autocommit=True) as c:
        c.execute("create schema extensions")
        c.execute("create extension pgjwt with schema extensions cascade")
        payload = {"sub": "u1", "role": "authenticated"}
        token, = c.execute("select extensions.sign(%s::json, 'sekrit')", (json.dumps(payload),)).fetchone()
        header_b64, payload_b64, sig = token.split(".")
        expected = _b64url(hmac.new(b"sekrit", f"{header_b64}.{payload_b64}".encode(), hashlib.sha256).digest())
        assert sig == expected
        assert json.loads(base64.urlsafe_b64decode(payload_b64 + "==")) == payload
        valid, = c.execute("select valid from extensions.verify(%s, 'sekrit')", (token,)).fetchone()
        bad, = c.execute("select valid from extensions.verify(%s, 'other')", (token,)).fetchone()
        assert (valid, bad) == (True, False)


def test_write_standins_converges_to_the_requested_set(tmp_path):
    folder = write_standins(tmp_path / "s", ["pg_net", "pg_cron"])
    assert sorted(p.name for p in (folder / "extension").iterdir()) == [
        "pg_cron--1.6.sql", "pg_cron.control", "pg_net--0.19.5.sql", "pg_net.control"]
    write_standins(tmp_path / "s", ["pg_net"])
    assert sorted(p.name for p in (folder / "extension").iterdir()) == ["pg_net--0.19.5.sql", "pg_net.control"]


def test_database_webhooks_queue_requests_through_the_pg_net_standin(standin_db):
    report = asyncio.run(bootstrap(standin_db))
    assert report.extensions["pg_net"] == "stand-in"
    with psycopg.connect(standin_db) as c:
        c.execute("create table public.orders (id int primary key, total int)")
        # what the Dashboard's "Database Webhooks" writes into a migration
        c.execute("""create trigger "order-created" after insert on public.orders for each row
                     execute function supabase_functions.http_request(
                       'http://127.0.0.1:9/hook', 'POST', '{"Content-Type":"application/json"}', '{}', '5000')""")
        c.execute("insert into public.orders values (7, 42)")
        body, = c.execute("select convert_from(body, 'UTF8')::jsonb from net.http_request_queue").fetchone()
        hooks = c.execute("select hook_name from supabase_functions.hooks").fetchall()
    assert body["record"] == {"id": 7, "total": 42} and body["type"] == "INSERT" and body["table"] == "orders"
    assert hooks == [("order-created",)]
