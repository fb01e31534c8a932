"""Turn catalog rows into `DbObject`s. One function per catalog query; no I/O here."""

from __future__ import annotations

from typing import Any

from core.pg.introspect import ddl
from core.pg.introspect.model import (
    Column,
    CompositeType,
    DbObject,
    DomainType,
    EnumType,
    Extension,
    IdentityOptions,
    NotNull,
    Schema,
    Sequence,
    Table,
)

Row = dict[str, Any]


class CatalogIndex:
    """Maps catalog (name, oid) pairs to object identities.

    `primary` holds each object's own catalog row (comment targets); `deps` also maps
    secondary rows (row types, array types, view rules, column defaults, constraint indexes,
    extension members) so pg_depend edges land on the object a user thinks of.
    """

    def __init__(self) -> None:
        self.primary: dict[tuple[str, int], str] = {}
        self.deps: dict[tuple[str, int], str] = {}
        self.tables_by_oid: dict[int, DbObject] = {}
        self.acls: dict[str, list[list[str]]] = {}  # identity -> [grantee, privilege, grantable]

    def own(self, catalog: str, oid: int, identity: str) -> None:
        self.primary[(catalog, oid)] = identity
        self.deps[(catalog, oid)] = identity

    def alias(self, catalog: str, oid: int | None, identity: str) -> None:
        if oid:
            self.deps[(catalog, oid)] = identity


def read_schemas(s: Schema, idx: CatalogIndex, rows: list[Row]) -> None:
    for r in rows:
        q = r["q"]
        o = s.add(DbObject("schema", f"schema {q}", q, q, [f"CREATE SCHEMA {q}"],
                           [f"DROP SCHEMA {q}"], sql_ref=f"SCHEMA {q}"))
        idx.own("pg_namespace", r["oid"], o.identity)


def read_extensions(s: Schema, idx: CatalogIndex, rows: list[Row], members: list[Row]) -> None:
    by_oid = {}
    for r in rows:
        x = Extension(r["q"], r["schema"], r["extversion"])
        o = s.add(DbObject("extension", f"extension {x.name}", x.name, x, ddl.create_extension(x),
                           [f"DROP EXTENSION {x.name}"], sql_ref=f"EXTENSION {x.name}", detail=x))
        idx.deps[("pg_extension", r["oid"])] = o.identity
        by_oid[r["oid"]] = o.identity
    for m in members:
        if m["refobjid"] in by_oid:
            idx.alias(m["catalog"], m["objid"], by_oid[m["refobjid"]])


def read_collations(s: Schema, idx: CatalogIndex, rows: list[Row]) -> None:
    for r in rows:
        if r["collprovider"] == "d":
            continue
        args = (r["collprovider"], r["collisdeterministic"], r["collcollate"], r["collctype"],
                r["colllocale"], r["collicurules"])
        o = s.add(DbObject("collation", f"collation {r['q']}", r["q"], args,
                           ddl.create_collation(r["q"], *args), [f"DROP COLLATION {r['q']}"],
                           sql_ref=f"COLLATION {r['q']}"))
        o.name_parts = (r["schema"], r["name"])
        idx.own("pg_collation", r["oid"], o.identity)


def read_types(s: Schema, idx: CatalogIndex, rows: list[Row]) -> None:
    for r in rows:
        q, t = r["q"], r["typtype"]
        if t == "e":
            d: Any = EnumType(q, list(r["labels"]))
            kind, create, ref = "enum", ddl.create_enum(d), f"TYPE {q}"
        elif t == "d":
            d = DomainType(q, r["base_type"], r["collation"], r["typdefault"], r["typnotnull"],
                           {c[0]: c[1] for c in r["checks"]})
            kind, create, ref = "domain", ddl.create_domain(d), f"DOMAIN {q}"
        else:
            d = CompositeType(q, {a[0]: (a[1], a[2]) for a in r["attributes"]})
            kind, create, ref = "composite_type", ddl.create_composite(d), f"TYPE {q}"
        drop = f"DROP {'DOMAIN' if t == 'd' else 'TYPE'} {q}"
        if not any(a[0] == "PUBLIC" for a in r["acl"]):
            create = [*create, f"REVOKE ALL ON {ref} FROM PUBLIC"]  # new types: PUBLIC USAGE
        o = s.add(DbObject(kind, f"type {q}", q, d, create, [drop], sql_ref=ref, detail=d))
        idx.acls[o.identity] = r["acl"]
        o.name_parts = (r["schema"], r["name"])  # for the rename-then-swap replacement
        idx.own("pg_type", r["oid"], o.identity)
        idx.alias("pg_type", r["typarray"], o.identity)
        idx.alias("pg_class", r["typrelid"], o.identity)


