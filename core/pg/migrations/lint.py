"""Lint migrations with squawk (``squawk-cli`` from PyPI), told the server's PostgreSQL version.

Only up sections are linted: down/verify lines are blanked in a temporary copy so line
numbers still match the real file.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import sysconfig
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import TYPE_CHECKING

from ...errors import ConfigError, StackyardError, UsageError
from ..binaries import find_binaries
from .executor import connect
from .files import MigrationFile
from .status import MigrationState

if TYPE_CHECKING:
    from .engine import MigrationEngine

LEVELS = ("warning", "error")
FAIL_ON = ("warning", "error", "none")


@dataclass
class LintFinding:
    path: str
    line: int  # 1-based
    column: int  # 1-based
    rule: str
    level: str  # "warning" | "error"
    message: str
    help: str | None = None

    def to_dict(self) -> dict:
        return dict(self.__dict__)

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: {self.level}: {self.rule}: {self.message}"


@dataclass
class LintReport:
    pg_version: str
    files: int
    fail_on: str
    findings: list[LintFinding] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        if self.fail_on == "none":
            return False
        threshold = LEVELS.index(self.fail_on)
        return any(LEVELS.index(f.level) >= threshold for f in self.findings)

    def to_dict(self) -> dict:
        return {"pg_version": self.pg_version, "files": self.files, "fail_on": self.fail_on, "failed": self.failed,
                "findings": [f.to_dict() for f in self.findings]}


def squawk_path() -> str:
    """The squawk binary installed by squawk-cli next to our interpreter (or on PATH)."""
    candidate = Path(sysconfig.get_path("scripts")) / "squawk"
    if candidate.is_file():
        return str(candidate)
    found = shutil.which("squawk")
    if not found:
        raise StackyardError("squawk is not installed", hint="pip install squawk-cli")
    return found


def up_only_text(mf: MigrationFile) -> str:
    """The file with everything outside its up section blanked (line numbers preserved)."""
    lines = mf.path.read_bytes().replace(b"\r\n", b"\n").decode("utf-8").split("\n")
    up_lines = mf.up.text.split("\n") if mf.up.text else []
    keep = range(mf.up.first_line - 1, mf.up.first_line - 1 + len(up_lines))
    return "\n".join(l if i in keep else "" for i, l in enumerate(lines))


async def server_pg_version(dsn: str) -> str:
    """``major.minor`` of the server, falling back to the local binaries when unreachable."""
    try:
        if not dsn:
            raise StackyardError("no database")
        conn = await connect(dsn)
    except StackyardError:
        v = find_binaries().version or "18.0"
        return v if "." in v else f"{v}.0"
    try:
        cur = await conn.execute("SELECT current_setting('server_version_num')::int")
        num = (await cur.fetchone())[0]
        return f"{num // 10000}.{num % 10000}"
    finally:
        await conn.close()


def find_config(start: Path) -> Path | None:
    """The project's ``.squawk.toml``: in the migrations folder or up to four folders above."""
    for d in [start, *list(start.resolve().parents)[:4]]:
        if (d / ".squawk.toml").is_file():
            return d / ".squawk.toml"
    return None


async def run_squawk(
    paths: list[Path], pg_version: str, *, display: dict[str, str], in_transaction: bool = True,
    exclude: tuple[str, ...] = (), config: Path | None = None,
) -> list[LintFinding]:
    """Run squawk (JSON reporter) on ``paths``; map its 0-based lines to 1-based file:line."""
    if not paths:
        return []
    args = ["--reporter", "json", f"--pg-version={pg_version}"]
    if in_transaction:
        args.append("--assume-in-transaction")
    if exclude:
        args.append("--exclude=" + ",".join(exclude))
    if config is not None:
        args += ["--config", str(config)]
    proc = await asyncio.create_subprocess_exec(
        squawk_path(), *args, *map(str, paths), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    out, err = await proc.communicate()
    try:
        raw = json.loads(out.decode() or "[]")
    except json.JSONDecodeError:
        raise StackyardError(f"squawk failed (exit {proc.returncode}): {err.decode(errors='replace').strip()[:500]}")
    findings = []
    for r in raw:
        level = str(r.get("level", "warning")).lower()
        findings.append(LintFinding(
            path=display.get(r.get("file"), r.get("file")), line=int(r.get("line", 0)) + 1,
            column=int(r.get("column", 0)) + 1, rule=r.get("rule_name", "?"),
            level=level if level in LEVELS else "warning", message=r.get("message", ""), help=r.get("help"),
        ))
    findings.sort(key=lambda f: (f.path, f.line, f.column))
    return findings


async def lint(engine: "MigrationEngine", *, fail_on: str = "error", pending_only: bool = False) -> LintReport:
    """Lint every migration's up section (or only pending ones) for the server's version."""
    if fail_on not in FAIL_ON:
        raise UsageError(f"invalid --fail-on {fail_on!r}", hint="use warning, error or none")
    files = engine.local()
    if pending_only:
        pending = {s.version for s in await engine.status() if s.state is MigrationState.PENDING}
        files = [f for f in files if f.version in pending]
    pg_version = await server_pg_version(engine.dsn)
    # What the runner already guarantees is not a finding: each file runs in a transaction,
    # CONCURRENTLY statements run outside it, configured timeouts are SET before each file.
    exclude = ["ban-concurrent-index-creation-in-transaction"]
    if engine.lock_timeout is not None:
        exclude.append("require-lock-timeout")
    if engine.statement_timeout is not None:
        exclude.append("require-statement-timeout")
    config = find_config(engine.migrations_dir)
    if config is not None:
        # squawk lets --exclude replace the config's excluded_rules; keep both
        try:
            exclude += list(tomllib.loads(config.read_text()).get("excluded_rules", []))
        except (tomllib.TOMLDecodeError, OSError) as e:
            raise ConfigError(f"cannot read it: {e}", path=str(config)) from None
    with TemporaryDirectory(prefix="stackyard-lint-") as tmp:
        display: dict[str, str] = {}
        groups: dict[bool, list[Path]] = {True: [], False: []}
        for mf in files:
            copy = Path(tmp) / mf.filename
            copy.write_text(up_only_text(mf))
            display[str(copy)] = str(mf.path)
            groups[mf.up.transaction].append(copy)
        findings = []
        for in_tx, copies in groups.items():
            findings += await run_squawk(copies, pg_version, display=display, in_transaction=in_tx,
                                         exclude=tuple(exclude), config=config)
    findings.sort(key=lambda f: (f.path, f.line, f.column))
    return LintReport(pg_version, len(files), fail_on, findings)
