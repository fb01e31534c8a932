"""Read a Supabase project's ``supabase/config.toml`` (used when a repo has no stackyard.yaml).

Only what a local database needs is read: project_id, ``[db] major_version`` and ``port``,
``[db.migrations] enabled``, ``[db.seed] enabled`` / ``sql_paths`` and ``[storage.buckets.*]``.
Everything else in the file (auth, studio, inbucket, ...) is ignored.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ConfigError

CONFIG_RELPATH = Path("supabase") / "config.toml"
MIGRATIONS_RELDIR = "supabase/migrations"  # fixed by the Supabase CLI
DEFAULT_SEED_PATHS = ("./seed.sql",)  # relative to supabase/, as the CLI resolves them

_SIZE_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?i?b?)?\s*$", re.I)
_SIZE_UNITS = {"": 1, "b": 1, "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4}


@dataclass(frozen=True)
class BucketConfig:
    """One ``[storage.buckets.<name>]`` table."""

    name: str
    public: bool = False
    file_size_limit: int | None = None  # bytes
    allowed_mime_types: list[str] | None = None
    objects_path: str | None = None  # local folder uploaded by `supabase seed buckets` (not used here)

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "public": self.public,
            "file_size_limit": self.file_size_limit,
            "allowed_mime_types": list(self.allowed_mime_types or []),
        }


@dataclass(frozen=True)
class SupabaseProject:
    """What stackyard takes from ``supabase/config.toml``."""

    root: Path
    config_path: Path
    project_id: str
    db_major_version: int | None = None
    db_port: int | None = None
    migrations_enabled: bool = True
    migrations_dir: str = MIGRATIONS_RELDIR  # relative to root
    seed_enabled: bool = True
    seed_paths: list[str] = field(default_factory=lambda: ["supabase/seed.sql"])  # relative to root, may be globs
    buckets: list[BucketConfig] = field(default_factory=list)

    def major_version_warning(self, server_major: int) -> str | None:
        """A warning when config.toml asks for another PostgreSQL major than the server runs."""
        if self.db_major_version is None or self.db_major_version == server_major:
            return None
        return (
            f"{self.config_path}: [db] major_version = {self.db_major_version}, but the local server is "
            f"PostgreSQL {server_major}; migrations that rely on version-specific behaviour may differ"
        )


def _decode_error(path: Path, e: tomllib.TOMLDecodeError) -> ConfigError:
    msg = str(e)
    m = re.search(r"\(at line (\d+), column (\d+)\)\s*$", msg)
    if m:
        reason = msg[: m.start()].strip()
        return ConfigError(f"invalid TOML: {reason}", path=str(path), line=int(m.group(1)), col=int(m.group(2)),
                           hint="fix the syntax of supabase/config.toml (https://toml.io)")
    m = re.search(r"\(at end of document\)\s*$", msg)
    line = len(path.read_text(errors="replace").splitlines()) or 1
    return ConfigError(f"invalid TOML: {msg[: m.start()].strip() if m else msg}", path=str(path), line=line,
                       hint="fix the syntax of supabase/config.toml (https://toml.io)")


def _line_of(text: str, *keys: str) -> int | None:
    """Best-effort line number of the last key of a dotted path (tomllib does not keep positions)."""
    lines = text.splitlines()
    start = 0
    for key in keys:
        pat = re.compile(rf"^\s*(\[+[^\]]*\b{re.escape(key)}\b[^\]]*\]+|\"?{re.escape(key)}\"?\s*=)")
        for i in range(start, len(lines)):
            if pat.search(lines[i]):
                start = i
                break
        else:
            return None
    return start + 1


def parse_size(value: object) -> int:
    """``"50MiB"`` / ``"5MB"`` / ``1024`` -> bytes (units are binary, as the Supabase CLI reads them)."""
    if isinstance(value, bool):
        raise ValueError("expected a size like \"50MiB\"")
    if isinstance(value, int):
        return value
    if not isinstance(value, str):
        raise ValueError("expected a size like \"50MiB\"")
    m = _SIZE_RE.match(value)
    if not m:
        raise ValueError(f"invalid size {value!r} (expected e.g. \"50MiB\", \"5MB\", \"1024\")")
    unit = (m.group(2) or "").lower()[:1]
    return int(float(m.group(1)) * _SIZE_UNITS[unit])


def load_supabase_config(root: Path) -> SupabaseProject | None:
    """Read ``<root>/supabase/config.toml``; None when the file does not exist.

    Raises ConfigError (file:line:col) for TOML syntax errors and for values of the wrong type.
    """
    root = Path(root)
    path = root / CONFIG_RELPATH
    if not path.is_file():
        return None
    text = path.read_text(encoding="utf-8", errors="replace")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise _decode_error(path, e) from None

    def bad(message: str, *keys: str, hint: str | None = None) -> ConfigError:
        return ConfigError(message, path=str(path), line=_line_of(text, *keys) if keys else None, hint=hint)

    def table(value: object, *keys: str) -> dict:
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise bad(f"[{'.'.join(keys)}] must be a table", *keys)
        return value

    def typed(tbl: dict, key: str, kind: type | tuple, *where: str, default=None):
        value = tbl.get(key, default)
        if value is not None and (not isinstance(value, kind) or (kind is int and isinstance(value, bool))):
            want = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
            raise bad(f"{'.'.join((*where, key))} must be {want}, got {type(value).__name__}", *where, key)
        return value

    project_id = typed(data, "project_id", str)
    if not project_id:
        project_id = root.resolve().name
    db = table(data.get("db"), "db")
    major = typed(db, "major_version", int, "db")
    port = typed(db, "port", int, "db")
    migrations = table(db.get("migrations"), "db", "migrations")
    migrations_enabled = typed(migrations, "enabled", bool, "db", "migrations", default=True)
    seed = table(db.get("seed"), "db", "seed")
    seed_enabled = typed(seed, "enabled", bool, "db", "seed", default=True)
    sql_paths = typed(seed, "sql_paths", list, "db", "seed", default=list(DEFAULT_SEED_PATHS))
    for p in sql_paths:
        if not isinstance(p, str) or not p.strip():
            raise bad("db.seed.sql_paths must be a list of non-empty strings", "db", "seed", "sql_paths")
    seed_paths = [_relative_to_root(p) for p in sql_paths]

    buckets: list[BucketConfig] = []
    storage = table(data.get("storage"), "storage")
    for name, spec in table(storage.get("buckets"), "storage", "buckets").items():
        where = ("storage", "buckets", name)
        spec = table(spec, *where)
        limit = spec.get("file_size_limit")
        try:
            limit_bytes = parse_size(limit) if limit is not None else None
        except ValueError as e:
            raise bad(f"storage.buckets.{name}.file_size_limit: {e}", *where, "file_size_limit") from None
        mimes = typed(spec, "allowed_mime_types", list, *where)
        if mimes is not None and not all(isinstance(m, str) for m in mimes):
            raise bad(f"storage.buckets.{name}.allowed_mime_types must be a list of strings", *where, "allowed_mime_types")
        buckets.append(
            BucketConfig(
                name=name,
                public=bool(typed(spec, "public", bool, *where, default=False)),
                file_size_limit=limit_bytes,
                allowed_mime_types=mimes,
                objects_path=typed(spec, "objects_path", str, *where),
            )
        )

    return SupabaseProject(
        root=root,
        config_path=path,
        project_id=project_id,
        db_major_version=major,
        db_port=port,
        migrations_enabled=migrations_enabled,
        seed_enabled=seed_enabled,
        seed_paths=seed_paths,
        buckets=buckets,
    )


def _relative_to_root(seed_path: str) -> str:
    """A ``sql_paths`` entry (relative to supabase/) as a path relative to the project root."""
    p = Path(seed_path)
    if p.is_absolute():
        return seed_path
    parts = [x for x in p.parts if x != "."]
    return "/".join(["supabase", *parts])


def project_name(project_id: str) -> str:
    """A project_id as a stackyard project name (letters, digits, '_', '.', '-'; at most 63)."""
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", project_id).strip("-_.")[:63]
    return name or "supabase-project"


def to_stackyard_config_dict(sp: SupabaseProject) -> dict:
    """The stackyard.yaml equivalent of a Supabase project (input for the config models)."""
    return {
        "project": project_name(sp.project_id),
        "supabase": True,
        "services": {"db": {"kind": "postgres", "database": "postgres"}},
        "migrations": {"dir": sp.migrations_dir},
        "seeds": {"paths": list(sp.seed_paths) if sp.seed_enabled else []},
        "storage_buckets": [b.to_dict() for b in sp.buckets],
    }
