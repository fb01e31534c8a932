"""Validation of user-chosen names (environments, branches, snapshots)."""

from __future__ import annotations

import re

from .errors import UsageError

NAME_RE = re.compile(r"^[a-z][a-z0-9_-]{0,40}$")


def validate_name(name: str, what: str = "name") -> str:
    """Return ``name`` if it is a valid stackyard name, else raise UsageError (exit 2)."""
    if not isinstance(name, str) or not NAME_RE.fullmatch(name):
        shown = name if isinstance(name, str) and len(name) <= 60 else f"{str(name)[:57]}..."
        raise UsageError(
            f"invalid {what} {shown!r}",
            hint="use 1-41 characters: a lowercase letter first, then lowercase letters, "
            "digits, '_' or '-' (pattern ^[a-z][a-z0-9_-]{0,40}$)",
        )
    return name
