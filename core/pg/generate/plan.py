"""Turn a spec and the live schema into ordered per-table plans (which generator fills what).

Tables are ordered so every parent loads before its children. A cycle is broken at a
foreign key whose columns are all nullable: that field is left NULL on the first pass and
filled by an UPDATE once its parent exists. A cycle through NOT NULL keys is an error.
"""

from __future__ import annotations

import datetime as dt
import difflib
from dataclasses import dataclass, field

from core.errors import UsageError

from .generators import (
    ChoicesGen, ConstantGen, DateRangeGen, DateTimeRangeGen, FakerGen, FloatRangeGen, Generator,
    IntRangeGen, NullableGen, RefGen, DEFAULT_POOL, SequenceGen, SqlGen, TruncatingGen, derive_rng, ref_of,
)
from .infer import infer_generator, parse_checks
from .schema import Column, Table
from .spec import ColumnSpec, Mark, Spec, TableSpec, parse_range

DEFAULT_ROWS = 100
_INFERRED_NULL_FRACTION = 0.1  # nullable, unnamed, non-key columns: some NULLs, like real data
_SELF_REF_NULL_FRACTION = 0.5  # self-references: leave roots so trees have a top


@dataclass
class Field:
    """One generator filling one column, or several (a composite foreign key)."""

    columns: tuple[str, ...]
    gen: Generator
    nullable: bool
    source: str  # "spec" | "inferred" | "foreign key"
    mark: Mark | None = None
    deferred: bool = False  # broken out of a cycle: NULL first, UPDATE in the second pass
    deferred_null_fraction: float = 0.0


@dataclass
class TablePlan:
    table: Table
    rows: int
    fields: list[Field] = field(default_factory=list)
    unique_sets: list[tuple[str, ...]] = field(default_factory=list)
    unchecked: list[tuple[str, str]] = field(default_factory=list)  # CHECKs left to Postgres
    mark: Mark | None = None
    schema: dict[str, Table] = field(default_factory=dict, repr=False)  # the whole database

    @property
    def copy_fields(self) -> list[Field]:
        return [f for f in self.fields if not f.deferred]


def _resolve_table(name: str, default_schema: str, schema: dict[str, Table]) -> str | None:
    key = name if "." in name else f"{default_schema}.{name}"
    return key if key in schema else None


def _no_such_table(name: str, schema: dict[str, Table], mark: Mark | None, what: str) -> Exception:
    names = [t.display for t in schema.values()]
    close = difflib.get_close_matches(name, names, n=3)
    hint = ("did you mean " + " or ".join(close) + "?") if close else (
        "tables in the database: " + (", ".join(sorted(names)[:20]) or "none — run migrations first")
    )
    message = f"{what} {name!r} does not exist in the database"
    return mark.error(message, hint) if mark else UsageError(message, hint=hint)


def build_plans(
    schema: dict[str, Table], spec: Spec | None, *, rows: int | None, seed: int,
    tables: list[str] | None,
) -> list[TablePlan]:
    """Validate the spec against the schema and return table plans in load order."""
    default_schema = spec.schema if spec else "public"
    chosen: dict[str, TableSpec | None] = {}
    if spec:
        for name, tspec in spec.tables.items():
            key = _resolve_table(name, default_schema, schema)
            if key is None:
                raise _no_such_table(name, schema, tspec.mark, "table")
            chosen[key] = tspec
    else:
        chosen = {k: None for k, t in sorted(schema.items()) if t.schema == default_schema}
    if tables:
        wanted = []
        for name in tables:
            key = _resolve_table(name, default_schema, schema)
            if key is None or key not in chosen:
                where = "the spec" if spec else f"schema {default_schema!r}"
                raise UsageError(f"table {name!r} is not in {where}",
                                 hint="choose from: " + ", ".join(schema[k].display for k in chosen))
            wanted.append(key)
        chosen = {k: chosen[k] for k in wanted}
    if not chosen:
        raise UsageError(f"no tables to generate in schema {default_schema!r}",
                         hint="run migrations first, or name tables in a spec")
    locale = spec.locale if spec else None
    plans = []
    for key, tspec in chosen.items():
        count = rows if rows is not None else (
            tspec.rows if tspec and tspec.rows is not None else (
                spec.rows if spec and spec.rows is not None else DEFAULT_ROWS))
        plans.append(_plan_table(schema, schema[key], tspec, count, seed, locale, default_schema))
    return order_plans(plans)


