"""Migration files on disk: discovery, sections (up/down/verify), checksums, new files.

A migration is ``<digits>_<name>.sql`` (the Supabase CLI's rule); the digits are its version.
Inside a file, ``-- migrate:up`` / ``-- migrate:down`` / ``-- migrate:verify`` markers (dbmate
style) split it into sections; without markers the whole file is the up section. A down or
verify script may also live beside it as ``<version>_<name>.down.sql`` / ``.verify.sql``, or
in ``down/`` / ``verify/`` subfolders under the same file name (invisible to the Supabase CLI).
A marker may carry ``transaction:false`` to run that section without a transaction.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from ...errors import ConfigError, UsageError
from ...names import validate_name
from .splitter import Statement, split_sql

FILE_RE = re.compile(r"^([0-9]+)_(.*)\.sql$")
MARKER_RE = re.compile(r"^[ \t]*--[ \t]*migrate:(up|down|verify)\b(.*)$", re.IGNORECASE)
SIDE_KINDS = ("down", "verify")


def normalise(data: bytes) -> bytes:
    """Line endings to LF, so a checkout with CRLF does not look like an edit."""
    return data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")


def checksum_of(data: bytes) -> str:
    """SHA-256 (hex) of the file with normalised line endings."""
    return hashlib.sha256(normalise(data)).hexdigest()


@dataclass(frozen=True)
class Section:
    """One part of a migration: its SQL text and the file line it starts on."""

    kind: str  # "up" | "down" | "verify"
    text: str
    path: Path
    first_line: int = 1
    transaction: bool = True

    def statements(self) -> list[Statement]:
        return split_sql(self.text, path=str(self.path), first_line=self.first_line)

    @property
    def empty(self) -> bool:
        return not self.statements()


@dataclass
class MigrationFile:
    """A local migration file and its sections."""

    version: str
    name: str
    path: Path
    checksum: str
    up: Section
    down: Section | None = None
    verify: Section | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def filename(self) -> str:
        return self.path.name

    def to_dict(self) -> dict:
        return {
            "version": self.version, "name": self.name, "path": str(self.path), "checksum": self.checksum,
            "has_down": self.down is not None, "has_verify": self.verify is not None,
        }


def _read_text(path: Path) -> tuple[bytes, str]:
    data = path.read_bytes()
    try:
        return data, normalise(data).decode("utf-8")
    except UnicodeDecodeError as e:
        raise ConfigError(f"not UTF-8 text ({e.reason} at byte {e.start})", path=str(path),
                          hint="save the migration as UTF-8") from None


def parse_sections(text: str, path: Path) -> dict[str, Section]:
    """Split file text at ``-- migrate:<kind>`` markers; SQL before any marker is ``up``."""
    lines = text.split("\n")
    markers = [(i, m.group(1).lower(), m.group(2)) for i, l in enumerate(lines) if (m := MARKER_RE.match(l))]
    if not markers:
        return {"up": Section("up", text, path, 1)}
    found: dict[str, Section] = {}
    preamble = "\n".join(lines[: markers[0][0]])
    if text_has_sql(preamble):
        if any(k == "up" for _, k, _ in markers):
            raise ConfigError("SQL before the '-- migrate:up' marker", path=str(path), line=1,
                              hint="move it below the marker")
        found["up"] = Section("up", preamble, path, 1)
    for n, (idx, kind, opts) in enumerate(markers):
        if kind in found:
            raise ConfigError(f"section '-- migrate:{kind}' appears twice", path=str(path), line=idx + 1)
        end = markers[n + 1][0] if n + 1 < len(markers) else len(lines)
        transaction = "transaction:false" not in opts.replace(" ", "").lower()
        found[kind] = Section(kind, "\n".join(lines[idx + 1 : end]), path, idx + 2, transaction)
    found.setdefault("up", Section("up", "", path, 1))
    return found


def text_has_sql(text: str) -> bool:
    return bool(split_sql(text))


def load_file(path: Path) -> MigrationFile:
    """Read one migration file (and its .down.sql / .verify.sql siblings)."""
    m = FILE_RE.match(path.name)
    if not m:
        raise UsageError(f"{path.name} is not a migration file name", hint="expected <digits>_<name>.sql")
    data, text = _read_text(path)
    sections = parse_sections(text, path)
    mf = MigrationFile(m.group(1), m.group(2), path, checksum_of(data), sections["up"],
                       sections.get("down"), sections.get("verify"))
    for kind in SIDE_KINDS:
        # beside the file, or in a <kind>/ subfolder (which the Supabase CLI does not read)
        for side in (path.with_name(f"{path.name[:-4]}.{kind}.sql"), path.parent / kind / path.name):
            if not side.is_file():
                continue
            if getattr(mf, kind) is not None:
                raise ConfigError(
                    f"more than one {kind} script: {side} and {getattr(mf, kind).path}", path=str(path),
                    hint=f"keep one {kind} script",
                )
            _, side_text = _read_text(side)
            setattr(mf, kind, Section(kind, side_text, side, 1))
    return mf


@dataclass
class MigrationDir:
    """All migrations in a folder, sorted by version, plus files that were skipped."""

    path: Path
    files: list[MigrationFile]
    skipped: list[str]

    def by_version(self) -> dict[str, MigrationFile]:
        return {f.version: f for f in self.files}


def is_side_file(name: str) -> bool:
    return any(name.endswith(f".{kind}.sql") for kind in SIDE_KINDS)


def scan(migrations_dir: Path) -> MigrationDir:
    """Discover migration files (top level only) sorted by version; duplicates are an error."""
    files: list[MigrationFile] = []
    skipped: list[str] = []
    if not migrations_dir.is_dir():
        return MigrationDir(migrations_dir, [], [])
    seen: dict[str, Path] = {}
    for p in sorted(migrations_dir.iterdir()):
        if not p.is_file():
            continue
        if is_side_file(p.name):
            continue
        if not FILE_RE.match(p.name):
            if p.suffix == ".sql":
                skipped.append(p.name)
            continue
        mf = load_file(p)
        if mf.version in seen:
            raise ConfigError(
                f"version {mf.version} is used by both {seen[mf.version].name} and {p.name}",
                path=str(p), hint="give each migration its own version (rename one file)",
            )
        seen[mf.version] = p
        files.append(mf)
    files.sort(key=lambda f: (int(f.version), f.version))
    return MigrationDir(migrations_dir, files, skipped)


def version_key(version: str) -> tuple[int, str]:
    """Sort versions numerically (Supabase compares them as numbers of equal width)."""
    return (int(version), version) if version.isdigit() else (-1, version)


def fingerprint(migrations_dir: Path) -> str:
    """One hash over every migration's version, name and checksum (a cache key for templates).

    Separate down/verify scripts do not count: they change nothing a migrated database holds.
    """
    h = hashlib.sha256()
    for f in scan(migrations_dir).files:
        h.update(f"{f.version}\0{f.name}\0{f.checksum}\n".encode())
    return h.hexdigest()


def new_file(migrations_dir: Path, name: str, *, with_down: bool = False, body: str = "") -> Path:
    """Create ``<UTC timestamp>_<name>.sql`` (later than every existing version) and return it."""
    validate_name(name, "migration name")
    migrations_dir.mkdir(parents=True, exist_ok=True)
    version = int(datetime.now(timezone.utc).strftime("%Y%m%d%H%M%S"))
    existing = [int(f.version) for f in scan(migrations_dir).files]
    if existing and version <= max(existing):
        version = max(existing) + 1
    path = migrations_dir / f"{version}_{name}.sql"
    text = body or ""
    if with_down:
        text = f"-- migrate:up\n{text}\n\n-- migrate:down\n"
    path.write_text(text)
    return path
