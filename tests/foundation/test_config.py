"""stackyard.yaml loading: positions, hints, interpolation, profiles, schema."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.config import load_profile, load_project
from core.config.loader import json_schema
from core.errors import ConfigError, NotFoundError


def write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "stackyard.yaml").write_text(text)
    return tmp_path


def error_of(tmp_path: Path, text: str) -> ConfigError:
    with pytest.raises(ConfigError) as ei:
        load_project(write(tmp_path, text))
    return ei.value


def test_unknown_key_points_at_it_and_suggests(tmp_path):
    e = error_of(tmp_path, "project: x\nservices:\n  db:\n    kind: postgres\n    versoin: 18\n")
    assert (e.line, e.col) == (5, 5)
    assert "versoin" in e.message and e.hint == "did you mean 'version'?"
    assert str(tmp_path / "stackyard.yaml") + ":5:5" in e.message


def test_unknown_top_level_key(tmp_path):
    e = error_of(tmp_path, "project: x\nenviroments: {}\n")
    assert (e.line, e.col) == (2, 1) and "environments" in e.hint


def test_unknown_service_kind_suggests(tmp_path):
    e = error_of(tmp_path, "project: x\nservices:\n  db:\n    kind: postgress\n")
    assert e.line == 4 and "postgres" in e.hint


def test_wrong_type_points_at_value(tmp_path):
    e = error_of(tmp_path, "project: x\nservices:\n  db:\n    kind: postgres\n    version: eighteen\n")
    assert (e.line, e.col) == (5, 14) and "integer" in e.message


def test_malformed_yaml(tmp_path):
    e = error_of(tmp_path, "project: x\nservices: [a\n")
    assert e.line is not None and "invalid YAML" in e.message


def test_duplicate_key(tmp_path):
    e = error_of(tmp_path, "project: x\nproject: y\n")
    assert e.line == 2 and "duplicate" in e.message


def test_missing_required(tmp_path):
    e = error_of(tmp_path, "services: {}\n")
    assert "project" in e.message


def test_missing_variable_without_default(tmp_path, monkeypatch):
    monkeypatch.delenv("STACKYARD_TEST_NOPE", raising=False)
    e = error_of(tmp_path, "project: x\nservices:\n  db:\n    kind: postgres\n    port: ${STACKYARD_TEST_NOPE}\n")
    assert (e.line, e.col) == (5, 11) and "STACKYARD_TEST_NOPE" in e.message and ":-" in e.hint


def test_interpolation_defaults_dotenv_and_types(tmp_path, monkeypatch):
    monkeypatch.delenv("PGPORT_X", raising=False)
    monkeypatch.setenv("DBNAME_X", "fromenv")
    (tmp_path / ".env").write_text("# comment\nexport EXT_X='vector'\nDBNAME_X=fromdotenv\n")
    lp = load_project(write(tmp_path, "project: x\nservices:\n  db:\n    kind: postgres\n    port: ${PGPORT_X:-5544}\n"
                                      "    database: ${DBNAME_X}\n    extensions: [\"${EXT_X}\"]\n    settings: {note: \"$${literal}\"}\n"))
    db = lp.config.services["db"]
    assert db.port == 5544 and isinstance(db.port, int)
    assert db.database == "fromenv"  # the real environment wins over .env
    assert db.extensions == ["vector"]
    assert db.settings["note"] == "${literal}"


def test_invalid_ttl_in_environment(tmp_path):
    e = error_of(tmp_path, "project: x\nenvironments:\n  ci: {profile: ci, ttl: 3x}\n")
    assert e.line == 3 and "duration" in e.message


def test_invalid_env_name_in_config(tmp_path):
    e = error_of(tmp_path, "project: x\nenvironments:\n  Bad_Name: {}\n")
    assert "Bad_Name" in e.message


def test_no_config_is_not_found(tmp_path):
    with pytest.raises(NotFoundError):
        load_project(tmp_path)


def test_builtin_profiles_resolve():
    for name in ("dev", "feature", "ci", "staging", "prod"):
        p = load_profile(name)
        assert p.name == name and p.description
    assert load_profile("feature").ttl == "7d" and load_profile("feature").data.seed is True  # from dev
    prod = load_profile("prod")
    assert prod.data.seed is False and prod.postgres_settings["shared_buffers"] == "256MB"
    assert prod.postgres_settings["log_min_duration_statement"] == 250  # own value wins over staging
    ci = load_profile("ci")
    assert ci.data.persistence == "ephemeral" and ci.postgres_settings["fsync"] is False


def test_project_profile_overrides_builtin_and_extends(tmp_path):
    (tmp_path / "profiles").mkdir()
    (tmp_path / "profiles" / "dev.yaml").write_text("ttl: 1d\npostgres_settings: {work_mem: 32MB}\n")
    (tmp_path / "profiles" / "mine.yaml").write_text("extends: dev\nport_policy: stable\nttl: null\n")
    dev = load_profile("dev", tmp_path)
    assert dev.ttl == "1d" and dev.runtime == "local" and dev.postgres_settings == {"work_mem": "32MB"}
    mine = load_profile("mine", tmp_path)
    assert mine.port_policy == "stable" and mine.ttl is None and mine.postgres_settings == {"work_mem": "32MB"}


def test_profile_errors(tmp_path):
    (tmp_path / "profiles").mkdir()
    (tmp_path / "profiles" / "a.yaml").write_text("extends: b\n")
    (tmp_path / "profiles" / "b.yaml").write_text("extends: a\n")
    (tmp_path / "profiles" / "c.yaml").write_text("runtime: local\nport_polcy: auto\n")
    with pytest.raises(ConfigError, match="extends itself"):
        load_profile("a", tmp_path)
    with pytest.raises(ConfigError) as ei:
        load_profile("c", tmp_path)
    assert ei.value.line == 2 and ei.value.hint == "did you mean 'port_policy'?"
    with pytest.raises(NotFoundError, match="unknown profile"):
        load_profile("nope", tmp_path)


def test_profile_apply_overlays_services(tmp_path):
    lp = load_project(write(tmp_path, "project: x\nservices:\n  db:\n    kind: postgres\n    settings: {work_mem: 4MB, fsync: true}\n"))
    services = load_profile("ci").apply(lp.config)
    assert services["db"].settings["fsync"] is False and services["db"].settings["work_mem"] == "4MB"
    assert lp.config.services["db"].settings["fsync"] is True  # the config itself is untouched


def test_json_schema_is_generated_from_models():
    schema = json_schema()
    assert schema["title"] == "stackyard.yaml"
    assert "project" in schema["required"]
    assert schema["additionalProperties"] is False
    json.dumps(schema)


def test_zero_config_project_is_found_from_a_subfolder(tmp_path):
    from core.config.loader import find_project_root

    (tmp_path / ".stackyard").mkdir()
    (tmp_path / ".stackyard" / "state.db").write_bytes(b"")
    (tmp_path / "sub").mkdir()
    assert find_project_root(tmp_path / "sub") == tmp_path.resolve()
    lp = load_project(tmp_path / "sub", required=False)
    assert lp.root == tmp_path.resolve() and lp.source is None and "db" in lp.config.services
    with pytest.raises(NotFoundError):
        load_project(tmp_path / "sub", required=True)
