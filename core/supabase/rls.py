"""Run SQL the way PostgREST runs a request: as an API role, with the JWT claims in GUCs.

PostgREST (v10+) opens a transaction per request and sets, transaction-locally:
``search_path`` (db-schemas + db-extra-search-path: public, extensions), the role from the JWT
``role`` claim (``SET LOCAL ROLE``), and ``request.jwt.claims`` (the claims as JSON). Older
versions set one ``request.jwt.claim.<name>`` GUC per claim; Supabase's ``auth.uid()`` still
reads ``request.jwt.claim.sub`` first, so both are set here and agree.
"""

from __future__ import annotations

import json

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

from ..errors import SQLError, UnreachableError, UsageError

API_ROLES = ("anon", "authenticated", "service_role")


def _claims_for(role: str, claims: dict | None) -> dict:
    if claims is None:
        claims = {}
    if not isinstance(claims, dict):
        raise UsageError("claims must be a JSON object", hint='e.g. --claims \'{"sub": "<user uuid>"}\'')
    out = dict(claims)
    out.setdefault("role", role)
    if out["role"] != role:
        raise UsageError(
            f"the claims say role {out['role']!r} but the query runs as {role!r}",
            hint="PostgREST takes the role from the JWT's role claim: make them agree or drop the claim",
        )
    return out


async def exec_as(
    dsn: str,
    sql_text: str,
    *,
    role: str = "authenticated",
    claims: dict | None = None,
    rollback: bool = False,
) -> list[dict]:
    """Run ``sql_text`` as ``role`` with ``claims``; return the rows of the last statement.

    Commits like PostgREST does (``rollback=True`` rolls back instead, like ``Prefer: tx=rollback``).
    Errors (permission denied, RLS violations, ...) raise SQLError with the server's SQLSTATE.
    """
    if not isinstance(role, str) or not role:
        raise UsageError("a role is required", hint="e.g. --as authenticated")
    if not sql_text or not sql_text.strip():
        raise UsageError("no SQL to run", hint='pass -c "select ..."')
    full_claims = _claims_for(role, claims)
    try:
        conn = await psycopg.AsyncConnection.connect(dsn, row_factory=dict_row)
    except psycopg.OperationalError as e:
        raise UnreachableError(f"cannot connect to the database: {e}") from e
    async with conn:
        cur = await conn.execute("select 1 from pg_roles where rolname = %s", (role,))
        if await cur.fetchone() is None:
            raise UsageError(
                f"role {role!r} does not exist in this database cluster",
                hint=f"API roles are {', '.join(API_ROLES)} (created by the Supabase bootstrap)",
            )
        rows: list[dict] = []
        try:
            async with conn.transaction(force_rollback=rollback):
                await conn.execute("select set_config('search_path', 'public, extensions', true)")
                await conn.execute(sql.SQL("set local role {}").format(sql.Identifier(role)))
                await conn.execute(
                    "select set_config('request.jwt.claims', %s, true)", (json.dumps(full_claims),)
                )
                for key, value in full_claims.items():
                    if isinstance(value, (str, int, float, bool)):
                        text = json.dumps(value) if isinstance(value, bool) else str(value)
                        await conn.execute(
                            "select set_config(%s, %s, true)", (f"request.jwt.claim.{key}", text)
                        )
                async with conn.cursor() as c:
                    await c.execute(sql_text.encode())
                    while True:
                        if c.description is not None:
                            rows = await c.fetchall()
                        if not c.nextset():
                            break
        except psycopg.Error as e:
            diag = e.diag
            raise SQLError(
                f"as {role}: {diag.message_primary or str(e).strip()}",
                statement=sql_text,
                sqlstate=diag.sqlstate,
                hint=diag.message_hint,
            ) from e
        return rows
