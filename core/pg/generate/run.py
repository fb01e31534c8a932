"""Run a generation: plan, draw, make unique, COPY — all in one transaction.

Generation is CPU-bound, so the whole run happens on a worker thread with a blocking
psycopg connection; progress events are handed back to the event loop thread-safely.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from core.errors import SQLError, StackyardError, UnreachableError, UsageError
from core.events import NULL_BUS, EventBus

from .generators import RefGen, SqlGen, derive_rng, ref_of, unwrap
from .load import (
    BULK_MIN_ROWS, copy_rows, park_foreign_keys, park_indexes, restore_foreign_keys, restore_indexes,
)
from .plan import Field, TablePlan, build_plans
from .schema import Table, load_schema
from .spec import Spec, load_spec
from .unique import enforce_unique

Progress = Callable[[str, int, int], None]


@dataclass
class TableReport:
    table: str
    rows: int
    columns: list[str]
    deferred_columns: list[str] = field(default_factory=list)
    unchecked_constraints: list[str] = field(default_factory=list)  # CHECKs Postgres verified
    seconds: float = 0.0


@dataclass
class GenerateReport:
    """What a generation run inserted."""

    seed: int
    spec: str | None
    tables: list[TableReport] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def total_rows(self) -> int:
        return sum(t.rows for t in self.tables)

    def to_dict(self) -> dict:
        return {
            "seed": self.seed,
            "spec": self.spec,
            "total_rows": self.total_rows,
            "seconds": round(self.seconds, 3),
            "tables": [
                {**t.__dict__, "seconds": round(t.seconds, 3)} for t in self.tables
            ],
        }


async def generate(
    dsn: str,
    spec_path: Path | None,
    *,
    rows: int | None = None,
    seed: int = 42,
    tables: list[str] | None = None,
    bus: EventBus | None = None,
) -> GenerateReport:
    """Fill tables with synthetic rows described by a YAML spec (or inferred from the schema).

    ``rows`` overrides every table's row count; ``tables`` restricts the run to those tables.
    The same seed on the same starting database gives identical rows. Everything happens in one
    transaction: on any error (ConfigError for spec problems, UsageError when constraints cannot
    be satisfied, SQLError otherwise) nothing is inserted.
    """
    bus = bus or NULL_BUS
    if rows is not None and rows < 0:
        raise UsageError(f"--rows must be 0 or more, got {rows}")
    spec = load_spec(Path(spec_path)) if spec_path is not None else None
    loop = asyncio.get_running_loop()
    with bus.operation("db.generate", target=str(spec_path) if spec_path else None) as op:

        def progress(message: str, done: int, total: int) -> None:
            loop.call_soon_threadsafe(op.progress, message, done, total, "rows")

        return await asyncio.to_thread(_generate_blocking, dsn, spec, rows, seed, tables, progress)


def _generate_blocking(
    dsn: str, spec: Spec | None, rows: int | None, seed: int, tables: list[str] | None,
    progress: Progress,
) -> GenerateReport:
    t0 = time.monotonic()
    try:
        conn = psycopg.connect(dsn, autocommit=True)
    except psycopg.OperationalError as e:
        raise UnreachableError(f"cannot connect to the database: {e}".strip()) from e
    report = GenerateReport(seed, spec.path if spec else None)
    try:
        with conn:
            _run_in_transaction(conn, spec, rows, seed, tables, progress, report)
    except psycopg.Error as e:  # anything not already explained in terms of the spec
        raise SQLError(f"generating data failed: {e.diag.message_primary or e}",
                       sqlstate=e.diag.sqlstate, hint=e.diag.message_hint) from e
    report.seconds = time.monotonic() - t0
    return report


def _park(conn: psycopg.Connection, plan: TablePlan) -> tuple[list, list] | None:
    """Park FKs and plain indexes; None (per-row checks instead) when not allowed to."""
    try:
        with conn.transaction():
            return park_foreign_keys(conn, plan.table), park_indexes(conn, plan.table)
    except psycopg.errors.InsufficientPrivilege:  # not the table's owner
        return None


def _run_in_transaction(
    conn: psycopg.Connection, spec: Spec | None, rows: int | None, seed: int,
    tables: list[str] | None, progress: Progress, report: GenerateReport,
) -> None:
    # Generated timestamps are UTC text; read keys back in the same form.
    conn.execute("SET TIME ZONE 'UTC'")
    conn.execute("SET DateStyle = 'ISO, YMD'")
    schema = load_schema(conn)
    plans = build_plans(schema, spec, rows=rows, seed=seed, tables=tables)
    with conn.transaction():
        parked = [(p, *moved) for p in plans if _is_bulk(conn, p) and (moved := _park(conn, p))]
        for plan in plans:
            report.tables.append(_load_table(conn, plan, seed, progress))
        for plan in plans:
            if any(f.deferred for f in plan.fields):
                _fill_deferred(conn, plan, seed, progress)
        for plan, fks, indexes in parked:
            try:
                restore_indexes(conn, indexes)
                restore_foreign_keys(conn, plan.table, fks)
            except psycopg.Error as e:
                raise constraint_error(e, plan) from e


def _is_bulk(conn: psycopg.Connection, plan: TablePlan) -> bool:
    """Large load into a table that holds fewer rows than we add: park its FKs and indexes."""
    if plan.rows < BULK_MIN_ROWS:
        return False
    t = sql.Identifier(plan.table.schema, plan.table.name)
    q = sql.SQL("SELECT count(*) FROM (SELECT 1 FROM {} LIMIT %s) s").format(t)
    return conn.execute(q, (plan.rows,)).fetchone()[0] < plan.rows


# Types the generators produce as text (UUIDGen, DateTimeRangeGen): keys read back from the
# database are read as text too, so generated and existing values compare equal.
_TEXT_KEYED = {"uuid", "timestamp", "timestamptz", "date"}


def _key_list(table: Table, cols: tuple[str, ...]) -> sql.Composable:
    return sql.SQL(", ").join(
        sql.SQL("{}::text").format(sql.Identifier(c)) if table.columns[c].base in _TEXT_KEYED
        else sql.Identifier(c) for c in cols
    )


def _fetch_keys(conn: psycopg.Connection, schema: dict[str, Table], ref: RefGen) -> list[Any]:
    table = schema[ref.table]
    cols = sql.SQL(", ").join(sql.Identifier(c) for c in ref.columns)
    not_null = sql.SQL(" AND ").join(sql.SQL("{} IS NOT NULL").format(sql.Identifier(c)) for c in ref.columns)
    # ORDER BY makes the picks deterministic whatever order the server returns rows in.
    q = sql.SQL("SELECT {keys} FROM (SELECT DISTINCT {cols} FROM {t} WHERE {nn}) k ORDER BY {cols}").format(
        keys=_key_list(table, ref.columns), cols=cols, t=sql.Identifier(table.schema, table.name), nn=not_null
    )
    rows = conn.execute(q).fetchall()
    return [r[0] for r in rows] if len(ref.columns) == 1 else [tuple(r) for r in rows]


def _prepare_refs(conn: psycopg.Connection, plan: TablePlan, fields: list[Field]) -> None:
    for f in fields:
        ref = ref_of(f.gen)
        if ref is None:
            continue
        ref.values = _fetch_keys(conn, plan.schema, ref)
        if not ref.values and plan.rows and not f.nullable:
            parent = ref.table.removeprefix("public.")
            raise UsageError(
                f"{plan.table.display}({', '.join(f.columns)}) must reference {parent}, which has no rows",
                hint=f"generate {parent} in the same run (add it to the spec) or seed it first",
            )


def _prepare_sql(conn: psycopg.Connection, plan: TablePlan, seed: int) -> None:
    for f in plan.copy_fields:
        gen = unwrap(f.gen)
        if not isinstance(gen, SqlGen):
            continue
        # setseed makes random() in the expression repeatable for the same --seed.
        conn.execute("SELECT setseed(%s)", (gen.rng.random() * 2 - 1,))
        q = sql.SQL("SELECT ({})::text FROM generate_series(1, %s)").format(sql.SQL(gen.expression))
        try:
            with conn.transaction():
                gen.values = [r[0] for r in conn.execute(q, (plan.rows,)).fetchall()]
        except psycopg.Error as e:
            message = f"sql expression for {plan.table.display}.{f.columns[0]} failed: {e.diag.message_primary or e}"
            raise (f.mark.error(message, "it must be a scalar SQL expression, e.g. now() - random() * interval '30 days'")
                   if f.mark else UsageError(message)) from e


def _existing_keys(conn: psycopg.Connection, plan: TablePlan) -> dict[tuple[str, ...], set[tuple]]:
    t = sql.Identifier(plan.table.schema, plan.table.name)
    if not plan.unique_sets or conn.execute(sql.SQL("SELECT NOT EXISTS (SELECT 1 FROM {})").format(t)).fetchone()[0]:
        return {}
    out = {}
    for cols in plan.unique_sets:
        q = sql.SQL("SELECT {} FROM {}").format(_key_list(plan.table, cols), t)
        out[cols] = {tuple(r) for r in conn.execute(q).fetchall()}
    return out


def _load_table(conn: psycopg.Connection, plan: TablePlan, seed: int, progress: Progress) -> TableReport:
    t0 = time.monotonic()
    fields = plan.copy_fields
    _prepare_refs(conn, plan, fields)
    _prepare_sql(conn, plan, seed)
    values = {i: f.gen.draw(plan.rows) for i, f in enumerate(plan.fields) if not f.deferred}
    enforce_unique(plan, values, _existing_keys(conn, plan))
    columns: list[str] = []
    column_values: list[list[Any]] = []
    for column, keys in _resolve_self_refs(conn, plan, values, seed):
        columns.append(column)
        column_values.append(keys)
    for i, f in enumerate(plan.fields):
        if f.deferred:
            continue
        if len(f.columns) == 1:
            columns.append(f.columns[0])
            column_values.append(values[i])
        else:  # a composite key: split tuples into one list per column
            for k, c in enumerate(f.columns):
                columns.append(c)
                column_values.append([None if v is None else v[k] for v in values[i]])
    _copy(conn, plan, columns, column_values, progress)
    return TableReport(
        plan.table.display, plan.rows, columns,
        [c for f in plan.fields if f.deferred for c in f.columns],
        [f"{name}: {definition}" for name, definition in plan.unchecked],
        time.monotonic() - t0,
    )


def _resolve_self_refs(
    conn: psycopg.Connection, plan: TablePlan, values: dict[int, list[Any]], seed: int
) -> list[tuple[str, list[Any]]]:
    """Fill self-references in the first pass, pointing each row at an earlier one (a forest).

    The referenced keys are known up front when we generate them, or when they come from a
    sequence (identity/serial): then they are taken with nextval() and sent in the COPY, which
    writes identity columns as given. Returns extra (column, values) to COPY. Anything else
    stays deferred to the UPDATE pass.
    """
    extra: list[tuple[str, list[Any]]] = []
    for idx, f in enumerate(plan.fields):
        ref = ref_of(f.gen)
        if not (f.deferred and ref and ref.table == plan.table.key and len(f.columns) == 1):
            continue
        key_col = ref.columns[0]
        keys = next((values[j] for j, g in enumerate(plan.fields)
                     if g.columns == (key_col,) and j in values), None)
        if keys is None:
            if plan.table.columns[key_col].generated or any(c == key_col for c, _ in extra):
                continue
            table_name = sql.Identifier(plan.table.schema, plan.table.name).as_string(conn)
            seq = conn.execute("SELECT pg_get_serial_sequence(%s, %s)", (table_name, key_col)).fetchone()[0]
            if seq is None:
                continue
            keys = [r[0] for r in conn.execute(
                "SELECT nextval(%s::regclass) FROM generate_series(1, %s)", (seq, plan.rows)).fetchall()]
            extra.append((key_col, keys))
        r, nf = derive_rng(seed, plan.table.key, *f.columns, "tree").random, f.deferred_null_fraction
        values[idx] = [None if i == 0 or r() < nf else keys[int(r() * i)] for i in range(plan.rows)]
        f.deferred = False
    return extra


def _copy(conn: psycopg.Connection, plan: TablePlan, columns: list[str], column_values: list[list[Any]], progress: Progress) -> None:
    label, total = plan.table.display, plan.rows
    progress(label, 0, total)
    # No savepoint: the second pass finds this run's rows by xmin = the top transaction id.
    try:
        if columns:
            copy_rows(conn, plan.table, columns, column_values, lambda done: progress(label, done, total))
        else:  # every column is left to Postgres; a zero-column SELECT inserts default rows
            t = sql.Identifier(plan.table.schema, plan.table.name)
            conn.execute(sql.SQL("INSERT INTO {} SELECT FROM generate_series(1, %s)").format(t), (total,))
    except psycopg.Error as e:
        raise constraint_error(e, plan) from e
    progress(label, total, total)


def _fill_deferred(conn: psycopg.Connection, plan: TablePlan, seed: int, progress: Progress) -> None:
    """Second pass: point cycle-breaking foreign keys at rows that now exist."""
    t = sql.Identifier(plan.table.schema, plan.table.name)
    # Rows this transaction inserted, in insertion order (deterministic on a fresh table).
    ctids = [r[0] for r in conn.execute(
        sql.SQL("SELECT ctid::text FROM {} WHERE xmin = pg_current_xact_id()::xid ORDER BY ctid").format(t)
    ).fetchall()]
    deferred = [f for f in plan.fields if f.deferred]
    _prepare_refs(conn, plan, deferred)
    sets, arrays, cols = [], [ctids], []
    for f in deferred:
        ref = ref_of(f.gen)
        if ref is not None and tuple(f.columns) in plan.table.uniques:  # one-to-one: no repeats
            if len(ctids) > len(ref.values or ()):
                raise UsageError(
                    f"cannot give {len(ctids)} rows of {plan.table.display} distinct "
                    f"{', '.join(f.columns)}: {ref.table.removeprefix('public.')} has only "
                    f"{len(ref.values or ())} row(s)", hint="generate fewer rows or more parents")
            values = ref.rng.sample(ref.values, len(ctids))
        else:
            values = f.gen.draw(len(ctids))
        if f.deferred_null_fraction:
            r = derive_rng(seed, plan.table.key, *f.columns, "deferred-nulls").random
            values = [None if r() < f.deferred_null_fraction else v for v in values]
        for k, c in enumerate(f.columns):
            col = plan.table.columns[c]
            arrays.append([v if len(f.columns) == 1 else (None if v is None else v[k]) for v in values])
            # format_type() output from the catalog, not user input: safe to splice as a type.
            cols.append(sql.SQL("%s::{}[]").format(sql.SQL(col.type_sql)))
            sets.append(sql.SQL("{c} = v.{c}").format(c=sql.Identifier(c)))
    names = [sql.Identifier(c) for f in deferred for c in f.columns]
    q = sql.SQL("UPDATE {t} SET {sets} FROM unnest(%s::tid[], {cols}) AS v(ctid_, {names}) WHERE {t}.ctid = v.ctid_").format(
        t=t, sets=sql.SQL(", ").join(sets), cols=sql.SQL(", ").join(cols), names=sql.SQL(", ").join(names),
    )
    progress(f"{plan.table.display} (second pass)", 0, len(ctids))
    try:
        conn.execute(q, arrays)
    except psycopg.Error as e:
        raise constraint_error(e, plan) from e
    progress(f"{plan.table.display} (second pass)", len(ctids), len(ctids))


def constraint_error(e: psycopg.Error, plan: TablePlan) -> StackyardError:
    """Explain a failed load in terms of the table, its constraint and what to change."""
    d, table = e.diag, plan.table.display
    where = f" ({d.context.splitlines()[0]})" if d.context else ""
    detail = f": {d.message_detail}" if d.message_detail else ""
    if d.sqlstate == "23514":
        definition = dict(plan.table.checks).get(d.constraint_name or "", "")
        return UsageError(
            f"{table}: generated rows violate CHECK constraint {d.constraint_name} {definition}{where}",
            hint=f"name a generator for the constrained column(s) under tables.{table}.columns "
            "in the spec that always satisfies it (e.g. range or choices)",
        )
    if d.sqlstate in ("23505", "23503", "23502"):
        what = {"23505": "unique", "23503": "foreign key", "23502": "not-null"}[d.sqlstate]
        return UsageError(
            f"{table}: generated rows violate {what} constraint "
            f"{d.constraint_name or d.column_name or ''}{detail}{where}",
            hint="name a generator for that column in the spec",
        )
    if d.sqlstate and d.sqlstate.startswith("22"):
        return UsageError(
            f"{table}: a generated value does not fit its column: {d.message_primary}{where}",
            hint="check the generator for that column (type, length, enum labels)",
        )
    return SQLError(f"{table}: loading generated rows failed: {d.message_primary or e}",
                    sqlstate=d.sqlstate)
