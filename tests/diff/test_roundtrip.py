"""Round-trip corpus: apply diff(A -> B) to A, then A and B must have no differences."""

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
    diff = diff_schemas(a, b)
    assert not diff.is_empty, "each corpus pair must differ"
    script = diff.to_sql(allow_destructive=True)
    with psycopg.connect(a_dsn) as conn:  # one transaction: all or nothing
        conn.execute(script)
    after = diff_schemas(inspect_dsn(a_dsn), b)
    assert after.is_empty, f"left after applying:\n{script}\n---\n{after.to_text()}"


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_self_diff_is_empty(case, make_db):
    for side in ("a.sql", "b.sql"):
        dsn = make_db((case / side).read_text())
        schema = inspect_dsn(dsn)
        assert diff_schemas(schema, schema).is_empty
        # A second database built from the same script has the same schema too.
        assert diff_schemas(schema, inspect_dsn(make_db((case / side).read_text()))).is_empty
