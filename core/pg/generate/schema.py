"""What the generator needs to know about the live schema: columns, keys, FKs, checks, enums."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import psycopg

# Defaults whose value changes from run to run: the generator fills such columns itself so
# that the same seed gives identical rows (sequences/identity stay with Postgres: they are
# deterministic on a fresh database).
_VOLATILE_DEFAULT = re.compile(
    r"\b(now|gen_random_uuid|uuid_generate_v[14]|clock_timestamp|statement_timestamp|"
    r"transaction_timestamp|random|timeofday)\s*\(|\bCURRENT_(TIMESTAMP|DATE|TIME)\b|\bLOCAL(TIMESTAMP|TIME)\b",
    re.I,
)


@dataclass
class Column:
    name: str
    type_sql: str  # format_type(), e.g. "character varying(120)"
    base: str  # base type name after resolving domains, e.g. "varchar", "int4", "_text"
    category: str  # pg_type.typcategory of the base type (N numeric, S string, A array, E enum...)
    not_null: bool
    default: str | None  # pg_get_expr of the default, if any
    identity: bool
    generated: bool
    max_length: int | None = None
    numeric_precision: int | None = None
    numeric_scale: int | None = None
    enum_labels: tuple[str, ...] | None = None
    element_base: str | None = None  # for arrays: the element's base type name

    @property
    def left_to_postgres(self) -> bool:
        """Postgres fills it: identity, generated, or a deterministic default (sequence, constant)."""
        if self.identity or self.generated:
            return True
        return self.default is not None and not _VOLATILE_DEFAULT.search(self.default)

    @property
    def has_volatile_default(self) -> bool:
        return self.default is not None and bool(_VOLATILE_DEFAULT.search(self.default))


@dataclass
class ForeignKey:
    name: str
    columns: tuple[str, ...]
    ref_table: str  # qualified key "schema.table"
    ref_columns: tuple[str, ...]


@dataclass
class Table:
    schema: str
    name: str
    columns: dict[str, Column] = field(default_factory=dict)
    primary_key: tuple[str, ...] = ()
    uniques: list[tuple[str, ...]] = field(default_factory=list)  # includes the primary key
    foreign_keys: list[ForeignKey] = field(default_factory=list)
    checks: list[tuple[str, str]] = field(default_factory=list)  # (name, definition)

    @property
    def key(self) -> str:
        return f"{self.schema}.{self.name}"

    @property
    def display(self) -> str:
        return self.name if self.schema == "public" else self.key


_TABLES = """
SELECT c.oid, n.nspname, c.relname
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
  AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%'
"""

_COLUMNS = """
SELECT a.attrelid, a.attname, format_type(a.atttypid, a.atttypmod),
       bt.typname, bt.typcategory, a.attnotnull OR coalesce(t.typnotnull, false),
       pg_get_expr(d.adbin, d.adrelid), a.attidentity <> '', a.attgenerated <> '',
       CASE WHEN t.typtype = 'd' THEN t.typtypmod ELSE a.atttypmod END,
       CASE WHEN bt.typtype = 'e' THEN (SELECT array_agg(e.enumlabel ORDER BY e.enumsortorder)
                                        FROM pg_enum e WHERE e.enumtypid = bt.oid) END,
       et.typname
FROM pg_attribute a
JOIN pg_type t ON t.oid = a.atttypid
JOIN pg_type bt ON bt.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END
LEFT JOIN pg_type et ON et.oid = bt.typelem AND bt.typcategory = 'A'
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE a.attrelid = ANY(%s) AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attrelid, a.attnum
"""

_CONSTRAINTS = """
SELECT con.conrelid, con.contype, con.conname,
       ARRAY(SELECT a.attname FROM unnest(con.conkey) WITH ORDINALITY k(n, i)
             JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.n ORDER BY k.i),
       fn.nspname || '.' || fc.relname,
       ARRAY(SELECT a.attname FROM unnest(con.confkey) WITH ORDINALITY k(n, i)
             JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.n ORDER BY k.i),
       pg_get_constraintdef(con.oid)
FROM pg_constraint con
LEFT JOIN pg_class fc ON fc.oid = con.confrelid
LEFT JOIN pg_namespace fn ON fn.oid = fc.relnamespace
WHERE con.conrelid = ANY(%s) AND con.contype IN ('p', 'u', 'f', 'c')
ORDER BY con.conrelid, con.conname
"""

# Unique indexes that are not constraints (CREATE UNIQUE INDEX), without expressions/predicates.
_UNIQUE_INDEXES = """
SELECT i.indrelid,
       ARRAY(SELECT a.attname FROM unnest(i.indkey::int2[]) WITH ORDINALITY k(n, o)
             JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.n ORDER BY k.o)
FROM pg_index i
WHERE i.indrelid = ANY(%s) AND i.indisunique AND i.indexprs IS NULL AND i.indpred IS NULL
  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
"""


# CHECKs of domains used by columns, so inference respects them like table CHECKs.
_DOMAIN_CHECKS = """
SELECT a.attrelid, a.attname, con.conname, pg_get_constraintdef(con.oid)
FROM pg_attribute a JOIN pg_constraint con ON con.contypid = a.atttypid AND con.contype = 'c'
WHERE a.attrelid = ANY(%s) AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attrelid, a.attnum, con.conname
"""
_VALUE = re.compile(r"\bVALUE\b")


def _typmod_details(base: str, typmod: int) -> tuple[int | None, int | None, int | None]:
    """(max_length, numeric precision, numeric scale) from a type modifier."""
    if typmod is None or typmod < 0:
        return None, None, None
    if base in ("varchar", "bpchar"):
        return typmod - 4, None, None
    if base == "numeric":
        mod = typmod - 4
        return None, (mod >> 16) & 0xFFFF, mod & 0xFFFF
    return None, None, None


def load_schema(conn: psycopg.Connection) -> dict[str, Table]:
    """All ordinary and partitioned user tables, keyed by "schema.table"."""
    tables: dict[int, Table] = {}
    for oid, schema, name in conn.execute(_TABLES).fetchall():
        tables[oid] = Table(schema, name)
    oids = list(tables)
    for row in conn.execute(_COLUMNS, (oids,)).fetchall():
        relid, name, type_sql, base, cat, not_null, default, ident, gen, typmod, labels, elem = row
        max_len, prec, scale = _typmod_details(base, typmod)
        tables[relid].columns[name] = Column(
            name, type_sql, base, cat, bool(not_null), default, bool(ident), bool(gen),
            max_len, prec, scale, tuple(labels) if labels else None, elem,
        )
    for relid, kind, name, cols, ref_table, ref_cols, definition in conn.execute(
        _CONSTRAINTS, (oids,)
    ).fetchall():
        t = tables[relid]
        if kind == "p":
            t.primary_key = tuple(cols)
            t.uniques.append(tuple(cols))
        elif kind == "u":
            t.uniques.append(tuple(cols))
        elif kind == "f":
            t.foreign_keys.append(ForeignKey(name, tuple(cols), ref_table, tuple(ref_cols)))
        else:
            t.checks.append((name, definition))
    for relid, column, name, definition in conn.execute(_DOMAIN_CHECKS, (oids,)).fetchall():
        quoted = '"' + column.replace('"', '""') + '"'
        tables[relid].checks.append((name, _VALUE.sub(lambda _: quoted, definition)))
    for relid, cols in conn.execute(_UNIQUE_INDEXES, (oids,)).fetchall():
        if tuple(cols) not in tables[relid].uniques:
            tables[relid].uniques.append(tuple(cols))
    return {t.key: t for t in tables.values()}
