"""Branch and snapshot commands: branch list|create|switch|reset|delete|diff|merge, snapshot list|create|delete."""

from __future__ import annotations


import click

from .main import CliContext, StackyardGroup, json_option, run
from .options import confirm, env_option, resolve_env
from .render import ago, until


def _expires(ts: float | None) -> str:
    """Like render.until, but a fresh `--ttl 2d` reads "in 2d", not "in 1d" (seconds already passed)."""
    return until(ts + 60) if ts else until(ts)


def _size(n: int | None) -> str:
    if n is None:
        return "-"
    for unit, k in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= k:
            return f"{n / k:.1f} {unit}"
    return f"{n} B"


def tree_text(rows: list[dict]) -> str:
    """The branch tree: active marker, name (snapshots as @name), size, age, TTL."""
    lines = [f"  {'BRANCH':<34} {'SIZE':>9}  {'CREATED':<9} EXPIRES"]
    for r in rows:
        mark = "*" if r["active"] else " "
        name = ("  " * r.get("depth", 0)) + ("@" if r["is_snapshot"] else "") + r["name"]
        lines.append(f"{mark} {name:<34} {_size(r['size_bytes']):>9}  {ago(r['created_at']):<9} {_expires(r['expires_at'])}")
    return "\n".join(lines)


def _created_text(r: dict, what: str) -> str:
    ttl = f", expires {_expires(r['expires_at'])}" if r.get("expires_at") else ""
    return (f"{what} {r['name']} created from {r['parent']} in {r['seconds']:.3f}s "
            f"(strategy {r['strategy']}, {_size(r['size_bytes'])}{ttl})" + ("; now active" if r.get("active") else ""))


@click.group("branch", cls=StackyardGroup)
def branch_group():
    """Copy-on-write branches of the environment's main database (main is branch `main`)."""


@branch_group.command("list")
@env_option
@json_option
@run
async def branch_list(cc: CliContext, env):
    """Show branches and snapshots as a tree (* marks the active branch)."""
    async with cc.workspace() as ws:
        rows = await ws.branch_list(resolve_env(env))
    cc.output.data(rows, tree_text(rows))


@branch_group.command("create")
@click.argument("name")
@click.option("--from", "parent", metavar="PARENT", help="Parent branch, or @snapshot (default: the active branch).")
@click.option("--ttl", help="Time to live, e.g. 3d or never (default: the profile's TTL); gc removes it after.")
@click.option("--switch", is_flag=True, help="Make it the active branch (DATABASE_URL, .env).")
@click.option("--terminate", is_flag=True, help="End other sessions on the parent for the copy (they are listed otherwise).")
@env_option
@json_option
@run
async def branch_create(cc: CliContext, name, parent, ttl, switch, terminate, env):
    """Create branch NAME: a full copy of PARENT (instant on a reflink filesystem)."""
    async with cc.workspace() as ws:
        r = await ws.branch_create(resolve_env(env), name, parent=parent, ttl=ttl, switch=switch, terminate=terminate)
    cc.output.data(r, _created_text(r, "branch"))


@branch_group.command("switch")
@click.argument("name")
@env_option
@json_option
@run
async def branch_switch(cc: CliContext, name, env):
    """Make NAME the active branch: the env's DATABASE_URL and .env point at it."""
    async with cc.workspace() as ws:
        r = await ws.branch_switch(resolve_env(env), name)
    cc.output.data(r, f"active branch: {r['active_branch']} (was {r['previous']}); database {r['database']}")


@branch_group.command("reset")
@click.argument("name")
@click.option("--to-snapshot", "to_snapshot", is_flag=True, help="Reset to the snapshot the branch was made from.")
@click.option("--snapshot", "snapshot", metavar="SNAP", help="Reset to this snapshot instead of the parent.")
@click.option("--terminate", is_flag=True, help="End other sessions on the parent for the copy.")
@click.option("-y", "--yes", is_flag=True, help="Do not ask for confirmation.")
@env_option
@json_option
@run
async def branch_reset(cc: CliContext, name, to_snapshot, snapshot, terminate, yes, env):
    """Throw away NAME's changes: its parent's current data again, same name and URL."""
    env = resolve_env(env)
    async with cc.workspace() as ws:
        ws.require_env(env)
        confirm(yes, f"Reset branch {name!r}? Its data is replaced and its sessions are ended.")
        r = await ws.branch_reset(env, name, to_snapshot=snapshot or to_snapshot, terminate=terminate)
    cc.output.data(r, f"branch {name} reset to {r['reset_to']} in {r['seconds']:.3f}s (strategy {r['strategy']})")


