"""Things that must stay true for users: shipped files, the editor schema, the README commands."""

from __future__ import annotations

import re
from pathlib import Path

from core.config.loader import json_schema_text
from core.config.profiles import list_profiles
from core.paths import BUILTIN_PROFILES

ROOT = Path(__file__).resolve().parents[2]


def test_vscode_schema_matches_the_models():
    committed = (ROOT / ".vscode" / "stackyard.schema.json").read_text()
    assert committed == json_schema_text(), "run: stackyard config schema -o .vscode/stackyard.schema.json"


def test_builtin_profiles_are_shipped():
    assert {"dev", "feature", "ci", "staging", "prod"} <= set(list_profiles())
    assert (BUILTIN_PROFILES / "__init__.py").exists()


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    blocks = re.findall(r"```bash\n(.*?)```", readme, re.S)
    test_cmd = next(b.strip() for b in blocks if "pytest" in b)
    assert test_cmd in ci
