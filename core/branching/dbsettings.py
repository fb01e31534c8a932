"""What ``CREATE DATABASE … TEMPLATE`` does not copy: per-database settings, owner and grants.

``ALTER DATABASE x SET …`` (and ``ALTER ROLE r IN DATABASE x SET …``) live in the shared catalog
pg_db_role_setting and the database ACL in pg_database, so a copy would silently lose e.g. a
``search_path`` that includes ``extensions``. Every branch copy re-applies its source's.
"""

from __future__ import annotations

import re

import psycopg
from psycopg import sql

# Settings stored as a flattened list (GUC_LIST_QUOTE): each element must be given separately.
LIST_SETTINGS = {"search_path", "temp_tablespaces", "session_preload_libraries", "local_preload_libraries",
                 "shared_preload_libraries", "unix_socket_directories"}
DATABASE_PRIVILEGES = {"CREATE", "CONNECT", "TEMPORARY"}
_LIST_ITEM = re.compile(r'"((?:[^"]|"")*)"|([^,\s]+)')


def list_items(value: str) -> list[str]:
    """``"$user", public, extensions`` -> ['$user', 'public', 'extensions']."""
    return [m.group(1).replace('""', '"') if m.group(1) is not None else m.group(2)
            for m in _LIST_ITEM.finditer(value)]


def _set_clause(name: str, value: str) -> sql.Composed:
    if name.lower() in LIST_SETTINGS:
        items = list_items(value) or [""]
        rhs = sql.SQL(", ").join(sql.Literal(i) for i in items)
    else:
        rhs = sql.Literal(value)
    return sql.SQL("SET {} TO {}").format(sql.Identifier(name), rhs)


async def copy_database_settings(conn: psycopg.AsyncConnection, source: str, target: str) -> int:
    """Give ``target`` the owner, grants and SET defaults of ``source``. Returns how many were applied."""
    n = 0
    cur = await conn.execute(
        "SELECT (SELECT coalesce(json_agg(json_build_array(r.rolname, st.setconfig)), '[]')"
        "        FROM pg_db_role_setting st LEFT JOIN pg_roles r ON r.oid = st.setrole WHERE st.setdatabase = s.oid),"
        " pg_get_userbyid(s.datdba), pg_get_userbyid(t.datdba), s.datacl IS NULL"
        " FROM pg_database s, pg_database t WHERE s.datname = %s AND t.datname = %s", (source, target))
    row = await cur.fetchone()
    if row is None:
        return n
    settings, owner, target_owner, default_acl = row
    for role, config in settings:
        for item in config or []:
            name, _, value = item.partition("=")
            if role is None:
                stmt = sql.SQL("ALTER DATABASE {} ").format(sql.Identifier(target)) + _set_clause(name, value)
            else:
                stmt = sql.SQL("ALTER ROLE {} IN DATABASE {} ").format(
                    sql.Identifier(role), sql.Identifier(target)) + _set_clause(name, value)
            await conn.execute(stmt)
            n += 1
    if owner != target_owner:
        await conn.execute(sql.SQL("ALTER DATABASE {} OWNER TO {}").format(sql.Identifier(target), sql.Identifier(owner)))
        n += 1
    if default_acl:
        return n
    await conn.execute(sql.SQL("REVOKE ALL ON DATABASE {} FROM PUBLIC").format(sql.Identifier(target)))
    cur = await conn.execute(
        "SELECT CASE WHEN a.grantee = 0 THEN NULL ELSE pg_get_userbyid(a.grantee) END, a.privilege_type,"
        " a.is_grantable, pg_get_userbyid(a.grantor) FROM pg_database d, aclexplode(d.datacl) a WHERE d.datname = %s",
        (source,))
    for grantee, privilege, grantable, _grantor in await cur.fetchall():
        if grantee == owner or privilege not in DATABASE_PRIVILEGES:
            continue  # the owner's rights come with ownership
        who = sql.SQL("PUBLIC") if grantee is None else sql.Identifier(grantee)
        await conn.execute(sql.SQL("GRANT {} ON DATABASE {} TO {}{}").format(
            sql.SQL(privilege), sql.Identifier(target), who, sql.SQL(" WITH GRANT OPTION" if grantable else "")))
        n += 1
    return n
