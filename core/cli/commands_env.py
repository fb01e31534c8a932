"""Environment lifecycle commands: up, down, destroy, status, env ..., gc, health, logs."""

from __future__ import annotations

import asyncio
import re

import click

from ..errors import ExitCode, UsageError
from .main import CliContext, json_option, run
from .options import confirm, env_argument, resolve_env
from .render import envs_table, health_text, status_text

SERVICE_COLOURS = ["cyan", "magenta", "green", "yellow", "blue", "bright_red", "bright_cyan", "bright_magenta"]
LEVEL_STYLE = {"critical": "bold red", "error": "red", "warning": "yellow", "debug": "dim"}


@click.command()
@env_argument
@click.option("--profile", "-p", help="Profile for a new environment (default: per stackyard.yaml, or dev).")
@click.option("--runtime", type=click.Choice(["local", "docker"]), help="Runtime for a new environment.")
@click.option("--ttl", help="Time to live for a new environment, e.g. 2d (gc removes it after).")
@click.option("--wait", is_flag=True, help="Block until every service is healthy.")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True),
              help="Seconds for starting and --wait (default: the profile's wait_timeout).")
@json_option
@run
async def up(cc: CliContext, env, profile, runtime, ttl, wait, timeout):
    """Create (on first use) and start an environment."""
    env = resolve_env(env)
    async with cc.workspace() as ws:
        st = await ws.up(env, profile=profile, runtime=runtime, wait=wait, timeout=timeout, ttl=ttl)
        st["database_url"] = await ws.database_url(env) if cc.output.json else None
    if not cc.output.json:
        st.pop("database_url", None)
    cc.output.data(st, status_text(st) + f"\n\nconnect: stackyard db psql -e {env}   url: stackyard db url -e {env}")


@click.command()
@env_argument
@json_option
@run
async def down(cc: CliContext, env):
    """Stop an environment's services; data is kept (ephemeral profiles remove it)."""
    env = resolve_env(env)
    async with cc.workspace() as ws:
        st = await ws.down(env)
    cc.output.data(st, status_text(st) if "services" in st else f"{env}: {st['state']}")


@click.command()
@env_argument
@click.option("-y", "--yes", is_flag=True, help="Do not ask for confirmation.")
@json_option
@run
async def destroy(cc: CliContext, env, yes):
    """Stop an environment and delete all of its data."""
    await _destroy(cc, resolve_env(env), yes)


async def _destroy(cc: CliContext, env: str, yes: bool) -> None:
    async with cc.workspace() as ws:
        ws.require_env(env)
        confirm(yes, f"Destroy environment {env!r} and all its data?")
        res = await ws.destroy(env)
    cc.output.data(res, f"{env}: destroyed")


@click.command()
@env_argument
@json_option
@run
async def status(cc: CliContext, env):
    """Live status of an environment (every service is checked, not remembered)."""
    env = resolve_env(env)
    async with cc.workspace() as ws:
        st = await ws.status(env)
    cc.output.data(st, status_text(st))
    return 0 if st["state"] in ("running", "stopped") else int(ExitCode.UNREACHABLE)


@click.group("env")
def env_group():
    """Manage environments."""


@env_group.command("list")
@json_option
@run
async def env_list(cc: CliContext):
    """All environments of the project."""
    async with cc.workspace() as ws:
        envs = await ws.list_envs()
    cc.output.data(envs, envs_table(envs))


@env_group.command("create")
@click.argument("name")
@click.option("--profile", "-p", required=True, help="Profile to use.")
@click.option("--runtime", type=click.Choice(["local", "docker"]))
@click.option("--ttl", help="Time to live, e.g. 2d.")
@json_option
@run
async def env_create(cc: CliContext, name, profile, runtime, ttl):
    """Create and start a new environment (fails if it exists)."""
    async with cc.workspace() as ws:
        st = await ws.up(name, profile=profile, runtime=runtime, ttl=ttl, must_create=True)
    cc.output.data(st, status_text(st))


@env_group.command("clone")
@click.argument("src")
@click.argument("new")
@json_option
@run
async def env_clone(cc: CliContext, src, new):
    """Copy an environment with its data (pg_basebackup while running, file copy when stopped)."""
    async with cc.workspace() as ws:
        st = await ws.clone_env(src, new)
    cc.output.data(st, status_text(st))


@env_group.command("destroy")
@click.argument("name")
@click.option("-y", "--yes", is_flag=True, help="Do not ask for confirmation.")
@json_option
@run
async def env_destroy(cc: CliContext, name, yes):
    """Stop an environment and delete all of its data."""
    await _destroy(cc, name, yes)


@click.command()
@click.option("--dry-run", is_flag=True, help="Only list what would be removed.")
@json_option
@run
async def gc(cc: CliContext, dry_run):
    """Remove expired environments and branches, dead processes and leftovers."""
    async with cc.workspace() as ws:
        actions = await ws.gc(dry_run=dry_run)
    verb = "would " if dry_run else ""
    text = "\n".join(f"{verb}{a['action']}: {_gc_target(a)} ({a.get('reason', '')})" for a in actions) or "nothing to clean"
    cc.output.data({"dry_run": dry_run, "actions": actions}, text)


def _gc_target(a: dict) -> str:
    if a.get("branch"):
        return f"branch {a['branch']} of environment {a.get('env')}"
    if a.get("path"):
        return a["path"]
    if a.get("resource"):
        return str(a["resource"])
    return f"environment {a.get('env')}"


@click.command()
@env_argument
@json_option
@run
async def health(cc: CliContext, env):
    """Probe every service once (postgres: connect + select 1). Exit 3 when unhealthy."""
    env = resolve_env(env)
    async with cc.workspace() as ws:
        h = await ws.health(env)
    cc.output.data(h, health_text(h))
    return 0 if h["healthy"] else int(ExitCode.UNREACHABLE)


@click.command()
@click.argument("args", nargs=-1, metavar="[ENV] [SERVICE]...")
@click.option("-f", "--follow", is_flag=True, help="Keep printing new lines.")
@click.option("-n", "--tail", type=int, default=100, show_default=True, help="Lines of history per service (-1: all).")
@click.option("--grep", help="Only lines matching this regular expression.")
@json_option
@run
async def logs(cc: CliContext, args, follow, tail, grep):
    """Logs of an environment's services, merged; JSON lines with --json."""
    args = list(args)
    async with cc.workspace() as ws:
        env = resolve_env(None)
        if args and ws.state.get_env(args[0]):
            env = args.pop(0)
        pattern = None
        if grep:
            try:
                pattern = re.compile(grep)
            except re.error as e:
                raise UsageError(f"invalid --grep pattern: {e}") from None
        colours: dict[str, str] = {}
        stream = ws.logs(env, args or None, follow=follow, tail=None if tail < 0 else tail)
        try:
            async for line in stream:
                if pattern and not pattern.search(line.text):
                    continue
                if cc.output.json:
                    cc.output.json_line(line.to_dict())
                    continue
                colour = colours.setdefault(line.service, SERVICE_COLOURS[len(colours) % len(SERVICE_COLOURS)])
                cc.output.out.print(f"[{colour}]{line.service:<10}[/] ", end="", markup=True, highlight=False)
                cc.output.out.print(line.text, style=LEVEL_STYLE.get(line.level or ""), markup=False, highlight=False)
        except (asyncio.CancelledError, KeyboardInterrupt):
            return int(ExitCode.INTERRUPTED)


def register(cli: click.Group) -> None:
    for cmd in (up, down, destroy, status, env_group, logs, health, gc):
        cli.add_command(cmd)
