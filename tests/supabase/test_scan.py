"""Pre-flight scan: classification with file:line, comments and strings ignored."""

from __future__ import annotations

from pathlib import Path

from core.supabase import Support, extension_names_in, scan_migrations
from core.supabase.scan import mask_sql, summarize

from .conftest import PROJECT

MIGRATIONS = sorted((PROJECT / "supabase" / "migrations").glob("*.sql"))


def write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


def test_fixture_project_on_embedded_server_without_standins():
    findings = scan_migrations(MIGRATIONS, available_extensions={"vector", "citext"})
    by = {(Path(f.path).name, f.line, f.construct): f for f in findings}
    ext = by[("20240101000000_init.sql", 2, "CREATE EXTENSION uuid-ossp")]
    assert ext.support is Support.UNSUPPORTED and "stand-in" in ext.hint
    assert by[("20240101000000_init.sql", 10, "gen_random_bytes()")].support is Support.APPROXIMATE
    assert by[("20240101000000_init.sql", 21, "uuid_generate_v4()")].support is Support.APPROXIMATE
    assert summarize(findings)["unsupported"] == 1


def test_fixture_project_with_standins_and_with_real_extensions():
    standins = {"uuid-ossp", "pgcrypto"}
    findings = scan_migrations(MIGRATIONS, available_extensions=standins, standins=standins)
    assert summarize(findings)["unsupported"] == 0
    real = scan_migrations(MIGRATIONS, available_extensions={"uuid-ossp", "pgcrypto"})
    assert {f.support for f in real} == {Support.EXACT}


def test_supabase_specific_constructs(tmp_path):
    f = write(tmp_path, "20240301000000_patterns.sql", """\
-- select cron.schedule('in a comment', '* * * * *', 'select 1');
\\restrict abc
create extension if not exists pg_net with schema extensions;
select cron.schedule('nightly', '0 3 * * *', $$delete from logs$$);
insert into auth.users (id, encrypted_password)
values (gen_random_uuid(), extensions.crypt('pw', extensions.gen_salt('bf')));
select 'net.http_post(in a string)';
create function f() returns void language plpgsql as $body$
begin perform net.http_post('https://x', '{}'::jsonb); end $body$;
create event trigger t on ddl_command_end execute function g();
""")
    findings = scan_migrations([f], available_extensions=set())
    got = {(x.line, x.construct, x.support) for x in findings}
    assert (2, "\\restrict", Support.APPROXIMATE) in got
    assert (3, "CREATE EXTENSION pg_net", Support.UNSUPPORTED) in got
    assert (4, "cron.schedule()", Support.UNSUPPORTED) in got
    assert (6, "crypt()", Support.UNSUPPORTED) in got and (6, "gen_salt()", Support.UNSUPPORTED) in got
    assert (9, "net.http_post()", Support.UNSUPPORTED) in got  # inside a dollar-quoted body
    assert (10, "create event trigger", Support.APPROXIMATE) in got
    assert not [x for x in findings if x.line in (1, 7)]  # comment and string literal ignored
    as_standins = scan_migrations([f], available_extensions={"pg_net", "pg_cron"}, standins={"pg_net", "pg_cron"})
    kinds = {(x.line, x.support) for x in as_standins}
    assert (3, Support.STAND_IN) in kinds and (4, Support.STAND_IN) in kinds and (9, Support.STAND_IN) in kinds
    assert str(findings[0]).startswith(f"{f}:")


def test_extension_names_and_masking(tmp_path):
    f = write(tmp_path, "a.sql", 'create extension "uuid-ossp";\n/* create extension nope; */\nCREATE EXTENSION IF NOT EXISTS PG_TRGM;\n')
    assert extension_names_in([f]) == {"uuid-ossp", "pg_trgm"}
    masked = mask_sql("select 'a;b' -- x\n/* y\n z */ from t")
    assert masked.count("\n") == 2 and "a;b" not in masked and "from t" in masked


def test_raise_for_unsupported_names_file_and_line(tmp_path):
    import pytest

    from core.errors import SQLError
    from core.supabase.scan import raise_for_unsupported, strip_psql_meta

    f = write(tmp_path, "20240401000000_dump.sql", '\\restrict x\nselect 1;\nCREATE EXTENSION IF NOT EXISTS "pgsodium";\n'
                                                    'create extension postgis;\n')
    findings = scan_migrations([f], available_extensions=set())
    with pytest.raises(SQLError) as e:
        raise_for_unsupported(findings)
    assert e.value.path == str(f) and e.value.line == 3
    assert "pgsodium" in e.value.message and ":4  CREATE EXTENSION postgis" in e.value.message
    assert "stand-in" in e.value.hint
    raise_for_unsupported(scan_migrations([f], {"pgsodium", "postgis"}))  # nothing unsupported: no error
    assert strip_psql_meta(f.read_text()).split("\n")[:2] == ["", "select 1;"]


def test_webhook_triggers_follow_pg_net(tmp_path):
    f = write(tmp_path, "20240501000000_hook.sql",
              "create trigger h after insert on t for each row\n"
              "execute function supabase_functions.http_request('http://x', 'POST', '{}', '{}', '1000');\n")
    missing = scan_migrations([f], available_extensions=set())
    assert [(x.line, x.support) for x in missing] == [(2, Support.UNSUPPORTED)]
    served = scan_migrations([f], available_extensions={"pg_net"}, standins={"pg_net"})
    assert [(x.line, x.construct, x.support) for x in served] == [(2, "supabase_functions.http_request()", Support.STAND_IN)]


def test_quoted_identifiers_as_pg_dump_writes_them(tmp_path):
    f = write(tmp_path, "20240601000000_remote_schema.sql",
              'SELECT "vault"."create_secret"(\'x\');\nSELECT "net"."http_post"(\'http://x\', \'{}\'::jsonb);\n')
    got = {(x.line, x.support) for x in scan_migrations([f], available_extensions=set())}
    assert got == {(1, Support.UNSUPPORTED), (2, Support.UNSUPPORTED)}
