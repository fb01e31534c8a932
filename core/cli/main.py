"""The `stackyard` command: global options, error rendering, command registration.

Each command group lives in its own module and is added in ``_register``. A command body is
an async function run by :func:`run`, which opens the Workspace, renders errors once and
maps them to the documented exit codes (core.errors.ExitCode).
"""

from __future__ import annotations

import asyncio
import functools
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Awaitable, Callable

import click

from .. import __version__
from ..errors import ExitCode, StackyardError
from .output import Output


@dataclass
class CliContext:
    output: Output
    project_dir: Path | None
    lock_timeout: float | None

    def workspace(self):
        from ..api import Workspace

        ws = Workspace.open(self.project_dir, lock_timeout=self.lock_timeout)
        self.output.attach(ws.bus)
        return ws


def json_option(f):
    """``--json`` and ``-q/--quiet`` on every command (also accepted before the command name)."""

    def set_flag(name: str):
        def cb(ctx: click.Context, _param, value: bool):
            if value:
                setattr(ctx.find_object(CliContext).output, name, True)
            return value

        return cb

    f = click.option("-q", "--quiet", "quiet_", is_flag=True, expose_value=False, callback=set_flag("quiet"),
                     help="Only data on stdout; no progress or notes on stderr.")(f)
    return click.option("--json", "json_", is_flag=True, expose_value=False, callback=set_flag("json"),
                        help="Print the result as JSON on stdout.")(f)


def run(fn: Callable[..., Awaitable[Any]]):
    """Decorator: run an async command body with ``cc: CliContext`` first; render errors."""

    @functools.wraps(fn)
    @click.pass_obj
    def wrapper(cc: CliContext, *args, **kwargs):
        try:
            code = asyncio.run(fn(cc, *args, **kwargs))
        except StackyardError as e:
            sys.exit(cc.output.error(e))
        except KeyboardInterrupt:
            cc.output.err.print("interrupted", style="yellow")
            sys.exit(int(ExitCode.INTERRUPTED))
        sys.exit(int(code or 0))

    return wrapper


class StackyardGroup(click.Group):
    """A group that keeps commands in the order they were added (readable --help)."""

    def list_commands(self, ctx):
        return list(self.commands)


@click.group(cls=StackyardGroup, invoke_without_command=True,
             context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--json", "json_", is_flag=True, help="JSON on stdout for every command.")
@click.option("-q", "--quiet", is_flag=True, help="Only data on stdout; no progress or notes on stderr.")
@click.option("-v", "--verbose", is_flag=True, help="More detail on stderr.")
@click.option("-C", "--project-dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
              envvar="STACKYARD_PROJECT_DIR", help="Project folder (default: search upwards from cwd).")
@click.option("--lock-timeout", type=float, default=None, envvar="STACKYARD_LOCK_TIMEOUT",
              help="Seconds to wait for another stackyard run on the same environment (default: wait; 0: fail at once, exit 5).")
@click.version_option(__version__, prog_name="stackyard")
@click.pass_context
def cli(ctx: click.Context, json_: bool, quiet: bool, verbose: bool, project_dir: Path | None, lock_timeout):
    """stackyard: a production-like dev stack in one command.

    Without a command on a terminal, opens the control room (TUI).
    Exit codes: 0 ok, 1 failed, 2 usage/config, 3 unreachable, 4 timeout, 5 locked/conflict, 130 interrupted.
    """
    ctx.obj = CliContext(Output(json=json_, quiet=quiet, verbose=verbose), project_dir, lock_timeout)
    if ctx.invoked_subcommand is None:
        if sys.stdout.isatty() and sys.stdin.isatty() and not os.environ.get("STACKYARD_NO_TUI"):
            try:
                from tui.app import main as tui_main
            except ImportError as e:
                raise click.ClickException(f"the TUI is not available ({e}); see `stackyard --help`")
            tui_main(project_dir=project_dir)
        else:
            click.echo(ctx.get_help())


def _register() -> None:
    from . import commands_config, commands_env, commands_db

    for mod in (commands_config, commands_env, commands_db):
        mod.register(cli)
    # Optional groups added by later features: each module exposes register(cli).
    import importlib

    for name in ("commands_branch", "commands_migration", "commands_supabase", "commands_services"):
        try:
            mod = importlib.import_module(f"{__package__}.{name}")
        except ModuleNotFoundError as e:
            if e.name != f"{__package__}.{name}":
                raise
            continue
        mod.register(cli)


_register()


def main() -> None:
    cli(prog_name="stackyard")
