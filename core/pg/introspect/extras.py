"""Less common kinds: range types, extended statistics, rules, publications and default
privileges.

Publications matter for Supabase projects (realtime publishes tables through
`supabase_realtime`): adding a table to a publication is a schema change worth merging.
"""

from __future__ import annotations

from core.pg.introspect.ddl import literal
from core.pg.introspect.model import DbObject, Schema
from core.pg.introspect.queries import _not_ext, _ns
from core.pg.introspect.readers import CatalogIndex, Row

RANGES = f"""
SELECT t.oid, r.rngmultitypid, format('%%I.%%I', n.nspname, t.typname) AS q,
       format_type(r.rngsubtype, NULL) AS subtype,
       CASE WHEN r.rngcollation <> 0 AND r.rngcollation <>
            (SELECT typcollation FROM pg_type WHERE oid = r.rngsubtype)
            THEN (SELECT format('%%I.%%I', cn.nspname, co.collname) FROM pg_collation co
                  JOIN pg_namespace cn ON cn.oid = co.collnamespace WHERE co.oid = r.rngcollation)
            END AS collation,
       (SELECT CASE WHEN oc.opcdefault THEN NULL ELSE format('%%I.%%I', ocn.nspname, oc.opcname) END
          FROM pg_opclass oc JOIN pg_namespace ocn ON ocn.oid = oc.opcnamespace
         WHERE oc.oid = r.rngsubopc) AS opclass,
       NULLIF(r.rngcanonical, 0)::regproc::text AS canonical,
       NULLIF(r.rngsubdiff, 0)::regproc::text AS subdiff,
       (SELECT format('%%I.%%I', mn.nspname, m.typname) FROM pg_type m
          JOIN pg_namespace mn ON mn.oid = m.typnamespace WHERE m.oid = r.rngmultitypid)
         AS multirange
FROM pg_range r JOIN pg_type t ON t.oid = r.rngtypid
JOIN pg_namespace n ON n.oid = t.typnamespace
WHERE {_ns('n')} AND {_not_ext('pg_type', 't.oid')} ORDER BY 3"""

STATISTICS = f"""
SELECT s.oid, s.stxrelid, format('%%I.%%I', n.nspname, s.stxname) AS q,
       pg_get_statisticsobjdef(s.oid) AS def
FROM pg_statistic_ext s JOIN pg_namespace n ON n.oid = s.stxnamespace
WHERE {_ns('n')} ORDER BY 3"""

RULES = f"""
SELECT r.oid, r.ev_class, quote_ident(r.rulename) AS name, pg_get_ruledef(r.oid) AS def
FROM pg_rewrite r JOIN pg_class c ON c.oid = r.ev_class
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE r.rulename <> '_RETURN' AND {_ns('n')} ORDER BY r.ev_class, r.rulename"""

DEFAULT_ACLS = """
SELECT quote_ident(pg_get_userbyid(d.defaclrole)) AS role, d.defaclobjtype AS objtype,
       CASE WHEN d.defaclnamespace = 0 THEN NULL ELSE quote_ident(n.nspname) END AS schema,
       ARRAY(SELECT ARRAY[CASE WHEN x.grantee = 0 THEN 'PUBLIC'
                          ELSE quote_ident(pg_get_userbyid(x.grantee)) END,
                          x.privilege_type, x.is_grantable::text]
             FROM aclexplode(d.defaclacl) x WHERE x.grantee <> d.defaclrole ORDER BY 1) AS acl
FROM pg_default_acl d LEFT JOIN pg_namespace n ON n.oid = d.defaclnamespace
WHERE d.defaclnamespace = 0 OR (n.nspname <> ALL(%(exclude)s)
      AND (%(include)s::text[] IS NULL OR n.nspname = ANY(%(include)s)))
ORDER BY 1, 2, 3"""

