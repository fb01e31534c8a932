"""The Workspace step for Supabase projects, on a real local environment of the fixture project."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from pathlib import Path

import psycopg
import pytest

from core.api import Workspace
from core.errors import SQLError
from core.events import Message
from core.supabase.workspace_ops import SupabaseOps

from .conftest import PROJECT

# core.features registers SupabaseOps ahead of the migrations mixin; without it, compose it here
SupabaseWorkspace = Workspace if issubclass(Workspace, SupabaseOps) else type("SupabaseWorkspace", (SupabaseOps, Workspace), {})


@pytest.fixture
def private_tmp():
    # not pytest's tmp_path: concurrent pytest runs of other sessions prune /tmp/pytest-of-<user>
    d = Path(tempfile.mkdtemp(prefix="stackyard-supa-ws-"))
    yield d
    shutil.rmtree(d, ignore_errors=True)


def copy_project(tmp_path):
    root = tmp_path / "project"
    shutil.copytree(PROJECT, root)
    return root


async def _up(root, messages):
    ws = SupabaseWorkspace.open(root)
    ws.bus.on(lambda ev: messages.append(ev.text) if isinstance(ev, Message) else None)
    async with ws:
        await ws.up("dev")  # a failed up rolls itself back
        return await ws.database_url("dev")


async def _destroy(root):
    async with SupabaseWorkspace.open(root) as ws:
        await ws.destroy("dev")


def test_up_bootstraps_serves_standins_and_warns(private_tmp):
    root = copy_project(private_tmp)
    messages: list[str] = []
    url = asyncio.run(_up(root, messages))
    try:
        with psycopg.connect(url) as c:
            assert c.execute("select to_regprocedure('auth.uid()') is not null").fetchone() == (True,)
            assert c.execute("select count(*) from storage.buckets").fetchone() == (2,)
            comment, = c.execute("select comment from pg_available_extensions where name = 'pg_net'").fetchone()
            assert comment.startswith("stackyard stand-in")
            # the stand-in is what `create extension "uuid-ossp"` in the first migration will get
            assert c.execute("select extname from pg_extension where extname = 'uuid-ossp'").fetchone() == ("uuid-ossp",)
        assert any("major_version = 17" in m for m in messages)
        assert any("gen_random_bytes()" in m and "approximate" not in m.split("  ")[0] for m in messages)
    finally:
        asyncio.run(_destroy(root))


def test_up_fails_early_on_an_unsupported_extension(private_tmp):
    root = copy_project(private_tmp)
    (root / "supabase" / "migrations" / "20240103000000_geo.sql").write_text(
        "-- maps\ncreate extension if not exists postgis with schema extensions;\n")
    with pytest.raises(SQLError) as e:
        asyncio.run(_up(root, []))
    assert e.value.path.endswith("20240103000000_geo.sql") and e.value.line == 2
    assert "postgis" in e.value.message


def test_branches_keep_the_extensions_search_path(private_tmp):
    root = copy_project(private_tmp)
    asyncio.run(_up(root, []))

    async def go():
        async with SupabaseWorkspace.open(root) as ws:
            if not hasattr(ws, "branch_create"):
                pytest.skip("branching feature not present")
            b = await ws.branch_create("dev", "feature-x")
            await ws.branch_reset("dev", "feature-x")
            return b["database"], await ws.database_url("dev")

    try:
        branch_db, main_url = asyncio.run(go())
        for url in (main_url, main_url.rsplit("/", 1)[0] + "/" + branch_db):
            with psycopg.connect(url) as c:
                assert "extensions" in c.execute("show search_path").fetchone()[0]
                assert c.execute("select count(*) from public.notes").fetchone() == (4,)
    finally:
        asyncio.run(_destroy(root))
