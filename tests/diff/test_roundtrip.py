"""Round-trip corpus: apply diff(A -> B) to A, then A and B must have no differences.

A' (A after the script) and B were built by different SQL, so the final comparison also
checks that two databases reaching the same schema by different paths compare equal.
"""

from __future__ import annotations

import psycopg
import pytest

from core.pg.schemadiff import diff_schemas
from tests.diff.conftest import CORPUS, inspect_dsn

CASES = sorted(p for p in CORPUS.iterdir() if (p / "a.sql").exists())


def test_corpus_is_broad():
    assert len(CASES) >= 26


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_round_trip(case, make_db):
    a_dsn = make_db((case / "a.sql").read_text())
    b_dsn = make_db((case / "b.sql").read_text())
    a, b = inspect_dsn(a_dsn), inspect_dsn(b_dsn)
    # Every schema compares equal to itself (no spurious differences from introspection).
    assert diff_schemas(a, a).is_empty and diff_schemas(b, b).is_empty
    diff = diff_schemas(a, b)
    assert not diff.is_empty, "each corpus pair must differ"
    script = diff.to_sql(allow_destructive=True)
    expect = case / "expect.txt"  # statements the hard cases must contain, one per line
    for line in expect.read_text().splitlines() if expect.exists() else []:
        assert line in script, f"missing {line!r} in:\n{script}"
    with psycopg.connect(a_dsn) as conn:  # one transaction: all or nothing
        conn.execute(script)
    check = case / "check.sql"  # a query that must return true on A': the rows survived
    if check.exists():
        with psycopg.connect(a_dsn) as conn:
            assert conn.execute(check.read_text()).fetchone()[0] is True, check.read_text()
    after = diff_schemas(inspect_dsn(a_dsn), b)
    assert after.is_empty, f"left after applying:\n{script}\n---\n{after.to_text()}"
