"""What introspection returns: a catalog snapshot of one database, as plain comparable data.

Every object (schema, table, view, function, index, constraint, comment, grant...) is a
`DbObject` keyed by a readable identity such as ``table public.orders``. Names inside SQL
and identities are already quoted by the server (``quote_ident``), so the strings can be
pasted into DDL as they are. Kinds that can be altered in place (tables, sequences, enums,
domains, composite types, extensions) carry a typed `detail`; the rest are compared by
`definition` and re-created when it differs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class NotNull:
    """A PG 18 NOT NULL constraint on one column (pg_constraint contype 'n')."""

    name: str  # quoted constraint name
    is_local: bool = True
    no_inherit: bool = False
    validated: bool = True


@dataclass
class IdentityOptions:
    """Options of an identity column's internal sequence."""

    kind: str  # 'a' (ALWAYS) or 'd' (BY DEFAULT)
    start: int = 1
    increment: int = 1
    min_value: int | None = None
    max_value: int | None = None
    cache: int = 1
    cycle: bool = False


@dataclass
class Column:
    name: str  # quoted
    type: str  # format_type with typmod, schema-qualified for user types
    type_is_enum: bool = False
    collation: str | None = None  # quoted, only when it differs from the type's default
    default: str | None = None  # expression (not for identity / generated columns)
    generated: str = ""  # '' | 's' (stored) | 'v' (virtual)
    generation_expr: str | None = None
    identity: IdentityOptions | None = None
    not_null: NotNull | None = None
    is_local: bool = True  # False when the column only exists through inheritance / partitioning
    inherit_count: int = 0


@dataclass
class Table:
    """A table (relkind r or p) with its columns; constraints and indexes are separate objects."""

    qname: str
    kind: str  # 'r' plain, 'p' partitioned
    persistence: str  # 'p' permanent, 'u' unlogged
    columns: dict[str, Column] = field(default_factory=dict)  # in attnum order
    inherits: list[str] = field(default_factory=list)  # qualified parents (plain inheritance)
    partition_key: str | None = None  # pg_get_partkeydef when kind == 'p'
    partition_of: str | None = None  # qualified parent when this is a partition
    partition_bound: str | None = None  # "FOR VALUES ..." / "DEFAULT"
    rls_enabled: bool = False
    rls_forced: bool = False
    options: list[str] = field(default_factory=list)  # reloptions
    # Constraints and indexes the table got from a parent (partition clones, inherited
    # checks): not compared, but they stay behind as the table's own on DETACH/NO INHERIT.
    inherited_constraints: list[str] = field(default_factory=list)
    inherited_indexes: list[str] = field(default_factory=list)


@dataclass
class Sequence:
    qname: str
    type: str
    start: int
    increment: int
    min_value: int
    max_value: int
    cache: int
    cycle: bool
    unlogged: bool = False
    owned_by: str | None = None  # "schema.table.column", quoted


@dataclass
class EnumType:
    qname: str
    labels: list[str]


@dataclass
class DomainType:
    qname: str
    base_type: str
    collation: str | None
    default: str | None
    not_null: bool
    checks: dict[str, str]  # quoted name -> pg_get_constraintdef


@dataclass
class CompositeType:
    qname: str
    attributes: dict[str, tuple[str, str | None]]  # quoted name -> (type, collation)


@dataclass
class Extension:
    name: str  # quoted
    schema: str  # quoted
    version: str


@dataclass
class DbObject:
    """One catalog object, with what it takes to create and drop it."""

    kind: str  # schema, extension, collation, enum, domain, composite_type, sequence, table,
    # view, materialized_view, function, procedure, constraint, index, trigger, policy,
    # sequence_owner, comment, grant
    identity: str  # "<kind> <qualified name>", unique within a Schema
    qname: str  # quoted qualified name used in DDL
    definition: Any  # compared between databases (text or a detail dataclass)
    create: list[str] = field(default_factory=list)
    drop: list[str] = field(default_factory=list)
    parent: str | None = None  # identity of the owning object (dropped implicitly with it)
    deps: set[str] = field(default_factory=set)  # identities this object needs to exist
    sql_ref: str | None = None  # target for COMMENT ON / GRANT, e.g. "TABLE public.t"
    detail: Any = None  # Table / Sequence / EnumType / ... for kinds altered in place
    name_parts: tuple[str, str] | None = None  # (quoted schema, raw name) of types


@dataclass
class Schema:
    """A snapshot of one database's user-defined schema objects."""

    objects: dict[str, DbObject] = field(default_factory=dict)
    server_version: int = 0

    def add(self, obj: DbObject) -> DbObject:
        self.objects[obj.identity] = obj
        return obj

    def of_kind(self, *kinds: str) -> list[DbObject]:
        return [o for o in self.objects.values() if o.kind in kinds]

    def dependents(self, identity: str) -> set[str]:
        """Identities of objects that depend directly on `identity`."""
        return {o.identity for o in self.objects.values() if identity in o.deps}

    def to_dict(self) -> dict[str, Any]:
        """JSON-able summary: identity -> kind and creation SQL."""
        return {i: {"kind": o.kind, "create": o.create} for i, o in sorted(self.objects.items())}