def _plan_table(
    schema: dict[str, Table], table: Table, tspec: TableSpec | None, rows: int, seed: int,
    locale: str | None, default_schema: str,
) -> TablePlan:
    plan = TablePlan(table, rows, mark=tspec.mark if tspec else None, schema=schema)
    hints, plan.unchecked = parse_checks(table)
    covered: set[str] = set()
    forced_unique: list[tuple[str, ...]] = []
    for cspec in (tspec.columns.values() if tspec else ()):
        col = table.columns.get(cspec.name)
        if col is None:
            close = difflib.get_close_matches(cspec.name, list(table.columns), n=3)
            raise cspec.mark.error(
                f"column {cspec.name!r} does not exist in table {table.display}",
                ("did you mean " + " or ".join(close) + "?") if close
                else "columns: " + ", ".join(table.columns),
            )
        if col.generated:
            raise cspec.mark.error(f"column {table.display}.{col.name} is a generated column",
                                   "Postgres computes it: remove it from the spec")
        covered.add(col.name)
        if cspec.kind == "default":
            continue
        gen = _spec_generator(schema, table, col, cspec, seed, locale, default_schema)
        nf = float(cspec.options.get("null_fraction", 0) or 0)
        if nf:
            gen = NullableGen(derive_rng(seed, table.key, col.name, "nulls"), gen, nf)
        f = Field((col.name,), gen, not col.not_null, "spec", cspec.mark)
        ref = ref_of(gen)
        if ref is not None and ref.table == table.key:
            if col.not_null:
                raise cspec.arg_mark.error(
                    f"{table.display}.{col.name} references its own table and is NOT NULL",
                    "the first row can never satisfy it: make the column nullable",
                )
            f.deferred, f.deferred_null_fraction = True, nf
        plan.fields.append(f)
        if cspec.options.get("unique"):
            forced_unique.append((col.name,))
    for fk in table.foreign_keys:
        if covered.intersection(fk.columns):
            continue
        cols = [table.columns[c] for c in fk.columns]
        nullable = all(not c.not_null for c in cols)
        gen = RefGen(derive_rng(seed, table.key, *fk.columns), fk.ref_table, fk.ref_columns)
        f = Field(fk.columns, gen, nullable, "foreign key")
        if fk.ref_table == table.key:
            if not nullable:
                raise UsageError(
                    f"{table.display}({', '.join(fk.columns)}) references its own table and is NOT NULL",
                    hint="the first row can never satisfy it: make the column nullable or give it a generator in the spec",
                )
            f.deferred, f.deferred_null_fraction = True, _SELF_REF_NULL_FRACTION
        plan.fields.append(f)
        covered.update(fk.columns)
    for col in table.columns.values():
        if col.name in covered or col.left_to_postgres:
            continue
        if (col.name,) in table.uniques and col.base in ("int2", "int4", "int8"):
            # A hand-numbered key (no identity/serial): number the rows, as people do.
            plan.fields.append(Field((col.name,), SequenceGen(derive_rng(seed, table.key, col.name)),
                                     not col.not_null, "inferred"))
            continue
        gen = infer_generator(seed, table, col, hints, locale)
        if gen is None:
            if col.not_null:
                message = f"cannot infer a generator for {table.display}.{col.name} (type {col.type_sql})"
                hint = f"name one in the spec under tables.{table.display}.columns.{col.name}"
                raise plan.mark.error(message, hint) if plan.mark else UsageError(message, hint=hint)
            continue
        if col.max_length and _makes_text(gen):
            gen = TruncatingGen(gen.rng, gen, col.max_length)
        if not col.not_null and not any(col.name in u for u in table.uniques):
            gen = NullableGen(derive_rng(seed, table.key, col.name, "nulls"), gen, _INFERRED_NULL_FRACTION)
        plan.fields.append(Field((col.name,), gen, not col.not_null, "inferred"))
    generated = {c for f in plan.fields if not f.deferred for c in f.columns}
    for u in table.uniques + forced_unique:
        if set(u) <= generated and u not in plan.unique_sets:
            plan.unique_sets.append(u)
    return plan


def _makes_text(gen: Generator) -> bool:
    return isinstance(gen, FakerGen)


