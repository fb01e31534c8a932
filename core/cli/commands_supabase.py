"""Supabase helpers on the command line: ``stackyard db exec --as ROLE`` (RLS testing) and
``stackyard db compat`` (which objects are stackyard stand-ins).

Added to the existing ``db`` group when there is one (core.cli.commands_db), else to a new one.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from ..errors import UsageError
from .main import CliContext, json_option, run
from .options import env_option, resolve_env


def _cell(v) -> str:
    if v is None:
        return "NULL"
    if isinstance(v, (dict, list)):
        return json.dumps(v, default=str)
    return str(v)


def rows_text(rows: list[dict]) -> str:
    """Rows as an aligned plain-text table (psql-like), or "(0 rows)"."""
    if not rows:
        return "(0 rows)"
    cols = list(rows[0].keys())
    cells = [[_cell(r.get(c)) for c in cols] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(cols)]
    lines = [" | ".join(c.ljust(w) for c, w in zip(cols, widths)).rstrip(),
             "-+-".join("-" * w for w in widths)]
    lines += [" | ".join(v.ljust(w) for v, w in zip(row, widths)).rstrip() for row in cells]
    lines.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(lines)


def parse_claims(claims: str | None, sub: str | None) -> dict | None:
    """--claims JSON (an object) merged with the --sub shortcut."""
    out: dict | None = None
    if claims:
        try:
            out = json.loads(claims)
        except json.JSONDecodeError as e:
            raise UsageError(f"--claims is not valid JSON: {e.msg} (column {e.colno})",
                             hint='e.g. --claims \'{"sub": "<user uuid>", "email": "a@b.c"}\'') from None
        if not isinstance(out, dict):
            raise UsageError("--claims must be a JSON object", hint='e.g. --claims \'{"sub": "<user uuid>"}\'')
    if sub:
        out = {**(out or {}), "sub": sub}
    return out


@click.command("exec")
@env_option
@click.option("-b", "--branch", help="Branch (default: the active one).")
@click.option("--as", "role", default="authenticated", show_default=True, metavar="ROLE",
              help="API role to run as (anon, authenticated, service_role, or any role).")
@click.option("--claims", metavar="JSON", help='JWT claims as PostgREST would set them, e.g. \'{"sub": "<uuid>"}\'.')
@click.option("--sub", metavar="UUID", help="Shortcut for the sub claim (the user id auth.uid() returns).")
@click.option("-c", "--command", "command", metavar="SQL", help="SQL to run.")
@click.option("-f", "--file", "file", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="Read the SQL from a file.")
@click.option("--rollback", is_flag=True, help="Roll back instead of committing (like Prefer: tx=rollback).")
@json_option
@run
async def db_exec(cc: CliContext, env, branch, role, claims, sub, command, file, rollback):
    """Run SQL the way PostgREST would for a user: role + JWT claims, RLS applies.

    \b
    stackyard db exec --as authenticated --sub 1111...-1111 -c "select * from notes"
    stackyard db exec --as anon -c "select count(*) from profiles" --json
    """
    from ..supabase.rls import exec_as

    if bool(command) == bool(file):
        raise UsageError("give the SQL with exactly one of -c SQL or -f FILE")
    sql_text = command if command else file.read_text()
    parsed = parse_claims(claims, sub)
    env = resolve_env(env)
    async with cc.workspace() as ws:
        dsn = await ws.database_url(env, branch=branch)
    rows = await exec_as(dsn, sql_text, role=role, claims=parsed, rollback=rollback)
    cc.output.data(_jsonable(rows), rows_text(rows))


def _jsonable(v):
    """Row values as JSON-friendly types (uuid, numeric, bytea, intervals... as text)."""
    if isinstance(v, dict):
        return {k: _jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    if v is None or isinstance(v, (str, int, float, bool)):
        return v
    if isinstance(v, (bytes, bytearray, memoryview)):
        return "\\x" + bytes(v).hex()
    if hasattr(v, "isoformat"):
        return v.isoformat()
    return str(v)


@click.command("compat")
@env_option
@click.option("-b", "--branch", help="Branch (default: the active one).")
@json_option
@run
async def db_compat(cc: CliContext, env, branch):
    """List the stackyard stand-ins and shims in the database: what is exact, approximate or fake."""
    from ..supabase.provider import list_standins

    env = resolve_env(env)
    async with cc.workspace() as ws:
        dsn = await ws.database_url(env, branch=branch)
    rows = await list_standins(dsn)
    cc.output.data(rows, rows_text([{k: r[k] for k in ("extension", "object", "status", "note")} for r in rows]))


def register(cli: click.Group) -> None:
    """Add ``exec`` to the ``db`` group (creating the group when it does not exist yet)."""
    db = cli.commands.get("db")
    if db is None:
        @click.group("db")
        def db_group():
            """Work with the environment's database."""

        cli.add_command(db_group)
        db = db_group
    db.add_command(db_exec)
    db.add_command(db_compat)
