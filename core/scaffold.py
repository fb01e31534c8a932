"""`stackyard init`: a working project skeleton, never overwriting the user's files."""

from __future__ import annotations

import json
import re
from pathlib import Path

from .config.loader import CONFIG_NAME, json_schema_text
from .errors import UsageError

STACKYARD_YAML = """\
# stackyard.yaml: the project's dev stack. Reference: docs/config.md
# Values may use ${{VAR}} or ${{VAR:-default}}; a .env next to this file is read too.
project: {project}

services:
  db:
    kind: postgres
    version: 18
    database: {database}
    extensions: []          # e.g. [vector, citext, pg_trgm]
    settings: {{}}            # postgresql.conf, e.g. {{work_mem: 64MB}}

migrations:
  dir: {migrations}

seeds:
  paths: [{seeds}]

environments:
  dev: {{profile: dev}}
  ci: {{profile: ci, ttl: 2h}}
"""

PROFILE_EXAMPLE = """\
# Project profiles override or extend the built-ins (dev, feature, ci, staging, prod).
# This file adds a profile named "perf"; `stackyard up perf-1 --profile perf` uses it.
description: Like dev, with a bigger work_mem for profiling queries.
extends: dev
postgres_settings:
  work_mem: 64MB
"""

SEED_SQL = """\
-- Seed data, run after migrations when an environment is created and on `stackyard db reset`.
-- Re-run with `stackyard db seed` (files are tracked by hash; unchanged files are skipped).
"""

VSCODE_SETTINGS = {
    "yaml.schemas": {"./.vscode/stackyard.schema.json": ["stackyard.yaml", "stackyard.yml"]},
}


def _write(path: Path, text: str, force: bool, created: list[str], skipped: list[str], root: Path) -> None:
    rel = str(path.relative_to(root))
    if path.exists() and not force:
        skipped.append(rel)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    created.append(rel)


def init_project(root: Path, *, supabase: bool = False, force: bool = False, project: str | None = None) -> dict:
    """Create stackyard.yaml, profiles/, seeds/, the migrations folder and .vscode/ schema mapping."""
    root = root.resolve()
    name = project or re.sub(r"[^A-Za-z0-9_.-]", "-", root.name).strip("-.") or "project"
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,62}", name):
        raise UsageError(f"invalid project name {name!r}",
                         hint="letters, digits, '_', '.' or '-', starting with a letter or digit, at most 63 characters")
    created: list[str] = []
    skipped: list[str] = []
    migrations = "supabase/migrations" if supabase else "migrations"
    seeds = "supabase/seed.sql" if supabase else "seeds/*.sql"
    database = "postgres" if supabase else "app"
    body = STACKYARD_YAML.format(project=name, migrations=migrations, seeds=seeds, database=database)
    if supabase:
        body = body.replace("\nservices:", "\nsupabase: true   # bootstrap auth/storage/roles like a Supabase database\n\nservices:")
    _write(root / CONFIG_NAME, body, force, created, skipped, root)
    _write(root / "profiles" / "perf.yaml", PROFILE_EXAMPLE, force, created, skipped, root)
    seed_file = root / ("supabase/seed.sql" if supabase else "seeds/seed.sql")
    _write(seed_file, SEED_SQL, force, created, skipped, root)
    (root / migrations).mkdir(parents=True, exist_ok=True)
    _write(root / ".vscode" / "stackyard.schema.json", json_schema_text(), True, created, skipped, root)
    settings = root / ".vscode" / "settings.json"
    if settings.exists():
        try:
            current = json.loads(settings.read_text())
        except ValueError:
            current = None
        if isinstance(current, dict) and "yaml.schemas" not in current:
            current.update(VSCODE_SETTINGS)
            settings.write_text(json.dumps(current, indent=2) + "\n")
            created.append(".vscode/settings.json (yaml.schemas added)")
        else:
            skipped.append(".vscode/settings.json")
    else:
        _write(settings, json.dumps(VSCODE_SETTINGS, indent=2) + "\n", force, created, skipped, root)
    gi = root / ".gitignore"
    lines = gi.read_text().splitlines() if gi.exists() else []
    if ".stackyard/" not in lines:
        gi.write_text("\n".join([*lines, ".stackyard/"]) + "\n")
        created.append(".gitignore (.stackyard/ added)")
    return {"root": str(root), "project": name, "created": created, "skipped": skipped}
