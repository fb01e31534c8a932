"""`stackyard migration ...`: new, list, up, down, verify, repair, baseline, squash, lint.

The database is the environment's active branch (``-e/--env``, ``-b/--branch``) unless
``--db-url`` names one directly (CI, or a database stackyard does not manage).
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from pathlib import Path
from typing import AsyncIterator

import click

from ..errors import ExitCode, StackyardError
from ..pg.migrations import MigrationEngine, MigrationState
from .main import CliContext, json_option, run
from .options import env_option, resolve_env

DEFAULT_LOCK_WAIT = 30.0


def db_options(f):
    """Where the database and the migrations are."""
    f = click.option("--lock-wait", type=float, default=None, metavar="S",
                     help="Seconds to wait for another migration run (default: --lock-timeout or 30; 0: fail at once, exit 5).")(f)
    f = click.option("--dir", "mdir", type=click.Path(file_okay=False, path_type=Path), default=None,
                     help="Migrations folder (default: migrations.dir of the project, supabase/migrations).")(f)
    f = click.option("--db-url", envvar="STACKYARD_DB_URL", default=None,
                     help="Use this database instead of the environment's (also $STACKYARD_DB_URL).")(f)
    f = click.option("-b", "--branch", default=None, help="Branch (default: the active one).")(f)
    return env_option(f)


@asynccontextmanager
async def open_engine(cc: CliContext, env, branch, db_url, mdir, lock_wait, *, need_db: bool = True
                      ) -> AsyncIterator[MigrationEngine]:
    """A MigrationEngine on the chosen database, with the project's timeouts.

    Without ``--db-url``/``--dir`` it comes from the Workspace (``ws.migration_engine``), which
    knows the project's timeouts and, in Supabase projects, the bootstrap squash/baseline need.
    """
    wait = lock_wait if lock_wait is not None else (cc.lock_timeout if cc.lock_timeout is not None else DEFAULT_LOCK_WAIT)
    if db_url and mdir:
        # Stand-alone use: no project needed.
        from ..events import EventBus

        bus = EventBus()
        cc.output.attach(bus)
        yield MigrationEngine(db_url, mdir, bus=bus, lock_wait=wait)
        return
    env = resolve_env(env)
    async with cc.workspace() as ws:
        if db_url or need_db:
            dsn = db_url or await ws.database_url(env, branch)
        else:
            try:  # lint only needs the server's version; without a running env it uses the binaries'
                dsn = await ws.database_url(env, branch)
            except StackyardError:
                dsn = ""
        # The Workspace builds the engine (project timeouts, Supabase bootstrap for squash scratch
        # databases); this command only overrides the lock wait and, with --dir, the folder.
        eng = ws.migration_engine(dsn, env)
        eng.lock_wait = wait
        if mdir:
            eng.migrations_dir = Path(mdir)
        yield eng


@click.group("migration")
def migration_group():
    """Schema migrations: <version>_<name>.sql files, Supabase-compatible history, checksums."""


@migration_group.command("new")
@click.argument("name")
@click.option("--with-down", is_flag=True, help="Add '-- migrate:up' and '-- migrate:down' sections.")
@click.option("--dir", "mdir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Migrations folder (default: the project's).")
@json_option
@run
async def migration_new(cc: CliContext, name, with_down, mdir):
    """Create <UTC timestamp>_NAME.sql."""
    if mdir is None:
        async with cc.workspace() as ws:
            mdir = ws.migrations_dir
    path = MigrationEngine("", mdir).new(name, with_down=with_down)
    cc.output.data({"path": str(path), "version": path.name.split("_", 1)[0]}, str(path))


_STATE_STYLE = {MigrationState.PENDING: "pending", MigrationState.APPLIED: "applied",
                MigrationState.CHANGED: "CHANGED since applied", MigrationState.MISSING: "MISSING locally",
                MigrationState.PARTIAL: "PARTIAL (standalone statement failed)"}


@migration_group.command("list")
@db_options
@json_option
@run
async def migration_list(cc: CliContext, env, branch, db_url, mdir, lock_wait):
    """Local files vs the database: pending, applied, changed since applied, missing locally."""
    async with open_engine(cc, env, branch, db_url, mdir, lock_wait) as eng:
        statuses = await eng.status()
    lines = [f"{'VERSION':<16} {'NAME':<32} {'STATE':<24} APPLIED AT"]
    for s in statuses:
        state = _STATE_STYLE[s.state] + (" (out of order)" if s.out_of_order else "")
        at = s.applied_at.strftime("%Y-%m-%d %H:%M:%S") if s.applied_at else ""
        lines.append(f"{s.version:<16} {(s.name or '')[:32]:<32} {state:<24} {at}")
    if not statuses:
        lines = ["no migrations"]
    cc.output.data([s.to_dict() for s in statuses], "\n".join(lines))
    bad = any(s.state in (MigrationState.CHANGED, MigrationState.MISSING, MigrationState.PARTIAL) for s in statuses)
    return ExitCode.FAILED if bad else ExitCode.OK


@migration_group.command("up")
@click.option("--to", "to", default=None, metavar="VERSION", help="Stop after this version.")
@click.option("--dry-run", is_flag=True, help="Only show what would be applied.")
@click.option("--include-all", is_flag=True, help="Also apply files older than the newest applied one.")
@click.option("--allow-changed", is_flag=True, help="Go on although applied files were edited since.")
@db_options
@json_option
@run
async def migration_up(cc: CliContext, to, dry_run, include_all, allow_changed, env, branch, db_url, mdir, lock_wait):
    """Apply pending migrations, each file in one transaction with its history rows."""
    async with open_engine(cc, env, branch, db_url, mdir, lock_wait) as eng:
        applied = await eng.up(to, dry_run=dry_run, include_all=include_all, allow_changed=allow_changed)
    verb = "would apply" if dry_run else "applied"
    text = "\n".join(f"{verb} {a.version}_{a.name}" + (f" ({a.duration_ms:.0f} ms)" if a.duration_ms is not None else "")
                     for a in applied) or "database is up to date"
    cc.output.data({"dry_run": dry_run, "applied": [a.to_dict() for a in applied]}, text)


@migration_group.command("down")
@click.option("--to", "to", default=None, metavar="VERSION", help="Revert every migration newer than VERSION.")
@click.option("--last", type=int, default=None, metavar="N", help="Revert the N newest migrations (default 1).")
@db_options
@json_option
@run
async def migration_down(cc: CliContext, to, last, env, branch, db_url, mdir, lock_wait):
    """Run down sections (-- migrate:down or <file>.down.sql), newest first."""
    async with open_engine(cc, env, branch, db_url, mdir, lock_wait) as eng:
        reverted = await eng.down(to=to, last=last)
    text = "\n".join(f"reverted {r.version}_{r.name}" for r in reverted) or "nothing to revert"
    cc.output.data({"reverted": [r.to_dict() for r in reverted]}, text)


@migration_group.command("verify")
@db_options
@json_option
@run
async def migration_verify(cc: CliContext, env, branch, db_url, mdir, lock_wait):
    """Check applied files' checksums and run their verify scripts (exit 1 on any failure)."""
    async with open_engine(cc, env, branch, db_url, mdir, lock_wait) as eng:
        report = await eng.verify()
    lines = [f"{'ok  ' if i.ok else 'FAIL'} {i.version} {i.name or ''}: checksum {i.checksum}, script {i.script}"
             + (f" — {i.message}" if i.message else "") for i in report.items]
    cc.output.data(report.to_dict(), "\n".join(lines) or "nothing applied")
    return ExitCode.OK if report.ok else ExitCode.FAILED


