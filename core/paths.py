"""Where stackyard's own shipped files are.

Found next to the ``core`` package (both in a checkout and in site-packages after
``pip install .``) rather than by importing ``profiles``/``seeds``: a user's project has folders
with those names, and with the cwd on sys.path an import could pick the user's folder.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_ROOT = Path(__file__).resolve().parent.parent
BUILTIN_PROFILES = PACKAGE_ROOT / "profiles"
BUILTIN_SEEDS = PACKAGE_ROOT / "seeds"
