"""DDL text for introspected objects. Inputs are already-quoted names from the catalog."""

from __future__ import annotations

from core.pg.introspect.model import (
    Column,
    CompositeType,
    DomainType,
    EnumType,
    Extension,
    IdentityOptions,
    Sequence,
    Table,
)


def literal(text: str) -> str:
    """A SQL string literal (standard_conforming_strings is on in every supported server)."""
    return "'" + text.replace("'", "''") + "'"


def quote_ident(name: str) -> str:
    """Always-quoted identifier; used only for names this module invents."""
    return '"' + name.replace('"', '""') + '"'


def identity_clause(ident: IdentityOptions) -> str:
    kind = "ALWAYS" if ident.kind == "a" else "BY DEFAULT"
    return f"GENERATED {kind} AS IDENTITY ({identity_options(ident)})"


def identity_options(ident: IdentityOptions, *, prefix: str = "") -> str:
    parts = [
        f"{prefix}START WITH {ident.start}",
        f"{prefix}INCREMENT BY {ident.increment}",
        f"{prefix}MINVALUE {ident.min_value}" if ident.min_value is not None else "",
        f"{prefix}MAXVALUE {ident.max_value}" if ident.max_value is not None else "",
        f"{prefix}CACHE {ident.cache}",
        # CYCLE has no SET form inside ALTER COLUMN; it is spelled "SET CYCLE" there too.
        f"{prefix}{'CYCLE' if ident.cycle else 'NO CYCLE'}",
    ]
    return " ".join(p for p in parts if p)


def column_definition(col: Column, *, with_not_null: bool = True) -> str:
    """`name type [COLLATE] [DEFAULT | GENERATED ...] [CONSTRAINT n NOT NULL]`."""
    parts = [col.name, col.type]
    if col.collation:
        parts.append(f"COLLATE {col.collation}")
    if col.generated:
        kind = "STORED" if col.generated == "s" else "VIRTUAL"
        parts.append(f"GENERATED ALWAYS AS ({col.generation_expr}) {kind}")
    elif col.identity:
        parts.append(identity_clause(col.identity))
    elif col.default is not None:
        parts.append(f"DEFAULT {col.default}")
    nn = col.not_null
    if with_not_null and nn and nn.is_local and nn.validated:
        parts.append(f"CONSTRAINT {nn.name} NOT NULL" + (" NO INHERIT" if nn.no_inherit else ""))
    return " ".join(parts)


def create_table(t: Table) -> list[str]:
    """CREATE TABLE (or PARTITION OF) plus the statements a CREATE cannot express inline."""
    unlogged = "UNLOGGED " if t.persistence == "u" else ""
    after: list[str] = []
    if t.partition_of:
        sql = f"CREATE {unlogged}TABLE {t.qname} PARTITION OF {t.partition_of} {t.partition_bound}"
    else:
        cols = [column_definition(c) for c in t.columns.values() if c.is_local]
        body = ",\n    ".join(cols)
        sql = f"CREATE {unlogged}TABLE {t.qname} (\n    {body}\n)" if cols else (
            f"CREATE {unlogged}TABLE {t.qname} ()")
        if t.inherits:
            sql += f" INHERITS ({', '.join(t.inherits)})"
    if t.partition_key:
        sql += f" PARTITION BY {t.partition_key}"
    if t.options:
        sql += f" WITH ({', '.join(t.options)})"
    for c in t.columns.values():
        nn = c.not_null
        if nn and nn.is_local and not t.partition_of and (not nn.validated or not c.is_local):
            after.append(add_not_null(t.qname, c))
    if t.rls_enabled:
        after.append(f"ALTER TABLE {t.qname} ENABLE ROW LEVEL SECURITY")
    if t.rls_forced:
        after.append(f"ALTER TABLE {t.qname} FORCE ROW LEVEL SECURITY")
    return [sql, *after]


