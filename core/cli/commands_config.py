"""Project setup and inspection: init, config validate|show|schema, doctor."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..config.loader import json_schema_text, load_project
from ..config.profiles import list_profiles, load_profile
from .main import CliContext, json_option, run


@click.command()
@click.option("--supabase", is_flag=True, help="Supabase layout: supabase/migrations, supabase/seed.sql, auth/storage bootstrap.")
@click.option("--force", is_flag=True, help="Overwrite files that exist.")
@click.option("--name", "project", help="Project name (default: the folder's name).")
@json_option
@run
async def init(cc: CliContext, supabase, force, project):
    """Scaffold stackyard.yaml, profiles/, seeds/, the migrations folder and .vscode/."""
    from ..scaffold import init_project

    res = init_project(cc.project_dir or Path.cwd(), supabase=supabase, force=force, project=project)
    text = "\n".join([*(f"created  {p}" for p in res["created"]), *(f"kept     {p} (exists; --force to overwrite)" for p in res["skipped"])])
    cc.output.data(res, text + "\n\nnext: stackyard up --wait")


@click.group("config")
def config_group():
    """Validate, show or export the schema of stackyard.yaml."""


@config_group.command("validate")
@json_option
@run
async def config_validate(cc: CliContext):
    """Check stackyard.yaml and every profile; errors give file:line:col (exit 2)."""
    lp = load_project(cc.project_dir, required=True)
    checked = [load_profile(p, lp.root, lp.env).name for p in list_profiles(lp.root)]
    res = {"valid": True, "file": str(lp.source), "services": list(lp.config.services), "profiles": checked}
    cc.output.data(res, f"{lp.source}: ok ({len(lp.config.services)} services, profiles: {', '.join(checked)})")


@config_group.command("show")
@click.option("--profile", "-p", help="Also show this resolved profile and the services it runs.")
@json_option
@run
async def config_show(cc: CliContext, profile):
    """The configuration after ${VAR} interpolation and defaults (and a resolved profile)."""
    import yaml

    lp = load_project(cc.project_dir, required=False)
    data = {"config": lp.config.model_dump(mode="json"), "source": str(lp.source) if lp.source else None}
    if profile:
        prof = load_profile(profile, lp.root, lp.env)
        data["profile"] = prof.model_dump(mode="json")
        data["services"] = {k: v.model_dump(mode="json") for k, v in prof.apply(lp.config).items()}
    cc.output.data(data, yaml.safe_dump(data, sort_keys=False))


@config_group.command("schema")
@click.option("-o", "--output", "out", type=click.Path(dir_okay=False, path_type=Path), help="Write to a file.")
@run
async def config_schema(cc: CliContext, out):
    """JSON Schema of stackyard.yaml, generated from the models (editors use it)."""
    text = json_schema_text()
    if out:
        out.write_text(text)
        cc.output.say(f"wrote {out}")
    else:
        sys.stdout.write(text)


@click.command()
@click.option("--rebuild-state", is_flag=True, help="Rebuild the state db from env manifests and database comments.")
@json_option
@run
async def doctor(cc: CliContext, rebuild_state):
    """What this machine provides: Postgres binaries (provider chain), extensions, docker, state."""
    from ..doctor import diagnose

    report = await diagnose(cc.project_dir, rebuild_state=rebuild_state)
    lines = [f"{'ok ' if c['ok'] else 'NO '} {c['check']}: {c['detail']}" for c in report["checks"]]
    cc.output.data(report, "\n".join(lines))


def register(cli: click.Group) -> None:
    for cmd in (init, config_group, doctor):
        cli.add_command(cmd)
