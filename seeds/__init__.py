"""Built-in seed specs and the example project's schema (shipped inside the wheel)."""

from __future__ import annotations

from pathlib import Path


def builtin_seeds_dir() -> Path:
    """Directory holding the built-in seeds (``example.yaml``, ``example/schema.sql``).

    Uses the package's own location, so it works for editable and non-editable installs.
    """
    return Path(__file__).resolve().parent