def read_sequences(s: Schema, idx: CatalogIndex, rows: list[Row]) -> list[tuple[DbObject, int]]:
    """Returns (sequence, owning table oid) pairs to link once tables are known."""
    owned = []
    for r in rows:
        seq = Sequence(r["q"], r["type"], r["seqstart"], r["seqincrement"], r["seqmin"],
                       r["seqmax"], r["seqcache"], r["seqcycle"], r["unlogged"], r["owned_by"])
        o = s.add(DbObject("sequence", f"sequence {seq.qname}", seq.qname, seq,
                           ddl.create_sequence(seq), [f"DROP SEQUENCE {seq.qname}"],
                           sql_ref=f"SEQUENCE {seq.qname}", detail=seq))
        idx.own("pg_class", r["oid"], o.identity)
        idx.acls[o.identity] = r["acl"]
        if r["owned_by"] and r["owner_table"]:
            owned.append((o, r["owner_table"]))
    return owned


def read_tables(s: Schema, idx: CatalogIndex, rows: list[Row], columns: list[Row]) -> None:
    tables: dict[int, Table] = {}
    for r in rows:
        parents = list(r["parents"])
        t = Table(r["q"], r["relkind"], r["relpersistence"], rls_enabled=r["relrowsecurity"],
                  rls_forced=r["relforcerowsecurity"], options=list(r["reloptions"] or []),
                  partition_key=r["partkey"],
                  inherited_constraints=list(r["inherited_constraints"]),
                  inherited_indexes=list(r["inherited_indexes"]))
        if r["relispartition"]:
            t.partition_of, t.partition_bound = parents[0], r["bound"]
        else:
            t.inherits = parents
        tables[r["oid"]] = t
        o = s.add(DbObject("table", f"table {t.qname}", t.qname, t, [], [f"DROP TABLE {t.qname}"],
                           sql_ref=f"TABLE {t.qname}", detail=t))
        o.name_parts = (r["schema"], r["name"])
        idx.own("pg_class", r["oid"], o.identity)
        idx.alias("pg_type", r["reltype"], o.identity)
        idx.tables_by_oid[r["oid"]] = o
        idx.acls[o.identity] = r["acl"]
    for c in columns:
        t = tables.get(c["attrelid"])
        if t is None:
            continue
        col = Column(c["name"], c["type"], bool(c["is_enum"]), c["collation"],
                     is_local=c["attislocal"], inherit_count=c["attinhcount"])
        if c["attgenerated"]:
            col.generated, col.generation_expr = c["attgenerated"], c["expr"]
        else:
            col.default = c["expr"]
        if c["attidentity"]:
            col.identity = IdentityOptions(c["attidentity"], c["seqstart"], c["seqincrement"],
                                           c["seqmin"], c["seqmax"], c["seqcache"], c["seqcycle"])
        if c["conname"]:
            col.not_null = NotNull(c["conname"], c["conislocal"], c["connoinherit"],
                                   c["convalidated"])
        t.columns[col.name] = col
        if c["acl"]:
            idx.acls[f"column {t.qname}.{col.name}"] = c["acl"]
    for t in tables.values():
        s.objects[f"table {t.qname}"].create = ddl.create_table(t)


def read_sequence_owners(s: Schema, idx: CatalogIndex, owned: list[tuple[DbObject, int]]) -> None:
    for seq_obj, table_oid in owned:
        table = idx.tables_by_oid.get(table_oid)
        if table is None:
            continue
        q, by = seq_obj.qname, seq_obj.detail.owned_by
        s.add(DbObject("sequence_owner", f"sequence_owner {q}", q, by,
                       [f"ALTER SEQUENCE {q} OWNED BY {by}"], [f"ALTER SEQUENCE {q} OWNED BY NONE"],
                       deps={seq_obj.identity, table.identity}))


def read_constraints(s: Schema, idx: CatalogIndex, rows: list[Row]) -> None:
    for r in rows:
        table = idx.tables_by_oid.get(r["conrelid"])
        if table is None:
            continue
        t, name = table.qname, r["name"]
        o = s.add(DbObject(
            "constraint", f"constraint {name} on {t}", f"{t}.{name}", r["def"],
            [f"ALTER TABLE {t} ADD CONSTRAINT {name} {r['def']}"],
            [f"ALTER TABLE {t} DROP CONSTRAINT {name}"], parent=table.identity,
            deps={table.identity}, sql_ref=f"CONSTRAINT {name} ON {t}"))
        idx.own("pg_constraint", r["oid"], o.identity)
        if r["contype"] in ("p", "u", "x"):
            idx.alias("pg_class", r["conindid"], o.identity)


