"""Compare two introspected schemas and plan the ordered DDL that turns one into the other."""

from __future__ import annotations

import asyncio

import psycopg

from core.errors import UnreachableError
from core.events import NULL_BUS, EventBus
from core.pg.introspect import DEFAULT_EXCLUDED_SCHEMAS, inspect_schema
from core.pg.introspect.ddl import quote_ident
from core.pg.introspect.model import DbObject, Schema
from core.pg.schemadiff.changes import Change, SchemaDiff
from core.pg.schemadiff.ordering import Step, order_steps
from core.pg.schemadiff.tables import (
    TableContext,
    alter_table,
    needs_recreate,
    rebuild_table_steps,
)
from core.pg.schemadiff.types import ALTERS, alter_generic

# Kinds that hold no data of their own: re-created freely when something they use changes.
REPLACEABLE = {"view", "materialized_view", "function", "procedure", "constraint", "index",
               "trigger", "policy", "comment", "grant", "sequence_owner", "statistics", "rule",
               "publication_member"}
# Dropping these loses data or breaks what other code relies on.
DESTRUCTIVE_DROPS = {"schema", "extension", "collation", "enum", "domain", "composite_type",
                     "range_type", "sequence", "table"}
_SWAP_SUFFIX = "__stackyard_old"


def _label(o: DbObject) -> str:
    if o.kind == "sequence_owner":
        return f"ownership of sequence {o.qname} (OWNED BY {o.definition})"
    return o.identity


def _reads_columns(o: DbObject) -> bool:
    """Objects PostgreSQL ties to a table's columns: they block ALTER TYPE and DROP COLUMN."""
    if o.kind in ("view", "materialized_view"):
        return True
    # SQL-standard bodies (BEGIN ATOMIC / RETURN) are parsed at creation and record columns.
    return o.kind in ("function", "procedure") and bool(o.detail and o.detail[3])


