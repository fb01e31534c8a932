"""Catalog queries. Names come back quoted by the server (quote_ident / format('%I')).

Every query takes the parameters ``include`` (text[] or NULL) and ``exclude`` (text[]),
which select schemas, and skips objects that belong to an extension (pg_depend 'e').
Introspection runs with ``search_path = ''`` so every expression the server deparses
(defaults, view bodies, checks) is schema-qualified and means the same in any session.
"""

from __future__ import annotations


def _ns(alias: str) -> str:
    return (
        f"({alias}.nspname <> ALL(%(exclude)s) AND left({alias}.nspname, 8) <> 'pg_toast'"
        f" AND left({alias}.nspname, 7) <> 'pg_temp'"
        f" AND (%(include)s::text[] IS NULL OR {alias}.nspname = ANY(%(include)s)))"
    )


def _not_ext(catalog: str, oid_expr: str) -> str:
    return (
        f"NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = '{catalog}'::regclass"
        f" AND e.objid = {oid_expr} AND e.deptype = 'e')"
    )


def _acl(acl: str, kind: str, owner: str) -> str:
    """Expanded privileges as [grantee, privilege, grantable], the owner's own left out."""
    return (
        "ARRAY(SELECT ARRAY[CASE WHEN x.grantee = 0 THEN 'PUBLIC'"
        " ELSE quote_ident(pg_get_userbyid(x.grantee)) END, x.privilege_type, x.is_grantable::text]"
        f" FROM aclexplode(coalesce({acl}, acldefault('{kind}', {owner}))) x"
        f" WHERE x.grantee <> {owner} ORDER BY 1)"
    )


# Name of a collation as DDL writes it: pg_catalog ones unqualified.
_COLL = (
    "(SELECT CASE WHEN cn.nspname = 'pg_catalog' THEN quote_ident(co.collname)"
    " ELSE format('%%I.%%I', cn.nspname, co.collname) END"
    " FROM pg_collation co JOIN pg_namespace cn ON cn.oid = co.collnamespace WHERE co.oid = {oid})"
)

SCHEMAS = f"""
SELECT n.oid, quote_ident(n.nspname) AS q FROM pg_namespace n
WHERE {_ns('n')} AND {_not_ext('pg_namespace', 'n.oid')} ORDER BY n.nspname"""

EXTENSIONS = """
SELECT x.oid, quote_ident(x.extname) AS q, quote_ident(n.nspname) AS schema, x.extversion
FROM pg_extension x JOIN pg_namespace n ON n.oid = x.extnamespace
WHERE %(include)s::text[] IS NULL OR n.nspname = ANY(%(include)s) OR n.nspname = 'pg_catalog'
ORDER BY x.extname"""

EXTENSION_MEMBERS = """
SELECT classid::regclass::text AS catalog, objid, refobjid FROM pg_depend
WHERE deptype = 'e' AND refclassid = 'pg_extension'::regclass"""

COLLATIONS = f"""
SELECT c.oid, format('%%I.%%I', n.nspname, c.collname) AS q, quote_ident(n.nspname) AS schema,
       c.collname AS name, c.collprovider,
       c.collisdeterministic, c.collcollate, c.collctype, c.colllocale, c.collicurules
FROM pg_collation c JOIN pg_namespace n ON n.oid = c.collnamespace
WHERE {_ns('n')} AND {_not_ext('pg_collation', 'c.oid')} ORDER BY 2"""

TYPES = f"""
SELECT t.oid, t.typarray, t.typrelid, format('%%I.%%I', n.nspname, t.typname) AS q,
       quote_ident(n.nspname) AS schema, t.typname AS name, t.typtype,
       ARRAY(SELECT e.enumlabel FROM pg_enum e WHERE e.enumtypid = t.oid
             ORDER BY e.enumsortorder) AS labels,
       CASE WHEN t.typtype = 'd' THEN format_type(t.typbasetype, t.typtypmod) END AS base_type,
       CASE WHEN t.typtype = 'd' AND t.typcollation <> 0 AND t.typcollation <>
            (SELECT b.typcollation FROM pg_type b WHERE b.oid = t.typbasetype)
            THEN {_COLL.format(oid='t.typcollation')} END AS collation,
       t.typdefault, t.typnotnull, {_acl('t.typacl', 'T', 't.typowner')} AS acl,
       ARRAY(SELECT ARRAY[quote_ident(c.conname), pg_get_constraintdef(c.oid)]
             FROM pg_constraint c WHERE c.contypid = t.oid AND c.contype = 'c'
             ORDER BY c.conname) AS checks,
       ARRAY(SELECT ARRAY[quote_ident(a.attname), format_type(a.atttypid, a.atttypmod),
                          CASE WHEN a.attcollation <> 0 AND a.attcollation <>
                               (SELECT b.typcollation FROM pg_type b WHERE b.oid = a.atttypid)
                               THEN {_COLL.format(oid='a.attcollation')} END]
             FROM pg_attribute a WHERE a.attrelid = t.typrelid AND a.attnum > 0
             AND NOT a.attisdropped ORDER BY a.attnum) AS attributes
FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
WHERE {_ns('n')} AND {_not_ext('pg_type', 't.oid')}
  AND (t.typtype IN ('e', 'd')
       OR (t.typtype = 'c' AND (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c'))
ORDER BY 4"""

