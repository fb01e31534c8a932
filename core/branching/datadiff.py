"""Data diff by primary key between two databases of one cluster, streamed.

Each table is read from both sides with a server-side cursor ordered by primary key, as
(key, md5 of the row's common columns); a merge join in Python counts rows added (only in A),
removed (only in B) and changed (same key, other values). Memory stays flat whatever the size.
Keys of types whose Python order may differ from Postgres' are compared as text in "C" order.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, AsyncIterator

import psycopg
from psycopg import sql

from ..errors import NotFoundError
from ..events import OperationScope

NATIVE_ORDER_TYPES = {"smallint", "integer", "bigint", "uuid"}
ITERSIZE = 5000

_TABLES_SQL = """
SELECT n.nspname, c.relname,
  coalesce((SELECT json_agg(a.attname ORDER BY k.ord) FROM pg_index i
            CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
            JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
            WHERE i.indrelid = c.oid AND i.indisprimary), '[]'::json),
  (SELECT json_agg(json_build_array(a.attname, format_type(a.atttypid, a.atttypmod)) ORDER BY a.attnum)
     FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
  AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
ORDER BY 1, 2
"""


@dataclass
class TableInfo:
    schema: str
    name: str
    pk: list[str]
    columns: dict[str, str]  # name -> type

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.name}"

    @property
    def ident(self) -> sql.Identifier:
        return sql.Identifier(self.schema, self.name)


@dataclass
class TableDataDiff:
    table: str
    status: str  # compared | no_primary_key | primary_key_differs | only_in_a | only_in_b
    added: int = 0
    changed: int = 0
    removed: int = 0
    columns_not_compared: list[str] = field(default_factory=list)
    sample: dict[str, list] = field(default_factory=dict)

    @property
    def differs(self) -> bool:
        return self.status != "compared" or bool(self.added or self.changed or self.removed)

    def to_dict(self) -> dict:
        return dict(self.__dict__)


async def user_tables(conn: psycopg.AsyncConnection) -> dict[str, TableInfo]:
    cur = await conn.execute(_TABLES_SQL)
    out = {}
    for schema, name, pk, cols in await cur.fetchall():
        t = TableInfo(schema, name, list(pk or []), {c: ty for c, ty in (cols or [])})
        out[t.qualified] = t
    return out


def _jsonable(v: Any) -> Any:
    return v if v is None or isinstance(v, (bool, int, float, str)) else str(v)


def _key_exprs(t: TableInfo, native: bool) -> list[sql.Composable]:
    if native:
        return [sql.Identifier(c) for c in t.pk]
    return [sql.SQL("({}::text)").format(sql.Identifier(c)) for c in t.pk]


def _stream_query(t: TableInfo, common: list[str], native: bool) -> sql.Composed:
    keys = _key_exprs(t, native)
    row = sql.SQL("md5(ROW({})::text)").format(sql.SQL(", ").join(sql.Identifier(c) for c in common)) if common \
        else sql.SQL("''")
    order = sql.SQL(", ").join(k if native else sql.SQL("{} COLLATE \"C\"").format(k) for k in keys)
    return sql.SQL("SELECT {}, {} FROM {} ORDER BY {}").format(sql.SQL(", ").join(keys), row, t.ident, order)


async def _stream(conn: psycopg.AsyncConnection, query: sql.Composed, cursor_name: str) -> AsyncIterator[tuple]:
    async with conn.transaction():
        async with conn.cursor(name=cursor_name) as cur:
            cur.itersize = ITERSIZE
            await cur.execute(query)
            async for r in cur:
                yield r


async def _count(conn: psycopg.AsyncConnection, t: TableInfo) -> int:
    cur = await conn.execute(sql.SQL("SELECT count(*) FROM {}").format(t.ident))
    return int((await cur.fetchone())[0])


async def _fetch_row(conn: psycopg.AsyncConnection, t: TableInfo, key: tuple) -> dict | None:
    cond = sql.SQL(" AND ").join(
        sql.SQL("{}::text = %s").format(sql.Identifier(c)) for c in t.pk)
    cur = await conn.execute(sql.SQL("SELECT to_jsonb(t) FROM {} AS t WHERE {}").format(t.ident, cond),
                             [str(k) for k in key])
    r = await cur.fetchone()
    return r[0] if r else None


async def _compare_table(a: psycopg.AsyncConnection, b: psycopg.AsyncConnection, ta: TableInfo, tb: TableInfo,
                         rows: int) -> TableDataDiff:
    common = [c for c, ty in ta.columns.items() if tb.columns.get(c) == ty]
    res = TableDataDiff(ta.qualified, "compared",
                        columns_not_compared=sorted((set(ta.columns) | set(tb.columns)) - set(common)))
    native = all(ta.columns.get(c) in NATIVE_ORDER_TYPES and ta.columns.get(c) == tb.columns.get(c) for c in ta.pk)
    samples: dict[str, list[tuple]] = {"added": [], "changed": [], "removed": []}
    ia = _stream(a, _stream_query(ta, common, native), "stackyard_diff_a").__aiter__()
    ib = _stream(b, _stream_query(tb, common, native), "stackyard_diff_b").__aiter__()
    ra = await anext(ia, None)
    rb = await anext(ib, None)
    while ra is not None or rb is not None:
        if rb is None or (ra is not None and ra[:-1] < rb[:-1]):
            res.added += 1
            kind, key, ra = "added", ra[:-1], await anext(ia, None)
        elif ra is None or rb[:-1] < ra[:-1]:
            res.removed += 1
            kind, key, rb = "removed", rb[:-1], await anext(ib, None)
        else:
            kind, key = ("changed" if ra[-1] != rb[-1] else None), ra[:-1]
            if kind:
                res.changed += 1
            ra, rb = await anext(ia, None), await anext(ib, None)
        if kind and len(samples[kind]) < rows:
            samples[kind].append(key)
    if rows:
        res.sample = await _samples(a, b, ta, samples)
    return res


async def _samples(a, b, t: TableInfo, keys: dict[str, list[tuple]]) -> dict[str, list]:
    out: dict[str, list] = {}
    for kind, found in keys.items():
        items = []
        for key in found:
            pk = {c: _jsonable(v) for c, v in zip(t.pk, key)}
            if kind == "added":
                items.append({"pk": pk, "row": await _fetch_row(a, t, key)})
            elif kind == "removed":
                items.append({"pk": pk, "row": await _fetch_row(b, t, key)})
            else:
                ra, rb = await _fetch_row(a, t, key) or {}, await _fetch_row(b, t, key) or {}
                cols = {c: {"a": ra.get(c), "b": rb.get(c)} for c in sorted(set(ra) | set(rb)) if ra.get(c) != rb.get(c)}
                items.append({"pk": pk, "columns": cols})
        if items:
            out[kind] = items
    return out


async def diff_data(a_dsn: str, b_dsn: str, *, table: str | None = None, rows: int = 0,
                    op: OperationScope | None = None) -> list[TableDataDiff]:
    """Per table of A and B: rows added/changed/removed going from B to A (``rows`` samples each)."""
    async with await psycopg.AsyncConnection.connect(a_dsn, autocommit=True) as a, \
            await psycopg.AsyncConnection.connect(b_dsn, autocommit=True) as b:
        tables_a, tables_b = await user_tables(a), await user_tables(b)
        names = sorted(set(tables_a) | set(tables_b))
        if table is not None:
            wanted = table if "." in table else f"public.{table}"
            names = [n for n in names if n == wanted]
            if not names:
                raise NotFoundError(f"no table {table!r} in either database",
                                    hint="give schema.table for tables outside public")
        out: list[TableDataDiff] = []
        for i, name in enumerate(names):
            if op is not None:
                op.progress(f"comparing rows of {name}", i, len(names), "tables")
            ta, tb = tables_a.get(name), tables_b.get(name)
            if tb is None:
                out.append(TableDataDiff(name, "only_in_a", added=await _count(a, ta)))
            elif ta is None:
                out.append(TableDataDiff(name, "only_in_b", removed=await _count(b, tb)))
            elif not ta.pk or not tb.pk:
                out.append(TableDataDiff(name, "no_primary_key"))
            elif ta.pk != tb.pk:
                out.append(TableDataDiff(name, "primary_key_differs"))
            else:
                out.append(await _compare_table(a, b, ta, tb, rows))
        return out


def data_diff_text(results: list[TableDataDiff]) -> str:
    """One line per table that differs (or could not be compared)."""
    lines = []
    for r in results:
        if r.status == "no_primary_key":
            lines.append(f"? {r.table}: no primary key, not compared")
        elif r.status == "primary_key_differs":
            lines.append(f"? {r.table}: primary keys differ, not compared")
        elif r.differs:
            where = {"only_in_a": " (table only in A)", "only_in_b": " (table only in B)"}.get(r.status, "")
            lines.append(f"~ {r.table}: +{r.added} added, ~{r.changed} changed, -{r.removed} removed{where}")
        for kind, items in r.sample.items():
            for it in items:
                lines.append(f"    {kind}: {json.dumps(it.get('pk'))} "
                             f"{json.dumps(it.get('columns') or it.get('row'), default=str)}")
    return "\n".join(lines) if lines else "No data differences."