class _Planner:
    def __init__(self, source: Schema, target: Schema):
        self.source, self.target = source, target
        self.src, self.tgt = source.objects, target.objects
        self.created: set[str] = set()
        self.removed: set[str] = set()
        self.replaced: dict[str, str] = {}  # identity -> reason
        self.swapped: set[str] = set()
        self.rewritten: set[str] = set()  # tables whose columns change type or disappear
        self.alters: dict[str, list[Change]] = {}
        self.clearing: dict[str, list[Change]] = {}  # early half of table alters

    def classify(self) -> None:
        tables = []
        for ident in sorted(set(self.src) | set(self.tgt)):
            a, b = self.src.get(ident), self.tgt.get(ident)
            if a is None:
                self.created.add(ident)
            elif b is None:
                self.removed.add(ident)
            elif a.kind != b.kind:
                self.replaced[ident] = f"{a.kind} becomes {b.kind}"
            elif a.kind == "table":
                tables.append((a, b))
            else:
                verdict = ALTERS.get(a.kind, alter_generic)(a, b)
                if verdict.mode == "alter" and verdict.changes:
                    self.alters[ident] = verdict.changes
                elif verdict.mode == "replace":
                    self.replaced[ident] = "definition changed"
                elif verdict.mode == "swap":
                    self.swapped.add(ident)
        self.cascade()  # tables must know every re-created type and function
        self.classify_tables(tables)

    def classify_tables(self, pairs: list[tuple[DbObject, DbObject]]) -> None:
        recreated = {a.qname for a, b in pairs if needs_recreate(a.detail, b.detail)}
        ctx = TableContext(
            {o.qname: o.detail for o in self.source.of_kind("table")},
            {o.qname: o.detail for o in self.target.of_kind("table")},
            {self.src[i].qname for i in self.swapped}, recreated, self.src, self.tgt,
            {self.src[i].qname.split("(", 1)[0] for i in self.replaced
             if self.src[i].kind in ("function", "procedure")},
            {self.src[i].qname: (list(self.src[i].detail.attributes),
                                 list(self.tgt[i].detail.attributes))
             for i in self.swapped if self.src[i].kind == "composite_type"})
        for a, b in pairs:
            if a.qname in recreated:
                self.swapped.add(a.identity)  # rebuilt beside the renamed old one, rows copied
                continue
            result = alter_table(a, b, ctx)
            if result.changes:
                self.alters[a.identity] = result.changes
            if result.clearing:
                self.clearing[a.identity] = result.clearing
            if result.rewrites_columns:
                self.rewritten.add(a.identity)

    def cascade(self) -> None:
        """Re-create dependents of what is rebuilt: views of a retyped column, FKs of a new PK."""
        dependents: dict[str, set[str]] = {}
        for o in self.src.values():
            for d in o.deps:
                dependents.setdefault(d, set()).add(o.identity)
        work = [(x, False) for x in [*self.replaced, *self.swapped]]
        work += [(x, True) for x in self.rewritten]
        while work:
            x, only_views = work.pop()
            for y in sorted(dependents.get(x, ())):
                if y not in self.tgt or y in self.replaced or y in self.removed:
                    continue
                kind = self.src[y].kind
                if x in self.swapped and kind in ("domain", "composite_type") and (
                        y not in self.swapped and self.tgt[y].kind == kind):
                    # A domain over a swapped enum holds on to the old type: swap it too.
                    self.swapped.add(y)
                    self.alters.pop(y, None)
                    work.append((y, False))
                    continue
                if kind not in REPLACEABLE or (only_views and not _reads_columns(self.src[y])):
                    continue
                self.replaced[y] = f"it depends on {x}, which changes"
                self.alters.pop(y, None)
                work.append((y, False))

    def implicit_drop(self, o: DbObject) -> bool:
        """Sub-objects vanish with their parent (indexes, comments, grants...)."""
        p = o.parent
        if p in self.swapped and self.src[p].kind == "table" and o.kind in ("index", "constraint"):
            return False  # the renamed old table would keep names the new one needs
        return p is not None and (p in self.removed or p in self.replaced or p in self.swapped)

    def steps(self) -> list[Step]:
        out: list[Step] = []
        for ident in sorted(self.created):
            b = self.tgt[ident]
            out.append(Step("create", ident, b.kind,
                            [Change("create", b.kind, ident, f"create {_label(b)}", b.create)]))
        for ident in sorted(self.removed):
            a = self.src[ident]
            implicit = self.implicit_drop(a)
            out.append(Step("drop", ident, a.kind, [Change(
                "drop", a.kind, ident, f"drop {_label(a)}", [] if implicit else a.drop,
                destructive=not implicit and a.kind in DESTRUCTIVE_DROPS)]))
        for ident, reason in sorted(self.replaced.items()):
            a, b = self.src[ident], self.tgt[ident]
            implicit = self.implicit_drop(a)
            destructive = a.kind == "table"
            out.append(Step("drop", ident, a.kind, [Change(
                "recreate", a.kind, ident, f"drop {_label(a)} to re-create it: {reason}",
                [] if implicit else a.drop, destructive=destructive and not implicit)]))
            out.append(Step("create", ident, b.kind, [Change(
                "recreate", b.kind, ident, f"re-create {_label(b)}", b.create)]))
        for ident in sorted(self.swapped):
            out.extend(self.swap_steps(self.src[ident], self.tgt[ident]))
        for ident, changes in sorted(self.alters.items()):
            out.append(Step("alter", ident, self.src[ident].kind, changes))
        for ident, changes in sorted(self.clearing.items()):
            out.append(Step("prealter", ident, self.src[ident].kind, changes))
        return out

    def swap_steps(self, a: DbObject, b: DbObject) -> list[Step]:
        """Rename the old type away, create the new one, convert columns, drop the old one."""
        schema, name = a.name_parts
        old_name = quote_ident(name[: 63 - len(_SWAP_SUFFIX)] + _SWAP_SUFFIX)
        word = {"domain": "DOMAIN", "collation": "COLLATION"}.get(a.kind, "TYPE")
        ident = a.identity
        if a.kind == "table":
            return rebuild_table_steps(a, b, f"{schema}.{old_name}", old_name)
        return [
            Step("pre", ident, a.kind, [Change(
                "recreate", a.kind, ident, f"rename {ident} out of the way to re-create it",
                [f"ALTER {word} {a.qname} RENAME TO {old_name}"], destructive=True)]),
            Step("create", ident, b.kind, [Change(
                "recreate", b.kind, ident, f"re-create {ident}", b.create)]),
            Step("drop", ident, a.kind, [Change(
                "recreate", a.kind, ident, f"drop the old {ident}",
                [f"DROP {word} {schema}.{old_name}"])], swap=True),
        ]


def diff_schemas(source: Schema, target: Schema) -> SchemaDiff:
    """The ordered changes that turn `source` into `target`."""
    planner = _Planner(source, target)
    planner.classify()
    planner.cascade()
    ordered = order_steps(planner.steps(), source, target)
    return SchemaDiff([c for s in ordered for c in s.changes if c.sql])


async def _inspect_dsn(dsn: str, what: str, **kw) -> Schema:
    try:
        conn = await psycopg.AsyncConnection.connect(dsn, autocommit=True)
    except psycopg.OperationalError as e:
        # The server's message never contains the password; the DSN might, so leave it out.
        raise UnreachableError(f"cannot connect to the {what} database: {e}".strip(),
                               hint="is the server running and the database name right?") from e
    async with conn:
        return await inspect_schema(conn, **kw)


async def diff_databases(
    source_dsn: str,
    target_dsn: str,
    *,
    schemas: list[str] | None = None,
    exclude_schemas: list[str] | tuple[str, ...] = DEFAULT_EXCLUDED_SCHEMAS,
    bus: EventBus | None = None,
) -> SchemaDiff:
    """Introspect both databases (concurrently) and diff them: changes turn source into target."""
    bus = bus or NULL_BUS
    kw = {"schemas": schemas, "exclude_schemas": exclude_schemas}
    with bus.operation("schema.diff") as op:
        op.progress("introspecting both databases", 0, 2, "databases")
        a, b = await asyncio.gather(_inspect_dsn(source_dsn, "source", **kw),
                                    _inspect_dsn(target_dsn, "target", **kw))
        op.progress("comparing", 2, 2, "databases")
        return diff_schemas(a, b)
