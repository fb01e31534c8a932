"""Options shared by several commands."""

from __future__ import annotations

import sys

import click

from ..errors import UsageError
from ..workspace import default_env_name


def confirm(yes: bool, question: str) -> None:
    """Ask on a terminal unless --yes; without a terminal, refuse (exit 2) rather than guess."""
    if yes:
        return
    if not sys.stdin.isatty():
        raise UsageError(f"{question} needs confirmation", hint="pass --yes (no terminal to ask on)")
    if not click.confirm(question, default=False, err=True):
        raise click.Abort()


def env_argument(f):
    """Optional ENV positional (default: $STACKYARD_ENV or dev)."""
    return click.argument("env", required=False, default=None, metavar="[ENV]")(f)


def env_option(f):
    return click.option("-e", "--env", "env", default=None, metavar="ENV",
                        help="Environment (default: $STACKYARD_ENV or dev).")(f)


def resolve_env(env: str | None) -> str:
    return env or default_env_name()
