"""Options shared by several commands."""

from __future__ import annotations

import click

from ..workspace import default_env_name


def env_argument(f):
    """Optional ENV positional (default: $STACKYARD_ENV or dev)."""
    return click.argument("env", required=False, default=None, metavar="[ENV]")(f)


def env_option(f):
    return click.option("-e", "--env", "env", default=None, metavar="ENV",
                        help="Environment (default: $STACKYARD_ENV or dev).")(f)


def resolve_env(env: str | None) -> str:
    return env or default_env_name()
