"""Branch lifecycle on a real environment: isolation, reset, nesting, names, delete, snapshots, TTL."""

from __future__ import annotations

import time

import psycopg
import pytest

from core.errors import ConflictError, NotFoundError, UsageError


def test_writes_in_a_branch_never_show_in_the_parent_and_back(seeded):
    r = seeded.run(lambda ws: ws.branch_create("dev", "feat"))
    assert r["parent"] == "main" and r["strategy"] in {"clone", "file_copy", "wal_log"} and r["seconds"] >= 0
    seeded.sql("feat", "UPDATE items SET name = 'changed' WHERE id = 1; DELETE FROM items WHERE id = 2;"
                       "CREATE TABLE only_in_feat (x int)")
    seeded.sql("main", "INSERT INTO items VALUES (1000, 'new in main')")
    assert seeded.sql("main", "SELECT name FROM items WHERE id = 1") == [("item 1",)]
    assert seeded.sql("main", "SELECT count(*) FROM items") == [(101,)]
    assert seeded.sql("main", "SELECT to_regclass('only_in_feat')") == [(None,)]
    assert seeded.sql("feat", "SELECT count(*), count(*) FILTER (WHERE id = 1000) FROM items") == [(99, 0)]


def test_reset_gives_the_parents_current_data_under_the_same_url(seeded):
    seeded.run(lambda ws: ws.branch_create("dev", "feat"))
    url_before = seeded.run(lambda ws: ws.database_url("dev", "feat"))
    seeded.sql("feat", "DELETE FROM items")
    seeded.sql("main", "INSERT INTO items VALUES (500, 'after branching')")
    r = seeded.run(lambda ws: ws.branch_reset("dev", "feat"))
    assert r["reset_to"] == "main"
    assert seeded.run(lambda ws: ws.database_url("dev", "feat")) == url_before
    assert seeded.sql("feat", "SELECT count(*), max(id) FROM items") == [(101, 500)]
    assert not any(d.startswith("sy_tmp_") for d in seeded.databases())


def test_branch_of_a_branch_of_a_branch_and_cascade_delete(seeded):
    seeded.run(lambda ws: ws.branch_create("dev", "a"))
    seeded.sql("a", "INSERT INTO items VALUES (201, 'a')")
    seeded.run(lambda ws: ws.branch_create("dev", "b", parent="a"))
    seeded.sql("b", "INSERT INTO items VALUES (202, 'b')")
    seeded.run(lambda ws: ws.branch_create("dev", "c", parent="b"))
    assert seeded.sql("c", "SELECT array_agg(id ORDER BY id) FROM items WHERE id > 200") == [([201, 202],)]
    assert seeded.sql("main", "SELECT count(*) FROM items WHERE id > 200") == [(0,)]
    tree = seeded.run(lambda ws: ws.branch_list("dev"))
    assert [(t["name"], t["depth"], t["parent"]) for t in tree] == [
        ("main", 0, None), ("a", 1, "main"), ("b", 2, "a"), ("c", 3, "b")]
    assert tree[0]["active"] and tree[1]["children"] == ["b"] and all(t["size_bytes"] > 0 for t in tree)
    with pytest.raises(ConflictError, match="has children: c, b"):
        seeded.run(lambda ws: ws.branch_delete("dev", "a"))
    assert set(seeded.branch_rows()) == {"a", "b", "c"}
    r = seeded.run(lambda ws: ws.branch_delete("dev", "a", cascade=True))
    assert r["deleted"] == ["c", "b", "a"]
    assert seeded.branch_rows() == {} and not {"app__a", "app__b", "app__c"} & seeded.databases()


BAD_NAMES = [("Bad", UsageError), ("1abc", UsageError), ("a" * 42, UsageError), ("x;drop", UsageError),
             ("", UsageError), ("main", ConflictError), ("taken", ConflictError)]


def test_invalid_or_taken_names_change_nothing(seeded):
    seeded.run(lambda ws: ws.branch_create("dev", "taken"))
    before = (seeded.databases(), seeded.branch_rows())

    async def try_all(ws):  # one workspace for all attempts
        for name, error in BAD_NAMES:
            for create in (ws.branch_create, ws.snapshot_create):
                with pytest.raises(error):
                    await create("dev", name)

    seeded.run(try_all)
    assert (seeded.databases(), seeded.branch_rows()) == before


