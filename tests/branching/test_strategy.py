"""Strategy choice, reflink probing, naming and setting parsing; plus the clone path on a real XFS mount."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from core.branching.copy import WAL_LOG_MAX_BYTES, _create_statement, BranchStrategy, choose_strategy, probe_reflink, reflink_supported
from core.branching.dbsettings import list_items
from core.branching.models import MAX_IDENT, database_name, parse_comment


def test_strategy_follows_version_filesystem_and_size():
    big, small = WAL_LOG_MAX_BYTES + 1, WAL_LOG_MAX_BYTES
    assert choose_strategy(180006, True, big) is BranchStrategy.CLONE
    assert choose_strategy(180006, True, 1) is BranchStrategy.CLONE  # size does not matter for a clone
    assert choose_strategy(170004, True, big) is BranchStrategy.FILE_COPY  # no file_copy_method before 18
    assert "STRATEGY" not in _create_statement("b", "a", BranchStrategy.PLAIN).as_string(None)
    assert _create_statement("b", "a", BranchStrategy.CLONE).as_string(None).endswith("STRATEGY FILE_COPY")
    assert choose_strategy(180006, False, big) is BranchStrategy.FILE_COPY
    assert choose_strategy(180006, False, small) is BranchStrategy.WAL_LOG
    assert choose_strategy(140010, True, big) is BranchStrategy.PLAIN  # no STRATEGY clause before 15
    assert choose_strategy(150000, False, small) is BranchStrategy.WAL_LOG


def test_reflink_probe_is_cached_per_data_dir(tmp_path):
    data = tmp_path / "pg" / "data"
    data.mkdir(parents=True)
    cache = tmp_path / "fs.json"
    first = reflink_supported(data, cache)
    assert first == probe_reflink(data.parent) and cache.is_file()
    assert '"reflink"' in cache.read_text()
    assert reflink_supported(None, cache) is False
    assert reflink_supported(tmp_path / "missing", cache) is False


def test_database_names_fit_postgres_limits():
    assert database_name("app", "feat") == "app__feat"
    long = database_name("m" * 60, "b" * 41)
    assert len(long.encode()) <= MAX_IDENT and long.endswith("__" + "b" * 41)
    assert database_name("m" * 60, "x") != database_name("m" * 59 + "n", "x")  # hash keeps them apart


def test_comments_that_are_not_ours_are_ignored():
    assert parse_comment(None) is None and parse_comment("my notes") is None
    assert parse_comment('{"branch": "x"}') is None  # no stackyard tag
    assert parse_comment('{"stackyard": 1, "branch": "x", "parent": "main"}')["parent"] == "main"


def test_list_settings_are_split_like_postgres_stores_them():
    assert list_items('"$user", public, "Odd ""Schema"""') == ["$user", "public", 'Odd "Schema"']
    assert list_items("pg_catalog") == ["pg_catalog"]


def _xfs_unavailable() -> str | None:
    if os.geteuid() != 0:
        return "needs root to loop-mount XFS"
    if not shutil.which("mkfs.xfs"):
        return "needs xfsprogs (mkfs.xfs)"
    return None


@pytest.mark.skipif(_xfs_unavailable() is not None, reason=_xfs_unavailable() or "")
def test_clone_strategy_on_a_reflink_filesystem_keeps_branches_independent():
    from .conftest import start_project, stop_project

    image = Path("/var/tmp") / f"stackyard-test-{os.getpid()}.xfs"
    mnt = Path("/mnt") / f"stackyard-test-xfs-{os.getpid()}"
    subprocess.run(["truncate", "-s", "1G", str(image)], check=True)
    subprocess.run(["mkfs.xfs", "-q", "-f", "-m", "reflink=1", str(image)], check=True, capture_output=True)
    mnt.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(["mount", "-o", "loop", str(image), str(mnt)], capture_output=True)
    if mounted.returncode != 0:
        image.unlink(missing_ok=True)
        pytest.skip(f"loop mount not possible here: {mounted.stderr.decode().strip()}")
    p = None
    try:
        os.chmod(mnt, 0o755)
        p = start_project(mnt / "proj")
        p.sql("main", "CREATE TABLE t (id int PRIMARY KEY, pad text);"
                      "INSERT INTO t SELECT g, repeat('x', 500) FROM generate_series(1, 20000) g")
        r = p.run(lambda ws: ws.branch_create("dev", "cow"))
        assert r["strategy"] == "clone"
        p.sql("cow", "UPDATE t SET pad = 'changed' WHERE id <= 10")
        p.sql("main", "DELETE FROM t WHERE id > 19990")
        assert p.sql("main", "SELECT count(*), count(*) FILTER (WHERE pad = 'changed') FROM t") == [(19990, 0)]
        assert p.sql("cow", "SELECT count(*), count(*) FILTER (WHERE pad = 'changed') FROM t") == [(20000, 10)]
        assert p.run(lambda ws: ws.branch_reset("dev", "cow"))["strategy"] == "clone"
        assert p.sql("cow", "SELECT count(*) FROM t") == [(19990,)]
    finally:
        if p is not None:
            try:
                stop_project(p)
            except Exception:
                pass
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True)
        image.unlink(missing_ok=True)
        shutil.rmtree(mnt, ignore_errors=True)
