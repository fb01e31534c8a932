"""Branch rows in the state store, database naming, and the metadata mirrored in COMMENT ON DATABASE."""

from __future__ import annotations

import getpass
import hashlib
import json
import secrets
import time
from dataclasses import dataclass, field

from ..state import StateStore

MAIN = "main"
MAX_IDENT = 63  # NAMEDATALEN - 1
TEMP_PREFIX = "sy_tmp_"  # scratch databases (reset, merge proof); reconcile drops leftovers
COMMENT_TAG = "stackyard"


@dataclass
class BranchRow:
    env: str
    name: str
    parent: str | None
    database: str
    is_snapshot: bool
    created_at: float
    expires_at: float | None
    created_by: str | None
    info: dict = field(default_factory=dict)

    def comment(self) -> dict:
        """The JSON kept in COMMENT ON DATABASE: enough to rebuild this row without the state db."""
        return {
            COMMENT_TAG: 1, "env": self.env, "branch": self.name, "parent": self.parent,
            "created_at": self.created_at, "expires_at": self.expires_at, "created_by": self.created_by,
            "snapshot": self.is_snapshot, "from_snapshot": self.info.get("from_snapshot"),
        }

    @classmethod
    def from_comment(cls, env: str, database: str, data: dict) -> "BranchRow":
        info = {"from_snapshot": data["from_snapshot"]} if data.get("from_snapshot") else {}
        return cls(env, data["branch"], data.get("parent"), database, bool(data.get("snapshot")),
                   float(data.get("created_at") or time.time()), data.get("expires_at"), data.get("created_by"), info)


def parse_comment(text: str | None) -> dict | None:
    """The stackyard metadata in a database comment, or None when it is not ours."""
    if not text:
        return None
    try:
        data = json.loads(text)
    except ValueError:
        return None
    if not isinstance(data, dict) or data.get(COMMENT_TAG) != 1 or not isinstance(data.get("branch"), str):
        return None
    return data


def database_name(main_db: str, branch: str) -> str:
    """``<main>__<branch>``; a long main name is shortened with a hash so the result fits 63 bytes."""
    name = f"{main_db}__{branch}"
    if len(name.encode()) <= MAX_IDENT:
        return name
    digest = hashlib.sha1(main_db.encode()).hexdigest()[:8]
    keep = MAX_IDENT - len(branch) - 2 - 9
    return f"{main_db.encode()[:keep].decode(errors='ignore')}_{digest}__{branch}"


def temp_database_name() -> str:
    return TEMP_PREFIX + secrets.token_hex(8)


def current_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no passwd entry (containers): still a useful label
        return "unknown"


# state store access ------------------------------------------------------------------------
_COLS = "env, name, parent, database, is_snapshot, created_at, expires_at, created_by, info"


def _from_sql(r) -> BranchRow:
    d = dict(r)
    d["is_snapshot"] = bool(d["is_snapshot"])
    d["info"] = json.loads(d["info"] or "{}")
    return BranchRow(**d)


def get_branch(state: StateStore, env: str, name: str) -> BranchRow | None:
    r = state.db.execute(f"SELECT {_COLS} FROM branches WHERE env = ? AND name = ?", (env, name)).fetchone()
    return _from_sql(r) if r else None


def list_branch_rows(state: StateStore, env: str) -> list[BranchRow]:
    rows = state.db.execute(f"SELECT {_COLS} FROM branches WHERE env = ? ORDER BY created_at, name", (env,))
    return [_from_sql(r) for r in rows]


def children_of(state: StateStore, env: str, name: str) -> list[BranchRow]:
    return [b for b in list_branch_rows(state, env) if b.parent == name]


def descendants_of(state: StateStore, env: str, name: str) -> list[BranchRow]:
    """Every branch below ``name``, deepest first (the order to delete them in)."""
    out: list[BranchRow] = []
    for child in children_of(state, env, name):
        out.extend(descendants_of(state, env, child.name))
        out.append(child)
    return out


def insert_branch(state: StateStore, row: BranchRow) -> None:
    with state.tx() as db:
        db.execute(
            f"INSERT INTO branches({_COLS}) VALUES (?,?,?,?,?,?,?,?,?)",
            (row.env, row.name, row.parent, row.database, int(row.is_snapshot), row.created_at, row.expires_at,
             row.created_by, json.dumps(row.info)),
        )


def delete_branch_row(state: StateStore, env: str, name: str) -> None:
    with state.tx() as db:
        db.execute("DELETE FROM branches WHERE env = ? AND name = ?", (env, name))