@branch_group.command("delete")
@click.argument("name")
@click.option("--cascade", is_flag=True, help="Also delete the branches made from it.")
@click.option("-y", "--yes", is_flag=True, help="Do not ask for confirmation.")
@env_option
@json_option
@run
async def branch_delete(cc: CliContext, name, cascade, yes, env):
    """Drop branch NAME and its data (refuses main, and branches with children unless --cascade)."""
    env = resolve_env(env)
    async with cc.workspace() as ws:
        ws.require_env(env)
        confirm(yes, f"Delete branch {name!r} and its data?")
        r = await ws.branch_delete(env, name, cascade=cascade)
    extra = f"; active branch is now {r['switched_to']}" if r["switched_to"] else ""
    cc.output.data(r, f"deleted: {', '.join(r['deleted'])}{extra}")


@branch_group.command("diff")
@click.argument("a")
@click.argument("b", required=False)
@click.option("--sql", "as_sql", is_flag=True, help="Print the DDL that turns B into A.")
@click.option("--data", is_flag=True, help="Also compare rows by primary key.")
@click.option("--table", metavar="T", help="Compare the rows of this table only (implies --data).")
@click.option("--rows", type=click.IntRange(min=0), default=0, help="Show up to N sample rows per kind of change.")
@env_option
@json_option
@run
async def branch_diff(cc: CliContext, a, b, as_sql, data, table, rows, env):
    """Schema (and with --data, row) differences of branch A against B (default: A's parent)."""
    async with cc.workspace() as ws:
        r = await ws.branch_diff(resolve_env(env), a, b, data=data, table=table, rows=rows)
    if as_sql:
        text = r["sql"] or "-- no schema differences"
    else:
        text = f"schema ({r['a']} vs {r['b']}):\n{r['text']}"
        if "data_text" in r:
            text += f"\n\ndata ({r['a']} vs {r['b']}):\n{r['data_text']}"
    cc.output.data(r, text)


@branch_group.command("merge")
@click.argument("name")
@click.option("--into", metavar="BRANCH", help="Target branch (default: NAME's parent).")
@click.option("--dry-run", is_flag=True, help="Write nothing: prove the migration on a scratch copy and print it.")
@click.option("--allow-destructive", is_flag=True, help="Allow drops and narrowing changes in the migration.")
@click.option("--terminate", is_flag=True, help="End other sessions on the target for the proof's copy.")
@env_option
@json_option
@run
async def branch_merge(cc: CliContext, name, into, dry_run, allow_destructive, terminate, env):
    """Bring NAME's schema changes into its parent as a migration file, proven before it is applied."""
    async with cc.workspace() as ws:
        r = await ws.branch_merge(resolve_env(env), name, into=into, dry_run=dry_run,
                                  allow_destructive=allow_destructive, terminate=terminate)
    if r["status"] == "up_to_date":
        text = f"nothing to merge: {r['into']} already has {name}'s schema"
    elif r["status"] == "proven":
        text = f"-- proof passed (dry run, nothing written or applied)\n{r['sql']}"
    else:
        text = f"merged {name} into {r['into']}: {r['file']} (proven on a scratch copy, then applied)"
    cc.output.data(r, text)


@click.group("snapshot", cls=StackyardGroup)
def snapshot_group():
    """Immutable copies of a branch, usable as stable parents (`branch create X --from @snap`)."""


@snapshot_group.command("list")
@env_option
@json_option
@run
async def snapshot_list(cc: CliContext, env):
    """Show the environment's snapshots."""
    async with cc.workspace() as ws:
        rows = await ws.snapshot_list(resolve_env(env))
    cc.output.data(rows, tree_text([r | {"depth": 0} for r in rows]) if rows else "no snapshots")


@snapshot_group.command("create")
@click.argument("name")
@click.option("--from", "source", metavar="BRANCH", help="Branch to snapshot (default: the active branch).")
@click.option("--ttl", help="Time to live, e.g. 7d (default: never).")
@click.option("--terminate", is_flag=True, help="End other sessions on the branch for the copy.")
@env_option
@json_option
@run
async def snapshot_create(cc: CliContext, name, source, ttl, terminate, env):
    """Make an immutable snapshot NAME of a branch."""
    async with cc.workspace() as ws:
        r = await ws.snapshot_create(resolve_env(env), name, source=source, ttl=ttl, terminate=terminate)
    cc.output.data(r, _created_text(r, "snapshot"))


@snapshot_group.command("delete")
@click.argument("name")
@click.option("--cascade", is_flag=True, help="Also delete the branches made from it.")
@click.option("-y", "--yes", is_flag=True, help="Do not ask for confirmation.")
@env_option
@json_option
@run
async def snapshot_delete(cc: CliContext, name, cascade, yes, env):
    """Drop snapshot NAME."""
    env = resolve_env(env)
    async with cc.workspace() as ws:
        ws.require_env(env)
        confirm(yes, f"Delete snapshot {name!r}?")
        r = await ws.snapshot_delete(env, name, cascade=cascade)
    cc.output.data(r, f"deleted: {', '.join(r['deleted'])}")


def register(cli: click.Group) -> None:
    cli.add_command(branch_group)
    cli.add_command(snapshot_group)