def test_missing_parent_and_wrong_kind_of_parent(seeded):
    with pytest.raises(NotFoundError, match="no branch 'nope'"):
        seeded.run(lambda ws: ws.branch_create("dev", "x", parent="nope"))
    with pytest.raises(NotFoundError, match="no snapshot 'nope'"):
        seeded.run(lambda ws: ws.branch_create("dev", "x", parent="@nope"))
    seeded.run(lambda ws: ws.branch_create("dev", "plain"))
    with pytest.raises(UsageError, match="is a branch, not a snapshot"):
        seeded.run(lambda ws: ws.branch_create("dev", "x", parent="@plain"))
    with pytest.raises(UsageError, match="invalid duration"):
        seeded.run(lambda ws: ws.branch_create("dev", "x", ttl="soon"))
    assert set(seeded.branch_rows()) == {"plain"} and "app__x" not in seeded.databases()


def test_switch_and_deleting_the_active_branch_moves_the_env_to_its_parent(seeded):
    seeded.run(lambda ws: ws.branch_create("dev", "a", switch=True))
    seeded.run(lambda ws: ws.branch_create("dev", "b", parent="a"))
    r = seeded.run(lambda ws: ws.branch_switch("dev", "b"))
    assert r == {"env": "dev", "active_branch": "b", "previous": "a", "database": "app__b",
                 "url": r["url"]} and "***" in r["url"]
    env_file = seeded.root / ".stackyard/envs/dev/.env"
    assert "/app__b" in env_file.read_text()
    r = seeded.run(lambda ws: ws.branch_delete("dev", "b"))
    assert r["switched_to"] == "a" and r["active_branch"] == "a"
    assert "/app__a\n" in env_file.read_text() or "/app__a" in env_file.read_text()
    assert seeded.run(lambda ws: ws.database_url("dev")).endswith("/app__a")
    with pytest.raises(UsageError, match="cannot be deleted"):
        seeded.run(lambda ws: ws.branch_delete("dev", "main"))


def test_snapshots_are_immutable_and_branch_without_terminate(seeded):
    snap = seeded.run(lambda ws: ws.snapshot_create("dev", "golden", source="main"))
    assert snap["is_snapshot"] and snap["expires_at"] is None
    with pytest.raises(psycopg.OperationalError, match="not currently accepting connections"):
        psycopg.connect(seeded.url(database="app__golden")).close()
    with pytest.raises(UsageError, match="snapshot"):
        seeded.run(lambda ws: ws.branch_switch("dev", "golden"))
    with pytest.raises(UsageError, match="snapshots never change"):
        seeded.run(lambda ws: ws.branch_reset("dev", "golden"))
    with pytest.raises(UsageError, match="is a snapshot"):
        seeded.run(lambda ws: ws.branch_delete("dev", "golden"))
    # a session on main does not matter: the parent is the snapshot
    with psycopg.connect(seeded.url("main"), application_name="busy app"):
        r = seeded.run(lambda ws: ws.branch_create("dev", "work", parent="@golden"))
    assert r["from_snapshot"] == "golden" and r["terminated"] is False
    seeded.sql("work", "DELETE FROM items")
    seeded.sql("main", "DELETE FROM items WHERE id > 10")
    seeded.run(lambda ws: ws.branch_reset("dev", "work", to_snapshot=True))
    assert seeded.sql("work", "SELECT count(*) FROM items") == [(100,)]
    assert seeded.admin("SELECT datallowconn FROM pg_database WHERE datname = 'app__golden'") == [(False,)]
    assert [s["name"] for s in seeded.run(lambda ws: ws.snapshot_list("dev"))] == ["golden"]
    with pytest.raises(ConflictError, match="has children: work"):
        seeded.run(lambda ws: ws.snapshot_delete("dev", "golden"))
    seeded.run(lambda ws: ws.branch_create("dev", "other"))
    with pytest.raises(UsageError, match="was not made from a snapshot"):
        seeded.run(lambda ws: ws.branch_reset("dev", "other", to_snapshot=True))


