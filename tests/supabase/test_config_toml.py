"""supabase/config.toml import: values, defaults, and errors located at file:line:col."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.errors import ConfigError
from core.supabase import load_supabase_config, to_stackyard_config_dict
from core.supabase.config_toml import parse_size

from .conftest import PROJECT


def write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "supabase").mkdir()
    (tmp_path / "supabase" / "config.toml").write_text(text)
    return tmp_path


def test_fixture_project_values():
    sp = load_supabase_config(PROJECT)
    assert sp.project_id == "notes-app"
    assert sp.db_major_version == 17 and sp.db_port == 54322
    assert sp.migrations_dir == "supabase/migrations"
    assert sp.seed_paths == ["supabase/seed.sql"]
    assert [(b.name, b.public, b.file_size_limit, b.allowed_mime_types) for b in sp.buckets] == [
        ("avatars", True, 5 * 1024**2, ["image/png", "image/jpeg"]),
        ("private-docs", False, 10 * 1024**2, None),
    ]
    assert sp.major_version_warning(17) is None
    assert "major_version = 17" in sp.major_version_warning(18)


def test_stackyard_config_dict_shape():
    d = to_stackyard_config_dict(load_supabase_config(PROJECT))
    assert d == {
        "project": "notes-app",
        "supabase": True,
        "services": {"db": {"kind": "postgres", "database": "postgres"}},
        "migrations": {"dir": "supabase/migrations"},
        "seeds": {"paths": ["supabase/seed.sql"]},
        "storage_buckets": [
            {"name": "avatars", "public": True, "file_size_limit": 5242880,
             "allowed_mime_types": ["image/png", "image/jpeg"]},
            {"name": "private-docs", "public": False, "file_size_limit": 10485760, "allowed_mime_types": []},
        ],
    }


def test_defaults_and_missing_file(tmp_path):
    assert load_supabase_config(tmp_path) is None
    sp = load_supabase_config(write(tmp_path, 'project_id = "x"\n'))
    assert sp.seed_enabled and sp.seed_paths == ["supabase/seed.sql"]
    assert sp.db_major_version is None and sp.buckets == []


def test_seed_paths_are_relative_to_supabase_folder_and_can_be_disabled(tmp_path):
    sp = load_supabase_config(write(tmp_path, '[db.seed]\nenabled = false\nsql_paths = ["./seeds/*.sql", "extra.sql"]\n'))
    assert sp.seed_paths == ["supabase/seeds/*.sql", "supabase/extra.sql"]
    assert sp.project_id == tmp_path.name  # no project_id: the folder's name
    assert to_stackyard_config_dict(sp)["seeds"] == {"paths": []}


def test_toml_syntax_error_has_line_and_column(tmp_path):
    root = write(tmp_path, 'project_id = "x"\n\n[db]\nport = 54322\nmajor_version = = 15\n')
    with pytest.raises(ConfigError) as e:
        load_supabase_config(root)
    assert e.value.line == 5 and e.value.col == 17
    assert e.value.path.endswith("supabase/config.toml")
    assert "config.toml:5:17" in e.value.message


def test_wrong_types_are_located(tmp_path):
    root = write(tmp_path, 'project_id = "x"\n[db]\nmajor_version = "fifteen"\n')
    with pytest.raises(ConfigError) as e:
        load_supabase_config(root)
    assert e.value.line == 3 and "db.major_version must be int" in e.value.message


def test_bad_bucket_size_is_located(tmp_path):
    root = write(tmp_path, '[storage.buckets.pics]\npublic = true\nfile_size_limit = "lots"\n')
    with pytest.raises(ConfigError) as e:
        load_supabase_config(root)
    assert e.value.line == 3 and "file_size_limit" in e.value.message


def test_parse_size():
    assert parse_size("50MiB") == 50 * 1024**2
    assert parse_size("5MB") == 5 * 1024**2
    assert parse_size("1GiB") == 1024**3
    assert parse_size(1024) == 1024
    with pytest.raises(ValueError):
        parse_size("12 parsecs")
    with pytest.raises(ValueError):
        parse_size(True)


def test_project_id_becomes_a_valid_project_name(tmp_path):
    sp = load_supabase_config(write(tmp_path, 'project_id = "My App (dev)"\n'))
    assert sp.project_id == "My App (dev)"
    assert to_stackyard_config_dict(sp)["project"] == "My-App-dev"