_DEFACL_KINDS = {"r": "TABLES", "S": "SEQUENCES", "f": "FUNCTIONS", "T": "TYPES", "n": "SCHEMAS"}
# Without an entry of its own a role's new functions and types are usable by PUBLIC.
_PUBLIC_BY_DEFAULT = {"f": "EXECUTE", "T": "USAGE"}

PUBLICATIONS = """
SELECT p.oid, quote_ident(p.pubname) AS q, p.puballtables, p.pubinsert, p.pubupdate,
       p.pubdelete, p.pubtruncate, p.pubviaroot
FROM pg_publication p ORDER BY 2"""

PUBLICATION_TABLES = """
SELECT pr.oid, pr.prpubid, pr.prrelid, pg_get_expr(pr.prqual, pr.prrelid) AS qual,
       (SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum) FROM pg_attribute a
         WHERE a.attrelid = pr.prrelid AND a.attnum = ANY(pr.prattrs)) AS columns
FROM pg_publication_rel pr"""

PUBLICATION_SCHEMAS = """
SELECT pn.oid, pn.pnpubid, pn.pnnspid FROM pg_publication_namespace pn"""


def read_ranges(s: Schema, idx: CatalogIndex, rows: list[Row]) -> None:
    for r in rows:
        q = r["q"]
        opts = [f"subtype = {r['subtype']}"]
        for key, opt in (("opclass", "subtype_opclass"), ("collation", "collation"),
                         ("canonical", "canonical"), ("subdiff", "subtype_diff"),
                         ("multirange", "multirange_type_name")):
            if r[key]:
                opts.append(f"{opt} = {r[key]}")
        create = [f"CREATE TYPE {q} AS RANGE ({', '.join(opts)})"]
        o = s.add(DbObject("range_type", f"type {q}", q, tuple(opts), create, [f"DROP TYPE {q}"],
                           sql_ref=f"TYPE {q}"))
        idx.own("pg_type", r["oid"], o.identity)
        idx.alias("pg_type", r["rngmultitypid"], o.identity)


def read_statistics(s: Schema, idx: CatalogIndex, rows: list[Row]) -> None:
    for r in rows:
        table = idx.tables_by_oid.get(r["stxrelid"])
        if table is None:
            continue
        o = s.add(DbObject("statistics", f"statistics {r['q']}", r["q"], r["def"], [r["def"]],
                           [f"DROP STATISTICS {r['q']}"], parent=table.identity,
                           deps={table.identity}, sql_ref=f"STATISTICS {r['q']}"))
        idx.own("pg_statistic_ext", r["oid"], o.identity)


def read_rules(s: Schema, idx: CatalogIndex, rows: list[Row]) -> None:
    for r in rows:
        owner = idx.primary.get(("pg_class", r["ev_class"]))
        if owner is None:
            continue
        t = s.objects[owner].qname
        definition = r["def"].strip().rstrip(";")
        o = s.add(DbObject("rule", f"rule {r['name']} on {t}", f"{t}.{r['name']}", definition,
                           [definition], [f"DROP RULE {r['name']} ON {t}"], parent=owner,
                           deps={owner}, sql_ref=f"RULE {r['name']} ON {t}"))
        idx.own("pg_rewrite", r["oid"], o.identity)


