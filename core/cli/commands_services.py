"""Service-kind commands: export compose, watch (hot reload), kinds."""

from __future__ import annotations

import os
from pathlib import Path

import click

from ..names import validate_name
from .main import CliContext, json_option, run
from .options import resolve_env


@click.group("export")
def export_group():
    """Export an environment to other tools."""


@export_group.command("compose")
@click.argument("env", required=False, default=None, metavar="[ENV]")
@click.option("-o", "--output", "out", default="compose.yaml", show_default=True,
              help="File to write (relative to the project), or - for stdout.")
@json_option
@run
async def export_compose_cmd(cc: CliContext, env, out):
    """Write a compose.yaml equivalent to ENV (healthchecks, depends_on, volumes, limits, labels)."""
    from ..runtime.compose import export_compose

    env = resolve_env(env)
    async with cc.workspace() as ws:
        validate_name(env, "environment name")  # a not-yet-created env may be exported; a bad name may not
        text = export_compose(ws, env)
        secrets_file = os.path.relpath(ws.env_dir(env) / "compose.env", ws.root)
        path = None if out == "-" else (ws.root / out)
        if path is not None:
            path.write_text(text)
    if path is None:
        if cc.output.json:
            cc.output.data({"env": env, "compose": text, "env_file": secrets_file})
        else:
            click.echo(text, nl=False)
        return
    cc.output.data({"env": env, "path": str(path), "env_file": secrets_file},
                   f"wrote {path}\nrun: docker compose -f {out} --env-file {secrets_file} up --wait")


@click.command()
@click.argument("env", required=False, default=None, metavar="[ENV]")
@click.argument("services", nargs=-1)
@json_option
@run
async def watch(cc: CliContext, env, services):
    """Restart app services when their `watch:` paths change (Ctrl-C to stop)."""
    from ..services.app_watch import watch as watch_apps, watched

    env = resolve_env(env)
    async with cc.workspace() as ws:
        targets = watched(ws, env, list(services) or None)
        for name, paths in targets.items():
            cc.output.say(f"watching {name}: {', '.join(str(p) for p in paths)}")
        async for ev in watch_apps(ws, env, list(services) or None):
            if cc.output.json:
                cc.output.json_line(ev)
            else:
                cc.output.say(f"{ev['service']}: restarted ({', '.join(Path(c).name for c in ev['changed'])} changed)")


@click.command()
@json_option
@run
async def kinds(cc: CliContext):
    """List the service kinds: default image, ports, probe, local binary."""
    import shutil

    from ..services.catalog import KINDS
    from ..services.process import find_binary

    rows = [{"kind": "postgres", "image": "postgres:18", "ports": ["postgres"], "probe": "postgres",
             "local": "embedded (always available)"}]
    for k in KINDS.values():
        local = "command" if k.name == "app" else (
            find_binary(k, k.local_binary) and f"{k.local_binary} found" or f"missing: {k.install_hint}")
        rows.append({"kind": k.name, "image": k.image or "(your image)", "ports": list(k.ports),
                     "probe": k.probe, "local": local})
    width = shutil.get_terminal_size((100, 20)).columns
    text = "\n".join(f"{r['kind']:<12} {r['image']:<30} {r['probe']:<26} {r['local']}"[:width] for r in rows)
    cc.output.data(rows, text)


def register(cli: click.Group) -> None:
    for cmd in (export_group, watch, kinds):
        cli.add_command(cmd)
