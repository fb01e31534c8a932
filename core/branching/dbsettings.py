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


async def settings_statements(conn: psycopg.AsyncConnection, source: str, target: str) -> list[sql.Composed]:
    """What gives a fresh copy ``target`` (owned by us) the owner, grants and SET defaults of ``source``."""
    cur = await conn.execute(
        "SELECT (SELECT coalesce(json_agg(json_build_array(r.rolname, st.setconfig)), '[]')"
        "        FROM pg_db_role_setting st LEFT JOIN pg_roles r ON r.oid = st.setrole WHERE st.setdatabase = s.oid),"
        " pg_get_userbyid(s.datdba), current_user, s.datacl IS NULL,"
        " (SELECT coalesce(json_agg(json_build_array(CASE WHEN a.grantee = 0 THEN NULL"
        "   ELSE pg_get_userbyid(a.grantee) END, a.privilege_type, a.is_grantable)), '[]')"
        "   FROM aclexplode(s.datacl) a)"
        " FROM pg_database s WHERE s.datname = %s", (source,))
    row = await cur.fetchone()
    if row is None:
        return []
    settings, owner, me, default_acl, grants = row
    target_id = sql.Identifier(target)
    out: list[sql.Composed] = []
    for role, config in settings:
        for item in config or []:
            name, _, value = item.partition("=")
            if role is None:
                out.append(sql.SQL("ALTER DATABASE {} ").format(target_id) + _set_clause(name, value))
            else:
                out.append(sql.SQL("ALTER ROLE {} IN DATABASE {} ").format(sql.Identifier(role), target_id)
                           + _set_clause(name, value))
    if owner != me:
        out.append(sql.SQL("ALTER DATABASE {} OWNER TO {}").format(target_id, sql.Identifier(owner)))
    if not default_acl:
        out.append(sql.SQL("REVOKE ALL ON DATABASE {} FROM PUBLIC").format(target_id))
        for grantee, privilege, grantable in grants:
            if grantee == owner or privilege not in DATABASE_PRIVILEGES:
                continue  # the owner's rights come with ownership
            who = sql.SQL("PUBLIC") if grantee is None else sql.Identifier(grantee)
            out.append(sql.SQL("GRANT {} ON DATABASE {} TO {}{}").format(
                sql.SQL(privilege), target_id, who, sql.SQL(" WITH GRANT OPTION" if grantable else "")))
    return out


async def copy_database_settings(conn: psycopg.AsyncConnection, source: str, target: str) -> int:
    """Give ``target`` the owner, grants and SET defaults of ``source`` now. Returns how many statements ran."""
    stmts = await settings_statements(conn, source, target)
    if stmts:
        await conn.execute(sql.SQL("; ").join(stmts))
    return len(stmts)
