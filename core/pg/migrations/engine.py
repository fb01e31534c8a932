"""MigrationEngine: the async operations behind ``stackyard migration ...``."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from collections.abc import Awaitable, Callable
from pathlib import Path

import psycopg

from ...errors import ConflictError, NotFoundError, UsageError
from ...events import NULL_BUS, EventBus
from . import history
from .apply import AppliedMigration, apply_migration, plan_section, revert_migration
from .executor import connect, migration_lock
from .files import MigrationFile, new_file, scan, version_key
from .status import MigrationState, MigrationStatus, compute_status

DEFAULT_DIR = Path("supabase/migrations")
# Schemas the Supabase bootstrap (or the Supabase platform) owns: baseline/squash keep only
# what migrations added there.
SUPABASE_MANAGED_SCHEMAS = ("auth", "storage", "realtime", "extensions", "graphql", "graphql_public", "vault",
                            "pgsodium", "supabase_functions", "net", "cron", "_realtime", "pgbouncer", "_analytics")


_DURATION_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|sec|min|h)?\s*$")
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "sec": 1.0, "min": 60.0, "h": 3600.0, None: 1.0}


def parse_duration(value: float | int | str | None, what: str = "duration") -> float | None:
    """Seconds from a number or a string like '5s', '500ms', '2min' (config style)."""
    if value is None or isinstance(value, (int, float)):
        return None if value is None else float(value)
    m = _DURATION_RE.match(value)
    if not m:
        raise UsageError(f"invalid {what} {value!r}", hint="use e.g. 500ms, 5s, 2min, 1h")
    return float(m.group(1)) * _UNIT_SECONDS[m.group(2)]


def _check_version(version: str | None, what: str = "version") -> str | None:
    if version is not None and not (isinstance(version, str) and version.isdigit()):
        raise UsageError(f"invalid {what} {version!r}", hint="a migration version is the digits before '_' in its file name")
    return version


@dataclass
class VerifyItem:
    version: str
    name: str | None
    ok: bool
    checksum: str  # "ok" | "changed" | "missing" | "partial" | "unknown"
    script: str  # "passed" | "failed" | "none"
    message: str = ""

    def to_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass
class VerifyReport:
    ok: bool
    items: list[VerifyItem] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"ok": self.ok, "items": [i.to_dict() for i in self.items]}


class MigrationEngine:
    """Runs the migrations of ``migrations_dir`` against the database at ``dsn``.

    ``lock_timeout`` / ``statement_timeout`` (seconds, or strings like '5s') apply to every migration statement;
    ``lock_wait`` is how long a second runner waits for the migration lock before LockedError.
    ``managed_schemas`` (e.g. Supabase's auth/storage) are left out of baseline and squash dumps;
    ``prepare_scratch(dsn)`` readies squash's scratch databases (e.g. the Supabase bootstrap).
    """

    def __init__(
        self,
        dsn: str,
        migrations_dir: Path = DEFAULT_DIR,
        *,
        bus: EventBus | None = None,
        lock_timeout: float | str | None = None,
        statement_timeout: float | str | None = None,
        lock_wait: float = 30.0,
        env: str | None = None,
        managed_schemas: tuple[str, ...] = (),
        prepare_scratch: Callable[[str], Awaitable[None]] | None = None,
    ) -> None:
        self.dsn = dsn
        self.migrations_dir = Path(migrations_dir)
        self.bus = bus or NULL_BUS
        self.lock_timeout = parse_duration(lock_timeout, "lock_timeout")
        self.statement_timeout = parse_duration(statement_timeout, "statement_timeout")
        self.lock_wait = lock_wait
        self.env = env
        self.managed_schemas = tuple(managed_schemas)
        self.prepare_scratch = prepare_scratch

    # -- reading -----------------------------------------------------------------------------
    def local(self) -> list[MigrationFile]:
        """Local migration files sorted by version (warns about skipped *.sql names)."""
        d = scan(self.migrations_dir)
        for name in d.skipped:
            self.bus.warning(f"skipping {name}: not a migration file name (<digits>_<name>.sql)")
        return d.files

    async def _status(self, conn: psycopg.AsyncConnection) -> tuple[list[MigrationFile], list[MigrationStatus], dict]:
        local = self.local()
        rows = await history.read_history(conn)
        return local, compute_status(local, rows), rows

    async def status(self) -> list[MigrationStatus]:
        """Local files vs database: pending, applied, changed since applied, missing locally, partial."""
        conn = await connect(self.dsn)
        try:
            return (await self._status(conn))[1]
        finally:
            await conn.close()

    def new(self, name: str, *, with_down: bool = False) -> Path:
        """Create ``<UTC timestamp>_<name>.sql`` in the migrations folder."""
        return new_file(self.migrations_dir, name, with_down=with_down)

    # -- up ----------------------------------------------------------------------------------
    def _pending(
        self, local: list[MigrationFile], statuses: list[MigrationStatus], *, to: str | None,
        include_all: bool, allow_changed: bool,
    ) -> list[MigrationFile]:
        by_version = {f.version: f for f in local}
        missing = [s for s in statuses if s.state is MigrationState.MISSING]
        if missing:
            vs = " ".join(s.version for s in missing)
            raise ConflictError(
                f"applied versions not found in {self.migrations_dir}: {vs}",
                hint=f"restore the files, or forget them with `stackyard migration repair {vs} --status reverted`",
            )
        changed = [s for s in statuses if s.state is MigrationState.CHANGED]
        if changed and not allow_changed:
            names = ", ".join(Path(s.path).name for s in changed if s.path)
            raise ConflictError(
                f"applied migrations were edited since they ran: {names}",
                hint="restore them (git), record the new contents with `migration repair VERSION --status "
                "applied`, or pass --allow-changed to go on anyway",
            )
        todo = [s for s in statuses if s.state in (MigrationState.PENDING, MigrationState.PARTIAL)]
        if to is not None:
            todo = [s for s in todo if version_key(s.version) <= version_key(to)]
        late = [s for s in todo if s.out_of_order]
        if late and not include_all:
            raise ConflictError(
                "local migrations are older than the newest applied one: "
                + ", ".join(Path(s.path).name for s in late if s.path),
                hint="give them a newer version (rename), or pass --include-all to apply them anyway",
            )
        return [by_version[s.version] for s in todo]

    async def up(
        self, to: str | None = None, dry_run: bool = False, include_all: bool = False, allow_changed: bool = False,
    ) -> list[AppliedMigration]:
        """Apply pending migrations (up to ``to``), each file in one transaction with its history rows."""
        _check_version(to, "--to version")
        if dry_run:
            conn = await connect(self.dsn)
            try:
                local, statuses, _ = await self._status(conn)
            finally:
                await conn.close()
            out = []
            for mf in self._pending(local, statuses, to=to, include_all=include_all, allow_changed=allow_changed):
                plan = plan_section(mf.up)
                out.append(AppliedMigration(mf.version, mf.name, str(mf.path), "up", len(plan.all_run()),
                                            len(plan.standalone), dry_run=True, notes=plan.notes))
            return out
        async with migration_lock(self.dsn, wait=self.lock_wait, bus=self.bus):
            conn = await connect(self.dsn, bus=self.bus)
            try:
                await history.ensure_tables(conn)
                local, statuses, rows = await self._status(conn)
                todo = self._pending(local, statuses, to=to, include_all=include_all, allow_changed=allow_changed)
                # Split every pending file first: a quoting error in file 9 fails before file 1 runs.
                plans = [plan_section(mf.up) for mf in todo]
                applied: list[AppliedMigration] = []
                with self.bus.operation("migration.up", env=self.env, target=str(self.migrations_dir)) as op:
                    for i, (mf, plan) in enumerate(zip(todo, plans)):
                        op.progress(f"applying {mf.filename}", i, len(todo), "files")
                        result = await apply_migration(conn, mf, rows.get(mf.version), lock_timeout=self.lock_timeout,
                                                       statement_timeout=self.statement_timeout, plan=plan)
                        for note in result.notes:
                            self.bus.info(note)
                        applied.append(result)
                    op.progress("done", len(todo), len(todo), "files")
                return applied
            finally:
                await conn.close()

    # -- down --------------------------------------------------------------------------------
    async def down(self, to: str | None = None, last: int | None = None) -> list[AppliedMigration]:
        """Revert applied migrations newest first: the ``last`` N (default 1), or all newer than ``to``.

        Every target must have a down section; missing ones are reported before anything runs.
        """
        _check_version(to, "--to version")
        if to is not None and last is not None:
            raise UsageError("pass either --to or --last, not both")
        if last is not None and last < 1:
            raise UsageError("--last must be 1 or more")
        async with migration_lock(self.dsn, wait=self.lock_wait, bus=self.bus):
            conn = await connect(self.dsn, bus=self.bus)
            try:
                local, statuses, _ = await self._status(conn)
                by_version = {f.version: f for f in local}
                applied = sorted((s for s in statuses if s.is_applied or s.state is MigrationState.PARTIAL),
                                 key=lambda s: version_key(s.version), reverse=True)
                if to is not None:
                    targets = [s for s in applied if version_key(s.version) > version_key(to)]
                else:
                    targets = applied[: last or 1]
                problems = []
                for s in targets:
                    mf = by_version.get(s.version)
                    if mf is None:
                        problems.append(f"{s.version}: no local file")
                    elif mf.down is None:
                        problems.append(f"{mf.filename}: no '-- migrate:down' section and no "
                                        f"{mf.filename[:-4]}.down.sql")
                    elif mf.down.empty:
                        problems.append(f"{mf.filename}: the down section is empty")
                    elif s.state is MigrationState.PARTIAL:
                        problems.append(f"{mf.filename}: partially applied; finish it with `migration up` first")
                if problems:
                    raise NotFoundError(
                        "cannot revert; nothing was run: " + "; ".join(problems),
                        hint="write the down script(s), or use `migration repair VERSION --status reverted` "
                        "to only forget a version",
                    )
                reverted = []
                with self.bus.operation("migration.down", env=self.env, target=str(self.migrations_dir)) as op:
                    for i, s in enumerate(targets):
                        mf = by_version[s.version]
                        op.progress(f"reverting {mf.filename}", i, len(targets), "files")
                        if s.state is MigrationState.CHANGED:
                            self.bus.warning(f"{mf.filename} changed since it was applied; running its current down")
                        reverted.append(await revert_migration(conn, mf, lock_timeout=self.lock_timeout,
                                                               statement_timeout=self.statement_timeout))
                return reverted
            finally:
                await conn.close()

    # -- repair ------------------------------------------------------------------------------
    async def repair(self, version: str, status: str = "applied") -> MigrationStatus | None:
        """Only edit history: mark ``version`` applied (recording the current file) or reverted."""
        _check_version(version)
        if status not in ("applied", "reverted"):
            raise UsageError(f"invalid status {status!r}", hint="use applied or reverted")
        async with migration_lock(self.dsn, wait=self.lock_wait, bus=self.bus):
            conn = await connect(self.dsn)
            try:
                await history.ensure_tables(conn)
                mf = {f.version: f for f in self.local()}.get(version)
                async with conn.transaction():
                    if status == "reverted":
                        await history.delete_rows(conn, version)
                    elif mf is not None:
                        stmts = [s.text for s in plan_section(mf.up).all_run()]
                        await history.record_applied(conn, version=version, name=mf.name, statements=stmts,
                                                     checksum=mf.checksum, duration_ms=None)
                    else:
                        # Same as the Supabase CLI: a bare version row.
                        await conn.execute("INSERT INTO supabase_migrations.schema_migrations (version) VALUES (%s)"
                                           " ON CONFLICT DO NOTHING", (version,))
                statuses = (await self._status(conn))[1]
                return next((s for s in statuses if s.version == version), None)
            finally:
                await conn.close()

    # -- verify ------------------------------------------------------------------------------
    async def verify(self) -> VerifyReport:
        """Checksums of applied files, then each applied file's verify script (must return true)."""
        conn = await connect(self.dsn)
        try:
            local, statuses, _ = await self._status(conn)
            by_version = {f.version: f for f in local}
            items: list[VerifyItem] = []
            for s in statuses:
                if s.state is MigrationState.PENDING:
                    continue
                checksum = {MigrationState.CHANGED: "changed", MigrationState.MISSING: "missing",
                            MigrationState.PARTIAL: "partial"}.get(s.state, "ok" if s.applied_checksum else "unknown")
                item = VerifyItem(s.version, s.name, checksum in ("ok", "unknown"), checksum, "none")
                if checksum == "changed":
                    item.message = "file changed since it was applied"
                elif checksum == "missing":
                    item.message = "applied but no local file"
                elif checksum == "partial":
                    item.message = "partially applied (a standalone statement failed)"
                mf = by_version.get(s.version)
                if mf is not None and mf.verify is not None and s.state is not MigrationState.PARTIAL:
                    passed, why = await self._run_verify(conn, mf)
                    item.script = "passed" if passed else "failed"
                    if not passed:
                        item.ok = False
                        item.message = "; ".join(x for x in (item.message, why) if x)
                items.append(item)
            return VerifyReport(all(i.ok for i in items), items)
        finally:
            await conn.close()

    async def _run_verify(self, conn: psycopg.AsyncConnection, mf: MigrationFile) -> tuple[bool, str]:
        assert mf.verify is not None
        stmts = mf.verify.statements()
        if not stmts:
            return False, "verify script is empty"
        last = None
        try:
            async with conn.transaction(force_rollback=True):
                for s in stmts:
                    cur = await conn.execute(s.text)  # type: ignore[arg-type]
                    last = (s, await cur.fetchone() if cur.description else None)
        except psycopg.Error as e:
            where = f"{mf.verify.path.name}:{s.line}"
            return False, f"verify script failed at {where}: {e.diag.message_primary or str(e).strip()}"
        assert last is not None
        stmt, row = last
        if row is None or row[0] is not True:
            got = "no rows" if row is None else repr(row[0])
            return False, f"verify script returned {got} at {mf.verify.path.name}:{stmt.line} (expected true)"
        return True, ""

    # -- maintenance (baseline, squash, lint live in their own modules) ----------------------
    async def baseline(self, name: str = "baseline", *, exclude_schemas: tuple[str, ...] = ()) -> Path:
        """Dump the database's schema into a new migration and mark it applied."""
        from .maintenance import baseline

        return await baseline(self, name, exclude_schemas=exclude_schemas, prepare=self.prepare_scratch,
                              managed_schemas=self.managed_schemas)

    async def squash(self, to: str | None = None, *, exclude_schemas: tuple[str, ...] = (), prepare=None):
        """Replace migrations up to ``to`` by one verified file (see maintenance.squash)."""
        from .maintenance import squash

        return await squash(self, _check_version(to, "--to version"), exclude_schemas=exclude_schemas,
                            prepare=prepare or self.prepare_scratch, managed_schemas=self.managed_schemas)

    async def lint(self, *, fail_on: str = "error", pending_only: bool = False):
        """Lint migration up sections with squawk (server's major version); see lint.LintReport."""
        from .lint import lint

        return await lint(self, fail_on=fail_on, pending_only=pending_only)
