"""Read a database's user schema from the catalogs into a `Schema`."""

from __future__ import annotations

from collections import defaultdict

import psycopg
from psycopg.rows import dict_row

from core.errors import SQLError
from core.pg.introspect import queries as q
from core.pg.introspect import readers as rd
from core.pg.introspect.ddl import grant_statements, literal
from core.pg.introspect.extras import read_extras
from core.pg.introspect.model import DbObject, Schema

DEFAULT_EXCLUDED_SCHEMAS: tuple[str, ...] = ("pg_catalog", "information_schema")

_COMMENTABLE_CATALOGS = {"pg_class", "pg_type", "pg_proc", "pg_namespace", "pg_constraint",
                         "pg_trigger", "pg_policy", "pg_collation", "pg_statistic_ext",
                         "pg_rewrite", "pg_publication"}


async def inspect_schema(
    conn: psycopg.AsyncConnection,
    *,
    schemas: list[str] | None = None,
    exclude_schemas: list[str] | tuple[str, ...] = DEFAULT_EXCLUDED_SCHEMAS,
) -> Schema:
    """Introspect the user-defined objects of the database `conn` is connected to.

    `schemas` limits the result to those schemas (extensions in them included);
    `exclude_schemas` are skipped, and so are pg_catalog, information_schema, pg_toast*,
    pg_temp* and extension members whatever is passed.
    """
    exclude = sorted(set(exclude_schemas) | set(DEFAULT_EXCLUDED_SCHEMAS))
    params = {"include": list(schemas) if schemas else None, "exclude": exclude}
    outermost = conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
    try:
        async with conn.transaction():
            async with conn.cursor(row_factory=dict_row) as cur:
                if outermost:  # one snapshot for every catalog query, even under live DDL
                    await cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
                # Deparsed expressions come back schema-qualified with an empty search_path,
                # and timestamps in partition bounds the same whatever the session's zone.
                await cur.execute("SELECT current_setting('search_path') AS sp,"
                                  " current_setting('timezone') AS tz,"
                                  " current_setting('server_version_num')::int AS v")
                row = await cur.fetchone()
                await cur.execute("SELECT set_config('search_path', '', true),"
                                  " set_config('timezone', 'UTC', true)")
                result = await _read_all(cur, params)
                # Only matters inside a caller's open transaction; a rollback restores it anyway.
                await cur.execute("SELECT set_config('search_path', %s, true),"
                                  " set_config('timezone', %s, true)", [row["sp"], row["tz"]])
    except psycopg.Error as e:
        raise SQLError(f"schema introspection failed: {e}", sqlstate=e.sqlstate,
                       hint="the role needs read access to the system catalogs") from e
    result.server_version = row["v"]
    return result


async def _fetch(cur, query: str, params: dict) -> list[dict]:
    await cur.execute(query, params)
    return await cur.fetchall()


async def _read_all(cur, params: dict) -> Schema:
    s, idx = Schema(), rd.CatalogIndex()
    rd.read_schemas(s, idx, await _fetch(cur, q.SCHEMAS, params))
    rd.read_extensions(s, idx, await _fetch(cur, q.EXTENSIONS, params),
                       await _fetch(cur, q.EXTENSION_MEMBERS, params))
    rd.read_collations(s, idx, await _fetch(cur, q.COLLATIONS, params))
    rd.read_types(s, idx, await _fetch(cur, q.TYPES, params))
    owned = rd.read_sequences(s, idx, await _fetch(cur, q.SEQUENCES, params))
    rd.read_tables(s, idx, await _fetch(cur, q.TABLES, params),
                   await _fetch(cur, q.COLUMNS, params))
    rd.read_sequence_owners(s, idx, owned)
    rd.read_constraints(s, idx, await _fetch(cur, q.CONSTRAINTS, params))
    rd.read_views(s, idx, await _fetch(cur, q.VIEWS, params))
    rd.read_indexes(s, idx, await _fetch(cur, q.INDEXES, params))
    rd.read_functions(s, idx, await _fetch(cur, q.FUNCTIONS, params))
    rd.read_triggers(s, idx, await _fetch(cur, q.TRIGGERS, params))
    rd.read_policies(s, idx, await _fetch(cur, q.POLICIES, params))
    await read_extras(s, idx, lambda query: _fetch(cur, query, params))
    for r in await _fetch(cur, q.SCHEMA_ACLS, params):
        ident = idx.primary.get(("pg_namespace", r["oid"]))
        if ident:
            idx.acls[ident] = r["acl"]
    await cur.execute("SELECT oid, adrelid FROM pg_attrdef WHERE oid >= 16384")
    for r in await cur.fetchall():
        if r["adrelid"] in idx.tables_by_oid:
            idx.alias("pg_attrdef", r["oid"], idx.tables_by_oid[r["adrelid"]].identity)
    _add_dependencies(s, idx, await _fetch(cur, q.DEPENDS, params))
    _add_comments(s, idx, await _fetch(cur, q.COMMENTS, params))
    _add_grants(s, idx)
    return s


