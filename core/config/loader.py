"""Finding and loading a project's configuration."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from ..errors import ConfigError, NotFoundError
from .models import ProjectConfig
from .validate import validate
from .yamlpos import Positions, load_yaml, read_dotenv

CONFIG_NAME = "stackyard.yaml"
SUPABASE_TOML = Path("supabase") / "config.toml"


@dataclass
class LoadedProject:
    root: Path
    config: ProjectConfig
    source: Path | None  # stackyard.yaml, supabase/config.toml, or None for defaults
    env: dict[str, str]  # os.environ over the project's .env


def find_project_root(start: Path | None = None) -> Path | None:
    """The nearest folder at or above ``start`` with stackyard.yaml or supabase/config.toml.

    A folder where a zero-config ``stackyard up`` ran (it has .stackyard/state.db) counts too.
    """
    cur = (start or Path.cwd()).resolve()
    for d in [cur, *cur.parents]:
        if (d / CONFIG_NAME).is_file() or (d / SUPABASE_TOML).is_file():
            return d
    for d in [cur, *cur.parents]:
        if (d / ".stackyard" / "state.db").is_file():
            return d
    return None


def project_env(root: Path) -> dict[str, str]:
    """Variables for ${VAR} interpolation: the project's .env, overridden by the real environment."""
    return {**read_dotenv(root / ".env"), **os.environ}


def load_project(root: Path | None = None, *, required: bool = True) -> LoadedProject:
    """Load stackyard.yaml (or adopt supabase/config.toml) from ``root`` or the nearest parent."""
    found = find_project_root(root) if root is None or not (Path(root) / CONFIG_NAME).is_file() else Path(root).resolve()
    if found is None and root is not None and (Path(root) / SUPABASE_TOML).is_file():
        found = Path(root).resolve()
    if found is None or not ((found / CONFIG_NAME).is_file() or (found / SUPABASE_TOML).is_file()):
        if required:
            raise NotFoundError(
                f"no {CONFIG_NAME} here or in any parent folder",
                hint="run `stackyard init` to create one (or `stackyard init --supabase`)",
            )
        from .models import default_config

        base = found or Path(root or Path.cwd()).resolve()  # a zero-config project, or here
        return LoadedProject(base, default_config(base.name or "project"), None, project_env(base))
    env = project_env(found)
    path = found / CONFIG_NAME
    if path.is_file():
        data, pos = load_yaml(path, env)
        if not isinstance(data, dict):
            raise ConfigError("stackyard.yaml must be a mapping of keys", path=str(path), line=1, col=1,
                              hint="start with `project: myapp`")
        return LoadedProject(found, validate(ProjectConfig, data, pos), path, env)
    return _load_supabase(found, env)


def _load_supabase(root: Path, env: dict[str, str]) -> LoadedProject:
    from ..supabase.config_toml import load_supabase_config, to_stackyard_config_dict

    sp = load_supabase_config(root)
    data = to_stackyard_config_dict(sp)
    pos = Positions(str(root / SUPABASE_TOML))
    return LoadedProject(root, validate(ProjectConfig, data, pos), root / SUPABASE_TOML, env)


def json_schema() -> dict:
    """JSON Schema of stackyard.yaml, generated from the models (for editors and .vscode)."""
    schema = ProjectConfig.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "stackyard.yaml"
    return schema


def json_schema_text() -> str:
    return json.dumps(json_schema(), indent=2) + "\n"