@migration_group.command("repair")
@click.argument("versions", nargs=-1, required=True)
@click.option("--status", "status", type=click.Choice(["applied", "reverted"]), required=True,
              help="Record as applied (with the current file's checksum) or forget the version.")
@db_options
@json_option
@run
async def migration_repair(cc: CliContext, versions, status, env, branch, db_url, mdir, lock_wait):
    """Edit history only (no SQL of the migrations runs)."""
    out = []
    async with open_engine(cc, env, branch, db_url, mdir, lock_wait) as eng:
        for v in versions:
            out.append(await eng.repair(v, status))
    cc.output.data([s.to_dict() if s else None for s in out],
                   "\n".join(f"{v}: {status}" for v in versions))


@migration_group.command("baseline")
@click.option("--name", default="baseline", help="Name of the baseline migration.")
@click.option("--exclude-schema", "exclude", multiple=True, help="Leave a schema out of the dump (repeatable).")
@db_options
@json_option
@run
async def migration_baseline(cc: CliContext, name, exclude, env, branch, db_url, mdir, lock_wait):
    """Adopt an existing database: dump its schema into a migration and mark it applied."""
    async with open_engine(cc, env, branch, db_url, mdir, lock_wait) as eng:
        path = await eng.baseline(name, exclude_schemas=tuple(exclude))
    cc.output.data({"path": str(path)}, f"wrote {path} (recorded as applied)")


@migration_group.command("squash")
@click.option("--to", "to", default=None, metavar="VERSION", help="Last version to fold in (default: newest applied).")
@click.option("--exclude-schema", "exclude", multiple=True, help="Leave a schema out of the squashed file (repeatable).")
@db_options
@json_option
@run
async def migration_squash(cc: CliContext, to, exclude, env, branch, db_url, mdir, lock_wait):
    """Replace migrations up to VERSION by one file; verified to give the same schema and rows."""
    async with open_engine(cc, env, branch, db_url, mdir, lock_wait) as eng:
        result = await eng.squash(to, exclude_schemas=tuple(exclude))
    text = (f"squashed {len(result.replaced)} migrations into {result.path}\n"
            f"verified: same schema, same rows ({result.rows_compared} rows in {result.tables_compared} tables)\n"
            f"originals moved to {result.backup_dir}" + "".join(f"\nnote: {n}" for n in result.notes))
    cc.output.data(result.to_dict(), text)


@migration_group.command("lint")
@click.option("--fail-on", type=click.Choice(["warning", "error", "none"]), default="error", show_default=True,
              help="Exit 1 when a finding of this level or worse exists.")
@click.option("--pending", "pending_only", is_flag=True, help="Only lint migrations not applied yet.")
@db_options
@json_option
@run
async def migration_lint(cc: CliContext, fail_on, pending_only, env, branch, db_url, mdir, lock_wait):
    """Lint up sections with squawk for the server's PostgreSQL version."""
    async with open_engine(cc, env, branch, db_url, mdir, lock_wait, need_db=False) as eng:
        report = await eng.lint(fail_on=fail_on, pending_only=pending_only)
    text = "\n".join(str(f) for f in report.findings) or f"no findings in {report.files} file(s)"
    cc.output.data(report.to_dict(), text)
    return ExitCode.FAILED if report.failed else ExitCode.OK


def register(cli: click.Group) -> None:
    """Add the ``migration`` group to the top-level CLI."""
    cli.add_command(migration_group)
