"""The Workspace step for Supabase projects, on the real local environment made by `stackyard up`."""

from __future__ import annotations

import asyncio

import psycopg
import pytest

from core.api import Workspace
from core.errors import SQLError
from core.supabase.workspace_ops import SupabaseOps

# core.features registers SupabaseOps ahead of the migrations mixin; without it, compose it here
SupabaseWorkspace = Workspace if issubclass(Workspace, SupabaseOps) else type("SupabaseWorkspace", (SupabaseOps, Workspace), {})


def test_up_served_standins_and_bootstrapped(up_project):
    with psycopg.connect(up_project.url) as c:
        assert c.execute("select to_regprocedure('auth.uid()') is not null").fetchone() == (True,)
        comment, = c.execute("select comment from pg_available_extensions where name = 'pg_net'").fetchone()
        assert comment.startswith("stackyard stand-in")
        ext, = c.execute("select obj_description(oid, 'pg_extension') from pg_extension "
                         "where extname = 'uuid-ossp'").fetchone()
        assert ext.startswith("stackyard stand-in")  # what the first migration's CREATE EXTENSION got
    # one warning per approximated construct, with its first file:line
    assert "20240101000000_init.sql:10  gen_random_bytes()" in up_project.stderr


def test_preflight_stops_at_an_unsupported_extension(up_project):
    bad = up_project.root / "supabase" / "migrations" / "20240103000000_geo.sql"
    bad.write_text("-- maps\ncreate extension if not exists postgis with schema extensions;\n")

    async def go():
        async with SupabaseWorkspace.open(up_project.root) as ws:
            await ws.supabase_preflight(up_project.url)

    try:
        with pytest.raises(SQLError) as e:
            asyncio.run(go())
        assert e.value.path.endswith("20240103000000_geo.sql") and e.value.line == 2
        assert "postgis" in e.value.message
    finally:
        bad.unlink()


def test_branches_keep_the_extensions_search_path(up_project):
    async def go():
        async with SupabaseWorkspace.open(up_project.root) as ws:
            if not hasattr(ws, "branch_create"):
                pytest.skip("branching feature not present")
            b = await ws.branch_create("dev", "feature-x")
            try:
                await ws.branch_reset("dev", "feature-x")
                url = ws.conninfo("dev", database=b["database"]).url
                with psycopg.connect(url) as c:
                    assert "extensions" in c.execute("show search_path").fetchone()[0]
                    assert c.execute("select count(*) from public.notes").fetchone() == (4,)
                    assert len(c.execute("select gen_random_bytes(3)").fetchone()[0]) == 3
            finally:
                await ws.branch_delete("dev", "feature-x")

    asyncio.run(go())
