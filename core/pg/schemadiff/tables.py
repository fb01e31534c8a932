"""ALTER TABLE steps for a table that exists on both sides (columns, inheritance, partitions).

Statement order inside one table matters: detach and drop what is in the way first
(NO INHERIT, DETACH, DROP DEFAULT/IDENTITY/EXPRESSION, DROP COLUMN), then add columns
(plain before generated, which may read them), change types, add NOT NULL (identity needs
it), set defaults, identity and expressions, and attach to parents last, when the columns
they require exist.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from core.pg.introspect import ddl
from core.pg.introspect.model import Column, DbObject, Table
from core.pg.schemadiff.changes import Change
from core.pg.schemadiff.ordering import Step
from core.pg.schemadiff.types import is_widening


@dataclass
class TableContext:
    src_tables: dict[str, Table]  # qname -> Table
    tgt_tables: dict[str, Table]
    swapped_types: set[str] = field(default_factory=set)  # qnames of re-created types
    recreated: set[str] = field(default_factory=set)  # qnames of tables being rebuilt
    src_objects: dict[str, DbObject] = field(default_factory=dict)
    tgt_objects: dict[str, DbObject] = field(default_factory=dict)
    replaced_functions: set[str] = field(default_factory=set)  # "schema.name", dropped + re-created
    # Swapped composite types: qname -> (old attribute names, new attribute names).
    composite_swaps: dict[str, tuple[list[str], list[str]]] = field(default_factory=dict)

    def checks(self, objects: dict[str, DbObject], table: str) -> dict[str, str]:
        """Inheritable CHECK constraints of `table`: name -> definition."""
        return {o.qname.rsplit(".", 1)[1]: o.definition for o in objects.values()
                if o.kind == "constraint" and o.parent == f"table {table}"
                and o.definition.startswith("CHECK") and "NO INHERIT" not in o.definition}


@dataclass
class TableAlter:
    clearing: list[Change] = field(default_factory=list)  # detach/drop steps, run early
    changes: list[Change] = field(default_factory=list)
    rewrites_columns: bool = False  # a type changed or a column went away: dependents rebuilt


def needs_recreate(src: Table, tgt: Table) -> bool:
    """A plain table cannot become partitioned (or change its key) in place."""
    return src.kind != tgt.kind or src.partition_key != tgt.partition_key


def _parents(t: Table) -> set[str]:
    return set(t.inherits) | ({t.partition_of} if t.partition_of else set())


def _uses_type(col: Column, types: set[str]) -> bool:
    return col.type in types or col.type.removesuffix("[]") in types


def _calls(expr: str | None, functions: set[str]) -> bool:
    return bool(expr) and any(f + "(" in expr for f in functions)


def _mentions(expr: str | None, column: str) -> bool:
    pattern = r"(?<![\w$.])" + re.escape(column) + r"(?![\w$])"
    return bool(expr) and re.search(pattern, expr) is not None


class _Builder:
    def __init__(self, src: Table, tgt: Table, ctx: TableContext):
        self.src, self.tgt, self.ctx = src, tgt, ctx
        self.q = tgt.qname
        self.kept = (_parents(src) & _parents(tgt)) - ctx.recreated
        if src.partition_of != tgt.partition_of or src.partition_bound != tgt.partition_bound:
            self.kept.discard(src.partition_of)
        self.stages: dict[int, list[Change]] = {i: [] for i in range(10)}
        self.rewrites = False

    def add(self, stage: int, action: str, kind: str, ident: str, desc: str, sql: str | list[str],
            destructive: bool = False) -> None:
        sql_list = [sql] if isinstance(sql, str) else sql
        self.stages[stage].append(Change(action, kind, ident, desc, sql_list, destructive))

    def alter(self, stage: int, col: str, desc: str, clause: str, destructive: bool = False):
        self.add(stage, "alter", "column", f"column {self.q}.{col}", desc,
                 f"ALTER TABLE {self.q} {clause}", destructive)

    def from_kept_parent(self, col: str, tables: dict[str, Table]) -> bool:
        return any(p in tables and col in tables[p].columns for p in self.kept)

    def build(self) -> TableAlter:
        self.parents()
        src_cols, tgt_cols = self.src.columns, self.tgt.columns
        for name, col in src_cols.items():
            if name not in tgt_cols:
                self.drop_column(col)
        regenerate = self.generated_reading_retyped()
        for name, col in tgt_cols.items():
            if name not in src_cols:
                self.add_column(col)
            elif name in regenerate:
                self.drop_column(src_cols[name], destructive=False)
                self.add_column(col)
            else:
                self.change_column(src_cols[name], col)
        self.table_options()
        early = [c for i in (0, 1, 2) for c in self.stages[i]]
        late = [c for i in range(3, 10) for c in self.stages[i]]
        return TableAlter(early, late, self.rewrites)

    def parents(self) -> None:
        s, t, q = self.src, self.tgt, self.q
        leaving = False
        if s.partition_of and s.partition_of not in self.kept:
            leaving = True
            self.add(0, "alter", "table", f"table {q}",
                     f"detach partition {q} from {s.partition_of}",
                     f"ALTER TABLE {s.partition_of} DETACH PARTITION {q}")
        for p in s.inherits:
            if p not in self.kept:
                leaving = True
                self.add(0, "alter", "table", f"table {q}", f"table {q} no longer inherits {p}",
                         f"ALTER TABLE {q} NO INHERIT {p}")
        if leaving:
            self.drop_leftovers()
        for p in t.inherits:
            if p not in self.kept:
                self.inherit_checks(p)
                self.add(8, "alter", "table", f"table {q}", f"table {q} inherits {p}",
                         f"ALTER TABLE {q} INHERIT {p}")
        if t.partition_of and t.partition_of not in self.kept:
            self.add(9, "alter", "table", f"table {q}",
                     f"attach {q} as partition of {t.partition_of} {t.partition_bound}",
                     f"ALTER TABLE {t.partition_of} ATTACH PARTITION {q} {t.partition_bound}")

    def drop_leftovers(self) -> None:
        """What a parent gave stays as the table's own after leaving it: drop what B lacks.
        IF EXISTS: dropping the parent's constraint first takes the clones with it."""
        q, tgt = self.q, self.ctx.tgt_objects
        for name in self.src.inherited_constraints:
            if f"constraint {name} on {q}" not in tgt:
                self.add(1, "drop", "constraint", f"constraint {name} on {q}",
                         f"drop constraint {name} left on {q} by its former parent",
                         f"ALTER TABLE {q} DROP CONSTRAINT IF EXISTS {name}")
        for index in self.src.inherited_indexes:
            if f"index {index}" not in tgt:
                self.add(1, "drop", "index", f"index {index}",
                         f"drop index {index} left on {q} by its former parent",
                         f"DROP INDEX IF EXISTS {index}")

    def inherit_checks(self, parent: str) -> None:
        """INHERIT requires the child to carry the parent's CHECK constraints already."""
        have = self.ctx.checks(self.ctx.src_objects, self.q)
        for name, check in self.ctx.checks(self.ctx.tgt_objects, parent).items():
            if name not in have:
                self.add(7, "create", "constraint", f"constraint {name} on {self.q}",
                         f"copy check {name} of {parent} to {self.q}",
                         f"ALTER TABLE {self.q} ADD CONSTRAINT {name} {check}")

    def generated_reading_retyped(self) -> set[str]:
        """Generated columns that read a column whose type changes (PostgreSQL refuses the
        ALTER TYPE while they exist): they are dropped and added again around it."""
        s, t = self.src.columns, self.tgt.columns
        retyped = {n.strip('"') for n, c in t.items() if n in s and (
            s[n].type != c.type or _uses_type(c, self.ctx.swapped_types))}
        return {n for n, c in t.items() if n in s and c.generated and s[n].generated
                and any(_mentions(s[n].generation_expr, r) for r in retyped)}

    def drop_column(self, col: Column, destructive: bool = True) -> None:
        if not col.is_local and self.from_kept_parent(col.name, self.ctx.src_tables):
            return  # goes away with the parent's column
        self.rewrites = True
        what = "drop column" if destructive else "drop generated column (re-added below)"
        self.add(2, "drop", "column", f"column {self.q}.{col.name}",
                 f"{what} {self.q}.{col.name}", f"ALTER TABLE {self.q} DROP COLUMN {col.name}",
                 destructive=destructive)

    def add_column(self, col: Column) -> None:
        if not col.is_local and self.from_kept_parent(col.name, self.ctx.tgt_tables):
            return  # arrives through the parent's ADD COLUMN
        stage = 4 if col.generated else 3
        self.add(stage, "create", "column", f"column {self.q}.{col.name}",
                 f"add column {self.q}.{col.name} {col.type}",
                 f"ALTER TABLE {self.q} ADD COLUMN {ddl.column_definition(col)}")
        if col.not_null and (not col.not_null.validated or not col.not_null.is_local):
            self.add(5, "alter", "column", f"column {self.q}.{col.name}",
                     f"not null on {self.q}.{col.name}", ddl.add_not_null(self.q, col))

    def change_column(self, a: Column, b: Column) -> None:
        n = b.name
        inherited = a.inherit_count > 0 and self.from_kept_parent(n, self.ctx.tgt_tables)
        if not inherited and a.generated != b.generated:
            if a.generated == "s" and not b.generated:
                self.alter(1, n, f"column {self.q}.{n} is no longer generated",
                           f"ALTER COLUMN {n} DROP EXPRESSION")
            else:  # no ALTER turns a plain column into a generated one: rebuild it
                self.drop_column(a)
                self.add_column(b)
                return
        elif not inherited and a.generated and a.generation_expr != b.generation_expr:
            self.alter(6, n, f"new generation expression for {self.q}.{n}",
                       f"ALTER COLUMN {n} SET EXPRESSION AS ({b.generation_expr})")
        retype = a.type != b.type or a.collation != b.collation or _uses_type(
            b, self.ctx.swapped_types) or b.collation in self.ctx.swapped_types
        a_identity = a.identity
        if a.identity and (not b.identity or retype) and not inherited:
            self.alter(1, n, f"drop identity of {self.q}.{n}", f"ALTER COLUMN {n} DROP IDENTITY")
            a_identity = None
        # A default calling a function that is dropped and re-created must let go of it.
        default_changes = a.default != b.default or _calls(a.default, self.ctx.replaced_functions)
        if a.default is not None and (default_changes or retype):
            self.alter(1, n, f"drop default of {self.q}.{n}", f"ALTER COLUMN {n} DROP DEFAULT")
        if retype and not inherited:
            self.retype(a, b)
        if b.default is not None and (default_changes or retype):
            self.alter(6, n, f"default of {self.q}.{n}: {b.default}",
                       f"ALTER COLUMN {n} SET DEFAULT {b.default}")
        if not inherited:  # partitions share the parent's identity sequence
            self.identity(a_identity, b)
        self.not_null(a, b, inherited)

    def retype(self, a: Column, b: Column) -> None:
        n = b.name
        collate = f" COLLATE {b.collation}" if b.collation else (
            ' COLLATE pg_catalog."default"' if a.collation else "")
        if a.type == b.type and not _uses_type(b, self.ctx.swapped_types):
            clause, desc = f"ALTER COLUMN {n} TYPE {b.type}{collate}", f"collation of {self.q}.{n}"
            destructive = False
        else:
            via = "::text" if (a.type_is_enum or b.type_is_enum or _uses_type(
                b, self.ctx.swapped_types)) else ""
            using = f"{n}{via}::{b.type}"
            if b.type in self.ctx.composite_swaps:
                # Field by field: a record's text form stops parsing once attributes change.
                old, new = self.ctx.composite_swaps[b.type]
                fields = ", ".join(f"({n}).{f}" if f in old else "NULL" for f in new)
                using = f"CASE WHEN {n} IS NULL THEN NULL ELSE ROW({fields})::{b.type} END"
            clause = f"ALTER COLUMN {n} TYPE {b.type}{collate} USING {using}"
            desc = f"type of {self.q}.{n}: {a.type} -> {b.type}"
            destructive = not is_widening(a.type, b.type)
        self.rewrites = True
        self.alter(6 if b.generated else 4, n, desc, clause, destructive)

    def identity(self, a, b: Column) -> None:
        n = b.name
        if b.identity is None or b.generated:
            return
        if a is None:
            self.alter(6, n, f"{self.q}.{n} becomes an identity column",
                       f"ALTER COLUMN {n} ADD {ddl.identity_clause(b.identity)}")
            return
        if a.kind != b.identity.kind:
            word = "ALWAYS" if b.identity.kind == "a" else "BY DEFAULT"
            self.alter(6, n, f"identity of {self.q}.{n}: {word}",
                       f"ALTER COLUMN {n} SET GENERATED {word}")
        a_opts, b_opts = ddl.identity_options(a), ddl.identity_options(b.identity)
        if a_opts != b_opts:
            opts = ddl.identity_options(b.identity, prefix="SET ")
            self.alter(6, n, f"identity options of {self.q}.{n}", f"ALTER COLUMN {n} {opts}")

    def not_null(self, a: Column, b: Column, inherited: bool) -> None:
        n, q = b.name, self.q
        an, bn = a.not_null, b.not_null
        if inherited or (self.kept and not b.is_local):
            # Inherited NOT NULLs follow the parent; only local ones are ours to manage.
            an = an if an and an.is_local else None
            bn = bn if bn and bn.is_local else None
            if an is None or bn is None:
                return
        if an == bn or (an and bn and an.name == bn.name and an.no_inherit == bn.no_inherit
                        and an.validated == bn.validated):
            return
        ident = f"column {q}.{n}"
        if an and bn and an.no_inherit == bn.no_inherit and an.validated == bn.validated:
            self.add(5, "alter", "constraint", ident, f"rename NOT NULL {an.name} -> {bn.name}",
                     f"ALTER TABLE {q} RENAME CONSTRAINT {an.name} TO {bn.name}")
            return
        if an:
            self.add(1, "alter", "column", ident, f"{q}.{n} allows NULL",
                     f"ALTER TABLE {q} DROP CONSTRAINT {an.name}")
        if bn:
            self.add(5, "alter", "column", ident, f"{q}.{n} NOT NULL ({bn.name})",
                     ddl.add_not_null(q, b))

    def table_options(self) -> None:
        s, t, q = self.src, self.tgt, self.q
        if s.persistence != t.persistence:
            word = "UNLOGGED" if t.persistence == "u" else "LOGGED"
            self.add(7, "alter", "table", f"table {q}", f"table {q} becomes {word.lower()}",
                     f"ALTER TABLE {q} SET {word}")
        if s.rls_enabled != t.rls_enabled:
            word = "ENABLE" if t.rls_enabled else "DISABLE"
            self.add(7, "alter", "table", f"table {q}", f"{word.lower()} row level security on {q}",
                     f"ALTER TABLE {q} {word} ROW LEVEL SECURITY")
        if s.rls_forced != t.rls_forced:
            word = "FORCE" if t.rls_forced else "NO FORCE"
            self.add(7, "alter", "table", f"table {q}", f"{word.lower()} row level security on {q}",
                     f"ALTER TABLE {q} {word} ROW LEVEL SECURITY")
        if set(s.options) != set(t.options):
            gone = [o.split("=", 1)[0] for o in s.options
                    if o.split("=", 1)[0] not in {x.split("=", 1)[0] for x in t.options}]
            if gone:
                self.add(7, "alter", "table", f"table {q}", f"reset storage options on {q}",
                         f"ALTER TABLE {q} RESET ({', '.join(gone)})")
            if t.options:
                self.add(7, "alter", "table", f"table {q}", f"storage options on {q}",
                         f"ALTER TABLE {q} SET ({', '.join(t.options)})")