def read_publications(s: Schema, idx: CatalogIndex, pubs: list[Row], tables: list[Row],
                      schemas: list[Row]) -> None:
    names = {}
    for r in pubs:
        q = r["q"]
        publish = ", ".join(w for w, on in (("insert", r["pubinsert"]), ("update", r["pubupdate"]),
                                            ("delete", r["pubdelete"]),
                                            ("truncate", r["pubtruncate"])) if on)
        with_ = (f"publish = {literal(publish)}, "
                 f"publish_via_partition_root = {'true' if r['pubviaroot'] else 'false'}")
        scope = " FOR ALL TABLES" if r["puballtables"] else ""
        o = s.add(DbObject("publication", f"publication {q}", q, (r["puballtables"], with_),
                           [f"CREATE PUBLICATION {q}{scope} WITH ({with_})"],
                           [f"DROP PUBLICATION {q}"], sql_ref=f"PUBLICATION {q}",
                           detail=with_))
        idx.own("pg_publication", r["oid"], o.identity)
        names[r["oid"]] = o
    for r in tables:
        pub, table = names.get(r["prpubid"]), idx.tables_by_oid.get(r["prrelid"])
        if pub is None or table is None:
            continue
        target = table.qname + (f" ({r['columns']})" if r["columns"] else "")
        if r["qual"]:
            target += f" WHERE ({r['qual']})"
        s.add(DbObject("publication_member", f"publication {pub.qname} table {table.qname}",
                       table.qname, target, [f"ALTER PUBLICATION {pub.qname} ADD TABLE {target}"],
                       [f"ALTER PUBLICATION {pub.qname} DROP TABLE {table.qname}"],
                       parent=pub.identity, deps={pub.identity, table.identity}))
    for r in schemas:
        pub, nsp = names.get(r["pnpubid"]), idx.primary.get(("pg_namespace", r["pnnspid"]))
        if pub is None or nsp is None:
            continue
        q = s.objects[nsp].qname
        s.add(DbObject("publication_member", f"publication {pub.qname} schema {q}", q, q,
                       [f"ALTER PUBLICATION {pub.qname} ADD TABLES IN SCHEMA {q}"],
                       [f"ALTER PUBLICATION {pub.qname} DROP TABLES IN SCHEMA {q}"],
                       parent=pub.identity, deps={pub.identity, nsp}))


def read_default_privileges(s: Schema, rows: list[Row]) -> None:
    """ALTER DEFAULT PRIVILEGES, one object per (role, schema, object kind, grantee)."""
    for r in rows:
        kind = _DEFACL_KINDS.get(r["objtype"])
        if kind is None:
            continue
        scope = f"FOR ROLE {r['role']}" + (f" IN SCHEMA {r['schema']}" if r["schema"] else "")
        head = f"ALTER DEFAULT PRIVILEGES {scope}"
        where = f"default privileges {scope.lower()} on {kind.lower()}"
        schema = f"schema {r['schema']}" if r["schema"] else None  # gone with its schema
        tie = {"parent": schema, "deps": {schema} if schema else set()}
        grants: dict[str, list[tuple[str, bool]]] = {}
        for grantee, privilege, grantable in r["acl"]:
            grants.setdefault(grantee, []).append((privilege, grantable == "true"))
        for grantee, privs in grants.items():
            privs.sort()
            sql = [f"{head} GRANT {p} ON {kind} TO {grantee}" + (" WITH GRANT OPTION" if g else "")
                   for p, g in privs]
            s.add(DbObject("default_privilege", f"{where} to {grantee}", scope, tuple(privs), sql,
                           [f"{head} REVOKE ALL ON {kind} FROM {grantee}"], **tie))
        public = _PUBLIC_BY_DEFAULT.get(r["objtype"])
        if public and not r["schema"] and "PUBLIC" not in grants:
            # A global entry replaces the built-in default: PUBLIC's right was revoked.
            s.add(DbObject("default_privilege", f"{where}: {public} revoked from PUBLIC", scope,
                           public, [f"{head} REVOKE {public} ON {kind} FROM PUBLIC"],
                           [f"{head} GRANT {public} ON {kind} TO PUBLIC"]))


async def read_extras(s: Schema, idx: CatalogIndex, fetch) -> None:
    """Run the queries above through `fetch(query)` and add their objects to `s`."""
    read_ranges(s, idx, await fetch(RANGES))
    read_statistics(s, idx, await fetch(STATISTICS))
    read_rules(s, idx, await fetch(RULES))
    read_publications(s, idx, await fetch(PUBLICATIONS), await fetch(PUBLICATION_TABLES),
                      await fetch(PUBLICATION_SCHEMAS))
    read_default_privileges(s, await fetch(DEFAULT_ACLS))