SEQUENCES = f"""
SELECT c.oid, format('%%I.%%I', n.nspname, c.relname) AS q, format_type(s.seqtypid, NULL) AS type,
       s.seqstart, s.seqincrement, s.seqmin, s.seqmax, s.seqcache, s.seqcycle,
       c.relpersistence = 'u' AS unlogged, {_acl('c.relacl', 's', 'c.relowner')} AS acl,
       (SELECT format('%%I.%%I.%%I', tn.nspname, tc.relname, a.attname)
          FROM pg_depend d JOIN pg_class tc ON tc.oid = d.refobjid
          JOIN pg_namespace tn ON tn.oid = tc.relnamespace
          JOIN pg_attribute a ON a.attrelid = tc.oid AND a.attnum = d.refobjsubid
         WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'a'
           AND d.refclassid = 'pg_class'::regclass LIMIT 1) AS owned_by,
       (SELECT d.refobjid FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
           AND d.objid = c.oid AND d.deptype = 'a' AND d.refclassid = 'pg_class'::regclass
         LIMIT 1) AS owner_table
FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE {_ns('n')} AND {_not_ext('pg_class', 'c.oid')}
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                  AND d.objid = c.oid AND d.deptype = 'i')
ORDER BY 2"""

TABLES = f"""
SELECT c.oid, c.reltype, format('%%I.%%I', n.nspname, c.relname) AS q, c.relkind,
       quote_ident(n.nspname) AS schema, c.relname AS name,
       c.relpersistence, c.relrowsecurity, c.relforcerowsecurity, c.reloptions,
       {_acl('c.relacl', 'r', 'c.relowner')} AS acl, c.relispartition,
       CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END AS partkey,
       CASE WHEN c.relispartition THEN pg_get_expr(c.relpartbound, c.oid) END AS bound,
       ARRAY(SELECT format('%%I.%%I', pn.nspname, p.relname) FROM pg_inherits i
             JOIN pg_class p ON p.oid = i.inhparent JOIN pg_namespace pn ON pn.oid = p.relnamespace
             WHERE i.inhrelid = c.oid ORDER BY i.inhseqno) AS parents,
       ARRAY(SELECT quote_ident(k.conname) FROM pg_constraint k WHERE k.conrelid = c.oid
             AND k.contype <> 'n' AND (k.conparentid <> 0 OR k.coninhcount > 0)
             ORDER BY 1) AS inherited_constraints,
       ARRAY(SELECT format('%%I.%%I', xn.nspname, x.relname) FROM pg_index i
             JOIN pg_class x ON x.oid = i.indexrelid JOIN pg_namespace xn ON xn.oid = x.relnamespace
             WHERE i.indrelid = c.oid
               AND EXISTS (SELECT 1 FROM pg_inherits h WHERE h.inhrelid = i.indexrelid)
               AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid
                               AND k.conrelid = c.oid) ORDER BY 1) AS inherited_indexes
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND {_ns('n')} AND {_not_ext('pg_class', 'c.oid')}
ORDER BY 3"""

COLUMNS = f"""
SELECT a.attrelid, quote_ident(a.attname) AS name, format_type(a.atttypid, a.atttypmod) AS type,
       EXISTS (SELECT 1 FROM pg_type t LEFT JOIN pg_type el ON el.oid = t.typelem
               WHERE t.oid = a.atttypid AND 'e' IN (t.typtype, el.typtype)) AS is_enum,
       CASE WHEN a.attcollation <> 0 AND a.attcollation <>
            (SELECT typcollation FROM pg_type WHERE oid = a.atttypid)
            THEN {_COLL.format(oid='a.attcollation')} END AS collation,
       pg_get_expr(ad.adbin, ad.adrelid) AS expr, a.attgenerated, a.attidentity,
       a.attislocal, a.attinhcount,
       nn.conname, nn.conislocal, nn.connoinherit, nn.convalidated,
       s.seqstart, s.seqincrement, s.seqmin, s.seqmax, s.seqcache, s.seqcycle,
       ARRAY(SELECT ARRAY[CASE WHEN x.grantee = 0 THEN 'PUBLIC'
                          ELSE quote_ident(pg_get_userbyid(x.grantee)) END,
                          x.privilege_type, x.is_grantable::text]
             FROM aclexplode(a.attacl) x
             WHERE x.grantee <> c.relowner ORDER BY 1) AS acl
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid AND c.relkind IN ('r', 'p')
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
LEFT JOIN LATERAL (SELECT quote_ident(k.conname) AS conname, k.conislocal, k.connoinherit,
                          k.convalidated FROM pg_constraint k
                   WHERE k.conrelid = a.attrelid AND k.contype = 'n' AND k.conkey[1] = a.attnum
                   LIMIT 1) nn ON true
LEFT JOIN LATERAL (SELECT q.* FROM pg_depend d JOIN pg_sequence q ON q.seqrelid = d.objid
                   WHERE a.attidentity <> '' AND d.refclassid = 'pg_class'::regclass
                     AND d.refobjid = a.attrelid AND d.refobjsubid = a.attnum
                     AND d.classid = 'pg_class'::regclass AND d.deptype = 'i' LIMIT 1) s ON true
WHERE a.attnum > 0 AND NOT a.attisdropped AND {_ns('n')}
ORDER BY a.attrelid, a.attnum"""