def _add_dependencies(s: Schema, idx: rd.CatalogIndex, rows: list[dict]) -> None:
    for r in rows:
        who = idx.deps.get((r["catalog"], r["objid"]))
        what = idx.deps.get((r["refcatalog"], r["refobjid"]))
        if who is None or what is None or who == what:
            continue
        obj = s.objects[who]
        if obj.kind == "extension":
            continue  # an extension member pointing at user objects; not ours to order
        if obj.kind == "sequence" and r["deptype"] == "a":
            continue  # OWNED BY: modelled by the sequence_owner object (breaks the cycle)
        obj.deps.add(what)


def _add_comments(s: Schema, idx: rd.CatalogIndex, rows: list[dict]) -> None:
    for r in rows:
        if r["catalog"] not in _COMMENTABLE_CATALOGS:
            continue
        target = idx.primary.get((r["catalog"], r["objoid"]))
        if target is None:
            continue
        obj = s.objects[target]
        if r["objsubid"]:
            if obj.kind not in ("table", "view", "materialized_view") or not r["column_name"]:
                continue
            ref = f"COLUMN {obj.qname}.{r['column_name']}"
        elif obj.sql_ref:
            ref = obj.sql_ref
        else:
            continue
        text = r["description"]
        s.add(DbObject("comment", f"comment on {ref}", ref, text,
                       [f"COMMENT ON {ref} IS {literal(text)}"], [f"COMMENT ON {ref} IS NULL"],
                       parent=target, deps={target}, sql_ref=ref))


def _add_grants(s: Schema, idx: rd.CatalogIndex) -> None:
    for ident, entries in idx.acls.items():
        if ident.startswith("column "):
            _add_column_grants(s, ident.removeprefix("column "), entries)
            continue
        obj = s.objects[ident]
        # GRANT has no VIEW keyword: views and materialized views are granted as tables.
        ref = obj.sql_ref.replace("MATERIALIZED VIEW ", "TABLE ", 1).replace("VIEW ", "TABLE ", 1)
        by_grantee: dict[str, list[tuple[str, bool]]] = defaultdict(list)
        for grantee, privilege, grantable in entries or []:
            by_grantee[grantee].append((privilege, grantable == "true"))
        for grantee, privs in by_grantee.items():
            privs.sort()
            s.add(DbObject("grant", f"grant to {grantee} on {ref}", ref, tuple(privs),
                           grant_statements(ref, grantee, privs),
                           [f"REVOKE ALL ON {ref} FROM {grantee}"],
                           parent=ident, deps={ident}, sql_ref=ref))


def _add_column_grants(s: Schema, column: str, entries: list[list[str]]) -> None:
    """Column privileges: `GRANT SELECT (c) ON TABLE t TO role`, one object per grantee."""
    table_q, col = column.rsplit(".", 1) if '"' not in column else _split_column(column)
    table = f"table {table_q}"
    by_grantee: dict[str, list[tuple[str, bool]]] = defaultdict(list)
    for grantee, privilege, grantable in entries:
        by_grantee[grantee].append((privilege, grantable == "true"))
    for grantee, privs in by_grantee.items():
        privs.sort()
        sql = [f"GRANT {p} ({col}) ON TABLE {table_q} TO {grantee}"
               + (" WITH GRANT OPTION" if g else "") for p, g in privs]
        s.add(DbObject("grant", f"grant to {grantee} on COLUMN {column}", column, tuple(privs),
                       sql, [f"REVOKE ALL ({col}) ON TABLE {table_q} FROM {grantee}"],
                       parent=table, deps={table}, sql_ref=f"COLUMN {column}"))


def _split_column(column: str) -> tuple[str, str]:
    """Split 'schema.table.column' where parts may be quoted (and contain dots)."""
    parts, cur, quoted = [], "", False
    for ch in column:
        if ch == '"':
            quoted = not quoted
        if ch == "." and not quoted:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    parts.append(cur)
    return ".".join(parts[:-1]), parts[-1]