def alter_table(src: DbObject, tgt: DbObject, ctx: TableContext) -> TableAlter:
    """The ALTER steps turning table `src` into `tgt` (both exist, neither rebuilt)."""
    return _Builder(src.detail, tgt.detail, ctx).build()


def _raw(name: str) -> str:
    return name[1:-1].replace('""', '"') if name.startswith('"') else name


def rebuild_table_steps(a: DbObject, b: DbObject, old_q: str, old_name: str) -> list[Step]:
    """A table that cannot be altered into its new shape (plain <-> partitioned, new key):
    rename it, create the new one (its partitions follow), copy the rows, drop the old."""
    s, t, q = a.detail, b.detail, b.qname
    how = "partitioned" if t.kind == "p" else "a plain table"
    cols = [n for n, c in t.columns.items()
            if n in s.columns and not c.generated and not s.columns[n].generated]
    only = "ONLY " if s.kind == "r" else ""  # rows of inheritance children stay theirs
    col_list = ", ".join(cols)
    copy = [f"INSERT INTO {q} ({col_list}) OVERRIDING SYSTEM VALUE"
            f" SELECT {col_list} FROM {only}{old_q}"]
    for n, c in t.columns.items():
        if c.identity and n in cols:  # continue numbering after the copied rows
            copy.append(f"SELECT setval(pg_get_serial_sequence({ddl.literal(q)}, "
                        f"{ddl.literal(_raw(n))}), max({n})) FROM {q}")
    ident = a.identity
    return [
        Step("pre", ident, "table", [Change(
            "recreate", "table", ident, f"rename {ident} to rebuild it as {how}",
            [f"ALTER TABLE {a.qname} RENAME TO {old_name}"], destructive=True)]),
        Step("create", ident, "table", [Change(
            "recreate", "table", ident, f"create {ident} as {how}", b.create)]),
        Step("copy", ident, "table", [Change(
            "recreate", "table", ident, f"copy the rows of the old {ident} into the new one",
            copy if cols else [])]),
        Step("drop", ident, "table", [Change(
            "recreate", "table", ident, f"drop the old {ident}", [f"DROP TABLE {old_q}"])],
            swap=True),
    ]