def _spec_generator(
    schema: dict[str, Table], table: Table, col: Column, cspec: ColumnSpec, seed: int,
    locale: str | None, default_schema: str,
) -> Generator:
    rng = derive_rng(seed, table.key, col.name)
    kind, arg, opts = cspec.kind, cspec.arg, cspec.options
    if kind == "faker":
        gen: Generator = FakerGen(rng, arg, opts.get("args"), opts.get("kwargs"), locale,
                                  pool=int(opts.get("pool", DEFAULT_POOL)))
        return TruncatingGen(rng, gen, col.max_length) if col.max_length else gen
    if kind == "choices":
        if isinstance(arg, dict):
            return ChoicesGen(rng, list(arg), [float(w) for w in arg.values()])
        return ChoicesGen(rng, list(arg))
    if kind == "value":
        return ConstantGen(rng, arg)
    if kind == "sql":
        return SqlGen(rng, arg)
    if kind == "sequence":
        if isinstance(arg, dict):
            return SequenceGen(rng, int(arg.get("start", 1)), int(arg.get("step", 1)), arg.get("format"))
        return SequenceGen(rng, 1 if arg is None else int(arg))
    if kind == "range":
        low, high = parse_range(arg, cspec.arg_mark, col.name)
        if isinstance(low, dt.datetime):
            return DateTimeRangeGen(rng, low, high, aware=col.base == "timestamptz")
        if isinstance(low, dt.date):
            if col.base in ("timestamp", "timestamptz"):
                return DateTimeRangeGen(rng, dt.datetime.combine(low, dt.time()),
                                        dt.datetime.combine(high, dt.time(23, 59, 59)),
                                        aware=col.base == "timestamptz")
            return DateRangeGen(rng, low, high)
        if isinstance(low, int) and isinstance(high, int) and "decimals" not in opts \
                and col.base not in ("numeric", "float4", "float8"):
            return IntRangeGen(rng, low, high)
        decimals = opts.get("decimals", col.numeric_scale if col.base == "numeric" else None)
        return FloatRangeGen(rng, float(low), float(high), decimals)
    if kind == "ref":
        ref_table, _, ref_col = arg.rpartition(".")
        key = _resolve_table(ref_table, default_schema, schema)
        if key is None:
            raise _no_such_table(ref_table, schema, cspec.arg_mark, "referenced table")
        if ref_col not in schema[key].columns:
            close = difflib.get_close_matches(ref_col, list(schema[key].columns), n=3)
            raise cspec.arg_mark.error(
                f"referenced column {ref_col!r} does not exist in table {schema[key].display}",
                ("did you mean " + " or ".join(close) + "?") if close
                else "columns: " + ", ".join(schema[key].columns),
            )
        return RefGen(rng, key, (ref_col,))
    raise cspec.mark.error(f"unsupported generator {kind!r}")  # unreachable: spec.py checked


def order_plans(plans: list[TablePlan]) -> list[TablePlan]:
    """Parents before children; break cycles at all-nullable foreign keys (deferred fields)."""
    by_key = {p.table.key: p for p in plans}
    position = {k: i for i, k in enumerate(by_key)}

    def edges(p: TablePlan) -> list[tuple[str, Field]]:
        return [
            (ref_of(f.gen).table, f) for f in p.fields
            if ref_of(f.gen) is not None and not f.deferred and ref_of(f.gen).table in by_key
            and ref_of(f.gen).table != p.table.key
        ]

    ordered: list[TablePlan] = []
    remaining = dict(by_key)
    while remaining:
        ready = [k for k, p in remaining.items() if all(par not in remaining for par, _ in edges(p))]
        if ready:
            k = min(ready, key=position.__getitem__)
            ordered.append(remaining.pop(k))
            continue
        breakable = [
            (position[k], f) for k, p in remaining.items() for par, f in edges(p)
            if par in remaining and f.nullable
        ]
        if not breakable:
            cycle = " → ".join(remaining[k].table.display for k in remaining)
            raise UsageError(
                f"foreign keys form a cycle through NOT NULL columns: {cycle}",
                hint="make one of the foreign key columns nullable (it is filled in a second pass), "
                "or generate one of these tables in a separate run",
            )
        _, f = min(breakable, key=lambda x: (x[0], x[1].columns))
        f.deferred = True
    for p in ordered:  # a deferred field cannot take part in first-pass unique checks
        deferred = {c for f in p.fields if f.deferred for c in f.columns}
        p.unique_sets = [u for u in p.unique_sets if not deferred.intersection(u)]
    return ordered