def test_expired_branches_are_removed_by_gc_but_not_above_live_children(seeded):
    seeded.run(lambda ws: ws.branch_create("dev", "old", ttl="1h"))
    seeded.run(lambda ws: ws.branch_create("dev", "keep-child", parent="old", ttl="never"))
    seeded.run(lambda ws: ws.branch_create("dev", "gone", ttl="1h"))
    seeded.run(lambda ws: ws.branch_create("dev", "gone-child", parent="gone", ttl="1h"))

    async def expire(ws):
        with ws.state.tx() as db:
            db.execute("UPDATE branches SET expires_at = ? WHERE name IN ('old', 'gone', 'gone-child')",
                       (time.time() - 10,))
        return await ws.gc(dry_run=True)

    planned = seeded.run(expire)
    assert {(a["action"], a.get("branch")) for a in planned if "branch" in a} == {
        ("keep", "old"), ("delete", "gone"), ("delete", "gone-child")}
    assert set(seeded.branch_rows()) == {"old", "keep-child", "gone", "gone-child"}  # dry run
    seeded.admin("CREATE DATABASE sy_tmp_leftover")  # a scratch copy a failed run could not drop
    planned = seeded.run(lambda ws: ws.gc(dry_run=True))
    assert {"action": "drop", "env": "dev", "database": "sy_tmp_leftover", "reason": "leftover scratch copy"} in planned
    seeded.run(lambda ws: ws.gc())
    assert set(seeded.branch_rows()) == {"old", "keep-child"} and "sy_tmp_leftover" not in seeded.databases()
    assert not {"app__gone", "app__gone-child"} & seeded.databases()


def test_profile_default_ttl_applies(project):
    def as_feature_env(ws):
        ws.state.set_env_field("dev", profile="feature")  # the feature profile sets a TTL
        return ws.branch_create("dev", "x")

    r = project.run(as_feature_env)
    assert r["expires_at"] is not None and r["expires_at"] > time.time() + 3600
    r = project.run(lambda ws: ws.branch_create("dev", "y", ttl="never"))
    assert r["expires_at"] is None


def test_state_rebuilt_from_database_comments(seeded):
    seeded.run(lambda ws: ws.branch_create("dev", "a", ttl="2d"))
    seeded.run(lambda ws: ws.snapshot_create("dev", "s", source="a"))
    seeded.run(lambda ws: ws.branch_create("dev", "b", parent="@s", switch=True))
    before = seeded.branch_rows()

    async def lose_and_rebuild(ws):
        with ws.state.tx() as db:
            db.execute("DELETE FROM branches")
        return await ws.rebuild_branches("dev")

    r = seeded.run(lose_and_rebuild)
    assert r["added"] == ["a", "b", "s"] and r["removed"] == []
    assert seeded.branch_rows() == before
    rows = {b["name"]: b for b in seeded.run(lambda ws: ws.branch_list("dev"))}
    assert rows["a"]["expires_at"] is not None and rows["b"]["from_snapshot"] == "s" and rows["b"]["active"]


def test_database_settings_owner_and_grants_follow_the_copy(seeded):
    seeded.admin("DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'app_reader') THEN "
                 "CREATE ROLE app_reader; END IF; END $$")
    seeded.admin("ALTER DATABASE app SET search_path TO \"$user\", public, \"Odd Schema\"")
    seeded.admin("ALTER DATABASE app SET work_mem TO '8MB'")
    seeded.admin("ALTER ROLE app_reader IN DATABASE app SET statement_timeout TO '5s'")
    seeded.admin("REVOKE ALL ON DATABASE app FROM PUBLIC")
    seeded.admin("GRANT CONNECT ON DATABASE app TO app_reader")
    try:
        seeded.run(lambda ws: ws.branch_create("dev", "copy"))
        settings = dict(seeded.admin(
            "SELECT coalesce(r.rolname, '*'), s.setconfig::text FROM pg_db_role_setting s"
            " JOIN pg_database d ON d.oid = s.setdatabase LEFT JOIN pg_roles r ON r.oid = s.setrole"
            " WHERE d.datname = 'app__copy'"))
        assert settings == {"*": '{"search_path=\\"$user\\", public, \\"Odd Schema\\"",work_mem=8MB}',
                            "app_reader": "{statement_timeout=5s}"}
        assert seeded.admin("SELECT has_database_privilege('app_reader', 'app__copy', 'CONNECT'),"
                            " has_database_privilege('public', 'app__copy', 'TEMPORARY')") == [(True, False)]
    finally:
        seeded.admin("DROP DATABASE IF EXISTS app__copy WITH (FORCE)")
        seeded.admin("REASSIGN OWNED BY app_reader TO postgres")
        seeded.admin("DROP OWNED BY app_reader")
        seeded.admin("DROP ROLE app_reader")


def test_a_long_lived_workspace_reconnects_after_the_server_restarts(seeded):
    async def go(ws):  # one Workspace, as the TUI keeps: its admin connection dies with the server
        await ws.branch_create("dev", "before")
        await ws.down("dev")
        await ws.up("dev")
        return await ws.branch_create("dev", "after", parent="before")

    r = seeded.run(go)
    assert r["parent"] == "before" and seeded.sql("after", "SELECT count(*) FROM items") == [(100,)]