def read_indexes(s: Schema, idx: CatalogIndex, rows: list[Row]) -> None:
    for r in rows:
        owner = idx.primary.get(("pg_class", r["indrelid"]))
        if owner is None:
            continue
        # A partitioned parent's index is printed "ON ONLY"; plain ON cascades to partitions.
        definition = r["def"].replace(" ON ONLY ", " ON ", 1)
        o = s.add(DbObject("index", f"index {r['q']}", r["q"], definition, [definition],
                           [f"DROP INDEX {r['q']}"], parent=owner, deps={owner},
                           sql_ref=f"INDEX {r['q']}"))
        idx.own("pg_class", r["oid"], o.identity)


def read_views(s: Schema, idx: CatalogIndex, rows: list[Row]) -> None:
    for r in rows:
        q = r["q"]
        body = r["def"].strip().rstrip(";")
        with_ = f" WITH ({', '.join(r['reloptions'])})" if r["reloptions"] else ""
        if r["relkind"] == "m":
            kind, word = "materialized_view", "MATERIALIZED VIEW"
        else:
            kind, word = "view", "VIEW"
        o = s.add(DbObject(kind, f"{kind.replace('_', ' ')} {q}", q, (body, with_),
                           [f"CREATE {word} {q}{with_} AS\n{body}"], [f"DROP {word} {q}"],
                           sql_ref=f"{word} {q}"))
        idx.own("pg_class", r["oid"], o.identity)
        idx.alias("pg_type", r["reltype"], o.identity)
        idx.alias("pg_rewrite", r["rule_oid"], o.identity)
        idx.acls[o.identity] = r["acl"]


def read_functions(s: Schema, idx: CatalogIndex, rows: list[Row]) -> None:
    for r in rows:
        q = r["q"]
        word = "PROCEDURE" if r["prokind"] == "p" else "FUNCTION"
        kind = word.lower()
        create = [r["def"].strip()]
        if not any(a[0] == "PUBLIC" for a in r["acl"]):
            # New functions are executable by PUBLIC; the target revoked that.
            create.append(f"REVOKE ALL ON {word} {q} FROM PUBLIC")
        o = s.add(DbObject(kind, f"{kind} {q}", q, r["def"].strip(), create, [f"DROP {word} {q}"],
                           sql_ref=f"{word} {q}",
                           detail=(r["args"], r["result"], r["prokind"], r["sql_body"])))
        idx.own("pg_proc", r["oid"], o.identity)
        idx.acls[o.identity] = r["acl"]


def read_triggers(s: Schema, idx: CatalogIndex, rows: list[Row]) -> None:
    states = {"D": "DISABLE TRIGGER", "R": "ENABLE REPLICA TRIGGER", "A": "ENABLE ALWAYS TRIGGER"}
    for r in rows:
        owner = idx.primary.get(("pg_class", r["tgrelid"]))
        if owner is None:
            continue
        t = s.objects[owner].qname
        create = [r["def"]]
        if r["tgenabled"] in states:
            create.append(f"ALTER TABLE {t} {states[r['tgenabled']]} {r['name']}")
        o = s.add(DbObject("trigger", f"trigger {r['name']} on {t}", f"{t}.{r['name']}",
                           (r["def"], r["tgenabled"]), create, [f"DROP TRIGGER {r['name']} ON {t}"],
                           parent=owner, deps={owner}, sql_ref=f"TRIGGER {r['name']} ON {t}"))
        idx.own("pg_trigger", r["oid"], o.identity)


def read_policies(s: Schema, idx: CatalogIndex, rows: list[Row]) -> None:
    for r in rows:
        table = idx.tables_by_oid.get(r["polrelid"])
        if table is None:
            continue
        t, name = table.qname, r["name"]
        args = (r["polcmd"], r["polpermissive"], list(r["roles"]), r["qual"], r["withcheck"])
        o = s.add(DbObject("policy", f"policy {name} on {t}", f"{t}.{name}", args,
                           ddl.create_policy(name, t, *args), [f"DROP POLICY {name} ON {t}"],
                           parent=table.identity, deps={table.identity},
                           sql_ref=f"POLICY {name} ON {t}"))
        idx.own("pg_policy", r["oid"], o.identity)
