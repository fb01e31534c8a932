"""Local files vs database history: one status line per version."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from enum import Enum

from .files import MigrationFile, version_key
from .history import HistoryRow


class MigrationState(str, Enum):
    PENDING = "pending"  # local file, not applied
    APPLIED = "applied"  # applied; file unchanged (or applied by a tool that keeps no checksum)
    CHANGED = "changed"  # applied, but the local file changed since
    MISSING = "missing"  # applied, but no local file
    PARTIAL = "partial"  # transactional part committed, a standalone statement failed


@dataclass
class MigrationStatus:
    """One version as seen locally and in the database."""

    version: str
    name: str | None
    state: MigrationState
    path: str | None = None
    checksum: str | None = None  # of the local file
    applied_checksum: str | None = None  # recorded when applied (None: applied by another tool)
    applied_at: datetime | None = None
    duration_ms: float | None = None
    applied_by: str | None = None
    out_of_order: bool = False  # pending but older than the newest applied version
    has_down: bool = False
    has_verify: bool = False

    @property
    def is_applied(self) -> bool:
        return self.state in (MigrationState.APPLIED, MigrationState.CHANGED, MigrationState.MISSING)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["state"] = self.state.value
        d["applied_at"] = self.applied_at.isoformat() if self.applied_at else None
        return d


def compute_status(local: list[MigrationFile], history: dict[str, HistoryRow]) -> list[MigrationStatus]:
    """Merge local files and history rows, sorted by version."""
    by_version = {f.version: f for f in local}
    applied = [v for v, h in history.items() if h.in_supabase]
    newest_applied = max(applied, key=version_key) if applied else None
    out: list[MigrationStatus] = []
    for version in sorted(set(by_version) | set(history), key=version_key):
        f, h = by_version.get(version), history.get(version)
        if h is not None and not h.in_supabase and h.state != "partial":
            h = None  # a stackyard row without a Supabase row: reverted by the Supabase CLI
        if h is None:
            state = MigrationState.PENDING
        elif h.state == "partial":
            state = MigrationState.PARTIAL
        elif f is None:
            state = MigrationState.MISSING
        elif h.checksum is not None and h.checksum != f.checksum:
            state = MigrationState.CHANGED
        else:
            state = MigrationState.APPLIED
        out.append(MigrationStatus(
            version=version,
            name=f.name if f else (h.name if h else None),
            state=state,
            path=str(f.path) if f else None,
            checksum=f.checksum if f else None,
            applied_checksum=h.checksum if h else None,
            applied_at=h.applied_at if h else None,
            duration_ms=h.duration_ms if h else None,
            applied_by=h.applied_by if h else None,
            out_of_order=(state is MigrationState.PENDING and newest_applied is not None
                          and version_key(version) < version_key(newest_applied)),
            has_down=bool(f and f.down is not None),
            has_verify=bool(f and f.verify is not None),
        ))
    return out
