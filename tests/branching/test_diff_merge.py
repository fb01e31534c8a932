"""branch diff (schema + streamed data diff) and branch merge (proven migration), plus the CLI."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from core.errors import SQLError, UsageError


def _migrations(p):
    d = p.root / "supabase" / "migrations"
    return sorted(x.name for x in d.glob("*.sql")) if d.is_dir() else []


def test_merge_writes_a_proven_migration_and_applies_it_to_the_parent(seeded):
    seeded.run(lambda ws: ws.branch_create("dev", "feat"))
    seeded.sql("feat", "CREATE TABLE tags (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, label text UNIQUE);"
                       "ALTER TABLE items ADD COLUMN tag_id bigint REFERENCES tags(id)")
    dry = seeded.run(lambda ws: ws.branch_merge("dev", "feat", dry_run=True))
    assert dry["status"] == "proven" and dry["proof"] == "passed" and "CREATE TABLE" in dry["sql"]
    assert _migrations(seeded) == [] and seeded.sql("main", "SELECT to_regclass('tags')") == [(None,)]
    r = seeded.run(lambda ws: ws.branch_merge("dev", "feat"))
    assert r["status"] == "merged" and r["into"] == "main"
    assert _migrations(seeded) == [f"{r['version']}_merge_feat.sql"] and len(r["version"]) == 14
    assert seeded.sql("main", "SELECT to_regclass('tags') IS NOT NULL") == [(True,)]
    assert seeded.sql("main", "SELECT version FROM supabase_migrations.schema_migrations") == [(r["version"],)]
    assert seeded.sql("main", "SELECT count(*) FROM items") == [(100,)]  # data kept
    again = seeded.run(lambda ws: ws.branch_merge("dev", "feat"))
    assert again["status"] == "up_to_date" and _migrations(seeded) == [f"{r['version']}_merge_feat.sql"]


def test_merge_whose_proof_fails_leaves_the_parent_untouched(seeded):
    seeded.sql("main", "UPDATE items SET name = 'dup' WHERE id <= 2")
    seeded.run(lambda ws: ws.branch_create("dev", "feat"))
    # in the branch the duplicate is fixed, then made impossible: the parent still has duplicates
    seeded.sql("feat", "UPDATE items SET name = 'unique 2' WHERE id = 2;"
                       "ALTER TABLE items ADD CONSTRAINT items_name_key UNIQUE (name)")
    with pytest.raises(SQLError, match="merge proof failed") as e:
        seeded.run(lambda ws: ws.branch_merge("dev", "feat"))
    assert "nothing was applied" in e.value.hint
    assert _migrations(seeded) == []
    assert seeded.sql("main", "SELECT count(*) FROM pg_constraint WHERE conname = 'items_name_key'") == [(0,)]
    assert seeded.sql("main", "SELECT to_regclass('supabase_migrations.schema_migrations')") == [(None,)]
    assert not any(d.startswith("sy_tmp_") for d in seeded.databases())


def test_merge_refuses_destructive_changes_without_consent_and_bad_targets(seeded):
    seeded.run(lambda ws: ws.branch_create("dev", "feat"))
    seeded.sql("feat", "ALTER TABLE items DROP COLUMN name")
    with pytest.raises(UsageError, match="destructive"):
        seeded.run(lambda ws: ws.branch_merge("dev", "feat"))
    assert _migrations(seeded) == []
    seeded.run(lambda ws: ws.snapshot_create("dev", "snap"))
    with pytest.raises(UsageError, match="snapshots never change"):
        seeded.run(lambda ws: ws.branch_merge("dev", "feat", into="snap"))
    r = seeded.run(lambda ws: ws.branch_merge("dev", "feat", allow_destructive=True))
    assert r["status"] == "merged" and r["changes"]["destructive"]
    assert seeded.sql("main", "SELECT count(*) FROM information_schema.columns WHERE table_name = 'items'") == [(1,)]


def test_data_diff_counts_and_samples_by_primary_key(seeded):
    seeded.sql("main", "CREATE TABLE words (w text PRIMARY KEY, n int); CREATE TABLE log (msg text);"
                       "INSERT INTO words VALUES ('Zebra', 1), ('apple', 2), ('Äpfel', 3), ('zz', 4)")
    seeded.run(lambda ws: ws.branch_create("dev", "feat"))
    seeded.sql("feat", "UPDATE items SET name = 'x' WHERE id IN (3, 4); DELETE FROM items WHERE id = 50;"
                       "INSERT INTO items VALUES (101, 'a'), (102, 'b'), (103, 'c');"
                       "UPDATE words SET n = 20 WHERE w = 'Äpfel'; DELETE FROM words WHERE w = 'Zebra';"
                       "INSERT INTO words VALUES ('éclair', 5); CREATE TABLE extra (id int PRIMARY KEY);"
                       "INSERT INTO extra VALUES (1), (2)")
    r = seeded.run(lambda ws: ws.branch_diff("dev", "feat", data=True, rows=2))
    assert r["b"] == "main" and "extra" in r["text"]
    data = {t["table"]: t for t in r["data"]}
    items = data["public.items"]
    assert (items["status"], items["added"], items["changed"], items["removed"]) == ("compared", 3, 2, 1)
    assert [s["pk"]["id"] for s in items["sample"]["added"]] == [101, 102]
    assert items["sample"]["changed"][0] == {"pk": {"id": 3}, "columns": {"name": {"a": "x", "b": "item 3"}}}
    assert items["sample"]["removed"][0]["row"] == {"id": 50, "name": "item 50"}
    words = data["public.words"]  # text keys, non-ASCII: compared in one byte order on both sides
    assert (words["added"], words["changed"], words["removed"]) == (1, 1, 1)
    assert data["public.log"]["status"] == "no_primary_key"
    assert (data["public.extra"]["status"], data["public.extra"]["added"]) == ("only_in_a", 2)
    one = seeded.run(lambda ws: ws.branch_diff("dev", "feat", "main", table="words"))
    assert [t["table"] for t in one["data"]] == ["public.words"]
    assert "+1 added, ~1 changed, -1 removed" in one["data_text"]


def test_diff_against_a_snapshot_reads_it_and_closes_it_again(seeded):
    seeded.run(lambda ws: ws.snapshot_create("dev", "before"))
    seeded.sql("main", "ALTER TABLE items ADD COLUMN price numeric")
    r = seeded.run(lambda ws: ws.branch_diff("dev", "main", "before"))
    assert "price" in r["text"] and "ADD COLUMN price numeric" in r["sql"]
    assert seeded.admin("SELECT datallowconn FROM pg_database WHERE datname = 'app__before'") == [(False,)]
    with pytest.raises(UsageError, match="has no parent"):
        seeded.run(lambda ws: ws.branch_diff("dev", "main"))


def test_cli_branch_commands_json_and_exit_codes(seeded):
    from core.cli.main import cli

    runner = CliRunner()

    def sy(*args):
        return runner.invoke(cli, ["-C", str(seeded.root), *args], catch_exceptions=False)

    res = sy("branch", "create", "feat", "--switch", "--json")
    assert res.exit_code == 0, res.output
    created = json.loads(res.stdout)
    assert created["name"] == "feat" and created["active"] and created["strategy"]
    res = sy("branch", "list")
    assert res.exit_code == 0 and "* " in res.stdout and "feat" in res.stdout
    assert sy("branch", "create", "feat").exit_code == 5  # taken
    assert sy("branch", "create", "Bad").exit_code == 2
    assert sy("branch", "delete", "feat").exit_code == 2  # needs --yes without a terminal
    res = sy("branch", "diff", "feat", "--data", "--json")
    assert res.exit_code == 0 and json.loads(res.stdout)["schema"]["empty"] is True
    assert sy("snapshot", "create", "s1", "--from", "main").exit_code == 0
    res = sy("snapshot", "list", "--json")
    assert [s["name"] for s in json.loads(res.stdout)] == ["s1"]
    res = sy("branch", "delete", "feat", "--yes", "--json")
    assert res.exit_code == 0 and json.loads(res.stdout)["switched_to"] == "main"


def test_merge_refuses_while_the_target_has_pending_migrations(seeded):
    from core.errors import ConflictError

    seeded.run(lambda ws: ws.branch_create("dev", "feat"))
    mig = seeded.root / "supabase" / "migrations"
    mig.mkdir(parents=True, exist_ok=True)
    (mig / "20200101000000_add_notes.sql").write_text("CREATE TABLE notes (id int PRIMARY KEY);\n")
    seeded.sql("feat", "CREATE TABLE notes (id int PRIMARY KEY)")  # applied on the branch only
    with pytest.raises(ConflictError, match="20200101000000_add_notes.sql") as e:
        seeded.run(lambda ws: ws.branch_merge("dev", "feat"))
    assert "migration up" in e.value.hint
    assert _migrations(seeded) == ["20200101000000_add_notes.sql"]
    assert seeded.sql("main", "SELECT to_regclass('notes')") == [(None,)]