CONSTRAINTS = f"""
SELECT k.oid, k.conrelid, k.conindid, quote_ident(k.conname) AS name, k.contype,
       pg_get_constraintdef(k.oid) AS def
FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE k.contype IN ('p', 'u', 'c', 'f', 'x') AND k.conparentid = 0 AND k.coninhcount = 0
  AND {_ns('n')} ORDER BY k.conrelid, k.conname"""

INDEXES = f"""
SELECT i.indexrelid AS oid, i.indrelid, format('%%I.%%I', n.nspname, ic.relname) AS q,
       pg_get_indexdef(i.indexrelid) AS def
FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
JOIN pg_namespace n ON n.oid = ic.relnamespace
WHERE {_ns('n')} AND {_not_ext('pg_class', 'i.indexrelid')}
  AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid
                  AND k.contype IN ('p', 'u', 'x'))
  AND NOT EXISTS (SELECT 1 FROM pg_inherits h WHERE h.inhrelid = i.indexrelid)
ORDER BY 3"""

VIEWS = f"""
SELECT c.oid, c.reltype, format('%%I.%%I', n.nspname, c.relname) AS q, c.relkind,
       pg_get_viewdef(c.oid) AS def, c.reloptions,
       {_acl('c.relacl', 'r', 'c.relowner')} AS acl,
       (SELECT r.oid FROM pg_rewrite r WHERE r.ev_class = c.oid AND r.rulename = '_RETURN')
         AS rule_oid
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('v', 'm') AND {_ns('n')} AND {_not_ext('pg_class', 'c.oid')}
ORDER BY 3"""

FUNCTIONS = f"""
SELECT p.oid, format('%%I.%%I(%%s)', n.nspname, p.proname, oidvectortypes(p.proargtypes)) AS q,
       p.prokind, pg_get_functiondef(p.oid) AS def, pg_get_function_arguments(p.oid) AS args,
       pg_get_function_result(p.oid) AS result, p.prosqlbody IS NOT NULL AS sql_body,
       {_acl('p.proacl', 'f', 'p.proowner')} AS acl
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE p.prokind IN ('f', 'p', 'w') AND {_ns('n')} AND {_not_ext('pg_proc', 'p.oid')}
  -- range and multirange constructors come with their type (pg_depend 'i')
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass
                  AND d.objid = p.oid AND d.deptype = 'i')
ORDER BY 2"""

TRIGGERS = f"""
SELECT t.oid, t.tgrelid, quote_ident(t.tgname) AS name, pg_get_triggerdef(t.oid) AS def,
       t.tgenabled
FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE NOT t.tgisinternal AND t.tgparentid = 0 AND {_ns('n')}
ORDER BY t.tgrelid, t.tgname"""

POLICIES = f"""
SELECT p.oid, p.polrelid, quote_ident(p.polname) AS name, p.polcmd, p.polpermissive,
       ARRAY(SELECT CASE WHEN r = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(r)) END
             FROM unnest(p.polroles) r ORDER BY 1) AS roles,
       pg_get_expr(p.polqual, p.polrelid) AS qual,
       pg_get_expr(p.polwithcheck, p.polrelid) AS withcheck
FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE {_ns('n')} ORDER BY p.polrelid, p.polname"""

SCHEMA_ACLS = f"""
SELECT n.oid, {_acl('n.nspacl', 'n', 'n.nspowner')} AS acl FROM pg_namespace n
WHERE {_ns('n')} AND {_not_ext('pg_namespace', 'n.oid')}"""

COMMENTS = """
SELECT d.classoid::regclass::text AS catalog, d.objoid, d.objsubid, d.description,
       CASE WHEN d.classoid = 'pg_class'::regclass AND d.objsubid > 0 THEN
         (SELECT quote_ident(attname) FROM pg_attribute
           WHERE attrelid = d.objoid AND attnum = d.objsubid) END AS column_name
FROM pg_description d
WHERE d.objoid >= 16384 OR d.classoid = 'pg_namespace'::regclass  -- public is oid 2200"""


DEPENDS = """
SELECT classid::regclass::text AS catalog, objid, objsubid,
       refclassid::regclass::text AS refcatalog, refobjid, deptype
FROM pg_depend WHERE objid >= 16384 AND deptype IN ('n', 'a')"""