def add_not_null(table: str, col: Column) -> str:
    nn = col.not_null
    assert nn is not None
    sql = f"ALTER TABLE {table} ADD CONSTRAINT {nn.name} NOT NULL {col.name}"
    if nn.no_inherit:
        sql += " NO INHERIT"
    if not nn.validated:
        sql += " NOT VALID"
    return sql


def sequence_options(s: Sequence) -> str:
    return (
        f"AS {s.type} INCREMENT BY {s.increment} MINVALUE {s.min_value} MAXVALUE {s.max_value}"
        f" START WITH {s.start} CACHE {s.cache} {'CYCLE' if s.cycle else 'NO CYCLE'}"
    )


def create_sequence(s: Sequence) -> list[str]:
    unlogged = "UNLOGGED " if s.unlogged else ""
    return [f"CREATE {unlogged}SEQUENCE {s.qname} {sequence_options(s)}"]


def create_enum(e: EnumType) -> list[str]:
    return [f"CREATE TYPE {e.qname} AS ENUM ({', '.join(literal(v) for v in e.labels)})"]


def create_domain(d: DomainType) -> list[str]:
    sql = f"CREATE DOMAIN {d.qname} AS {d.base_type}"
    if d.collation:
        sql += f" COLLATE {d.collation}"
    if d.default is not None:
        sql += f" DEFAULT {d.default}"
    if d.not_null:
        sql += " NOT NULL"
    for name, check in d.checks.items():
        sql += f" CONSTRAINT {name} {check}"
    return [sql]


def create_composite(c: CompositeType) -> list[str]:
    attrs = ", ".join(
        f"{n} {t}" + (f" COLLATE {coll}" if coll else "") for n, (t, coll) in c.attributes.items()
    )
    return [f"CREATE TYPE {c.qname} AS ({attrs})"]


def create_extension(x: Extension) -> list[str]:
    # Always with VERSION: without it the target gets whatever the server's default is.
    return [f"CREATE EXTENSION IF NOT EXISTS {x.name} WITH SCHEMA {x.schema}"
            f" VERSION {literal(x.version)}"]


def create_collation(qname: str, provider: str, deterministic: bool, collate: str | None,
                     ctype: str | None, locale: str | None, rules: str | None) -> list[str]:
    names = {"i": "icu", "c": "libc", "b": "builtin"}
    opts = [f"provider = {names.get(provider, 'libc')}"]
    if provider == "c":
        opts += [f"lc_collate = {literal(collate or '')}", f"lc_ctype = {literal(ctype or '')}"]
    else:
        opts.append(f"locale = {literal(locale or '')}")
    if rules:
        opts.append(f"rules = {literal(rules)}")
    opts.append(f"deterministic = {'true' if deterministic else 'false'}")
    return [f"CREATE COLLATION {qname} ({', '.join(opts)})"]


def create_policy(name: str, table: str, cmd: str, permissive: bool, roles: list[str],
                  qual: str | None, withcheck: str | None) -> list[str]:
    cmds = {"r": "SELECT", "a": "INSERT", "w": "UPDATE", "d": "DELETE", "*": "ALL"}
    sql = (f"CREATE POLICY {name} ON {table} AS {'PERMISSIVE' if permissive else 'RESTRICTIVE'}"
           f" FOR {cmds[cmd]} TO {', '.join(roles) or 'PUBLIC'}")
    if qual is not None:
        sql += f" USING ({qual})"
    if withcheck is not None:
        sql += f" WITH CHECK ({withcheck})"
    return [sql]


def grant_statements(ref: str, grantee: str, privileges: list[tuple[str, bool]]) -> list[str]:
    """GRANTs for one grantee on one object; `ref` is e.g. 'TABLE public.t'."""
    plain = [p for p, g in privileges if not g]
    with_option = [p for p, g in privileges if g]
    out = []
    if plain:
        out.append(f"GRANT {', '.join(plain)} ON {ref} TO {grantee}")
    if with_option:
        out.append(f"GRANT {', '.join(with_option)} ON {ref} TO {grantee} WITH GRANT OPTION")
    return out
