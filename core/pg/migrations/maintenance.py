"""Baseline (adopt an existing database) and squash (many files -> one, verified)."""

from __future__ import annotations

import asyncio
import difflib
import shutil
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import TYPE_CHECKING, Awaitable, Callable

from ...errors import ConflictError, UsageError
from ...names import validate_name
from . import history
from .apply import plan_section
from .dump import (
    ManagedAdditions,
    comparable_schema,
    data_digest,
    dump_for_replay,
    dump_schema,
    managed_additions,
    scratch_database,
    without_fresh,
)
from .executor import connect, migration_lock
from .files import checksum_of, load_file, new_file, version_key
from .status import MigrationState

if TYPE_CHECKING:
    from .engine import MigrationEngine

BACKUP_DIR = ".squashed"


async def baseline(
    engine: "MigrationEngine",
    name: str = "baseline",
    *,
    exclude_schemas: tuple[str, ...] = (),
    prepare: Callable[[str], Awaitable[None]] | None = None,
    managed_schemas: tuple[str, ...] = (),
) -> Path:
    """Dump the database's schema into ``<timestamp>_<name>.sql`` and record it as applied.

    Refuses when the database already has migration history or local migrations exist
    (those cases want ``repair`` or ``squash``). With ``managed_schemas`` + ``prepare`` (the
    Supabase bootstrap), only what was added inside those schemas is kept (e.g. auth triggers).
    """
    validate_name(name, "migration name")
    statuses = await engine.status()
    if any(s.state is not MigrationState.PENDING for s in statuses):
        raise ConflictError("the database already has migration history; baseline adopts a database without one",
                            hint="use `migration squash` to fold existing migrations into one file")
    if statuses:
        raise ConflictError(
            f"{len(statuses)} local migration(s) exist but none is recorded as applied",
            hint="if the database already contains them, record them with `migration repair VERSION --status applied`",
        )
    skip = (*managed_schemas, *exclude_schemas)
    schema = await dump_schema(engine.dsn, skip)
    if prepare is not None:
        async with scratch_database(engine.dsn, "baseline") as fresh:
            await prepare(fresh)
            schema = without_fresh(schema, await dump_schema(fresh, skip))
            extra = await managed_additions(engine.dsn, fresh, managed_schemas, with_data=False) \
                if managed_schemas else ManagedAdditions()
        if extra.pre or extra.post:
            schema += ("\n-- Added by migrations inside " + ", ".join(managed_schemas) + "\n"
                       + extra.sql("pre") + extra.sql("post"))
    header = (f"-- Baseline of the existing database, dumped by stackyard on "
              f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC (pg_dump --schema-only --no-owner).\n")
    async with migration_lock(engine.dsn, wait=engine.lock_wait, bus=engine.bus):
        path = new_file(engine.migrations_dir, name, body=header + schema)
        mf = load_file(path)
        conn = await connect(engine.dsn)
        try:
            await history.ensure_tables(conn)
            async with conn.transaction():
                await history.record_applied(conn, version=mf.version, name=mf.name,
                                             statements=[s.text for s in plan_section(mf.up).all_run()],
                                             checksum=mf.checksum, duration_ms=None)
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        finally:
            await conn.close()
    return path


@dataclass
class SquashResult:
    path: Path
    replaced: list[str]
    backup_dir: Path
    tables_compared: int
    rows_compared: int
    history_updated: bool
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"path": str(self.path), "replaced": self.replaced, "backup_dir": str(self.backup_dir),
                "tables_compared": self.tables_compared, "rows_compared": self.rows_compared,
                "history_updated": self.history_updated, "notes": self.notes}


def _first_difference(a: list[str], b: list[str]) -> str:
    diff = [l for l in difflib.unified_diff(a, b, "originals", "squashed", n=0, lineterm="")][2:8]
    return "\n".join(diff)


async def squash(
    engine: "MigrationEngine",
    to: str | None,
    *,
    exclude_schemas: tuple[str, ...] = (),
    prepare: Callable[[str], Awaitable[None]] | None = None,
    managed_schemas: tuple[str, ...] = (),
) -> SquashResult:
    """Replace local migrations up to ``to`` by one file holding their final schema AND data.

    The originals are replayed on scratch database A, A is dumped (schema + rows as INSERTs)
    into the new file, the file is applied on scratch database B, and A and B must have the
    same schema dump and the same rows in every table and sequence (``exclude_schemas`` are left
    out of the file but NOT out of the comparison) — otherwise nothing changes. ``prepare(dsn)``
    readies each scratch database first (e.g. the Supabase bootstrap of auth/storage schemas).
    ``managed_schemas`` belong to that preparation: only what the migrations added there (objects
    a freshly prepared database lacks, e.g. a trigger on auth.users, and rows such as storage
    buckets) goes into the file.
    The originals move to ``<migrations_dir>/.squashed/<timestamp>/``. When this database has
    them applied, its history is rewritten to the single squashed version.
    """
    from .engine import MigrationEngine

    local = engine.local()
    statuses = await engine.status()
    bad = [s for s in statuses if s.state in (MigrationState.CHANGED, MigrationState.MISSING, MigrationState.PARTIAL)]
    if bad:
        raise ConflictError("cannot squash while history and files disagree: "
                            + ", ".join(f"{s.version} ({s.state.value})" for s in bad),
                            hint="run `migration list` and fix those first")
    applied = {s.version for s in statuses if s.is_applied}
    if to is None:
        to = max(applied, key=version_key) if applied else (local[-1].version if local else None)
    group = [f for f in local if to is not None and version_key(f.version) <= version_key(to)]
    if len(group) < 2:
        raise UsageError(f"nothing to squash: fewer than two migrations up to {to}")
    if to not in {f.version for f in group}:
        raise UsageError(f"--to {to} is not a local migration version")
    in_db = [f.version for f in group if f.version in applied]
    if in_db and len(in_db) != len(group):
        raise ConflictError(f"only {len(in_db)} of the {len(group)} migrations up to {to} are applied here",
                            hint="apply them first (`migration up --to VERSION`) or squash a smaller range")
    last = group[-1]
    async with scratch_database(engine.dsn, "squash_a") as dsn_a, scratch_database(engine.dsn, "squash_b") as dsn_b:
        if prepare is not None:
            await asyncio.gather(prepare(dsn_a), prepare(dsn_b))
        await MigrationEngine(dsn_a, engine.migrations_dir, lock_wait=engine.lock_wait).up(to=to, include_all=True)
        skip = (*managed_schemas, *exclude_schemas)
        pre, data, post = await dump_for_replay(dsn_a, skip)
        extra = ManagedAdditions()
        if prepare is not None:
            # Leave out what the preparation itself creates: B, freshly prepared and not yet
            # migrated, shows exactly that (and gets it from prepare again when replaying).
            pre_b, _, post_b = await dump_for_replay(dsn_b, skip, with_data=False)
            pre, post = without_fresh(pre, pre_b), without_fresh(post, post_b)
            if managed_schemas:
                extra = await managed_additions(dsn_a, dsn_b, managed_schemas)
        header = (f"-- Squashed by stackyard on {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC from "
                  f"{len(group)} migrations ({group[0].version} .. {last.version}); originals in {BACKUP_DIR}/.\n"
                  "-- Verified: replaying this file gives the same schema and the same rows as the originals.\n")
        content = (header + pre + extra.sql("pre") + "\n-- Rows written by the squashed migrations\n" + data
                   + extra.data + "\n-- Indexes, constraints, triggers\n" + post + extra.sql("post"))
        with TemporaryDirectory() as tmp:
            candidate = Path(tmp) / last.filename
            candidate.write_text(content)
            await MigrationEngine(dsn_b, Path(tmp), lock_wait=engine.lock_wait).up()
        dump_a, dump_b, digest_a, digest_b = await asyncio.gather(
            dump_schema(dsn_a), dump_schema(dsn_b), data_digest(dsn_a), data_digest(dsn_b))
        schema_a, schema_b = comparable_schema(dump_a), comparable_schema(dump_b)
        if schema_a != schema_b:
            raise ConflictError("squash verification failed: the squashed file gives a different schema; "
                                "nothing was changed\n" + _first_difference(schema_a, schema_b))
        if digest_a != digest_b:
            differ = sorted(k for k in set(digest_a.tables) | set(digest_a.sequences) | set(digest_b.tables)
                            if digest_a.tables.get(k) != digest_b.tables.get(k)
                            or digest_a.sequences.get(k) != digest_b.sequences.get(k))
            raise ConflictError("squash verification failed: different rows in " + ", ".join(differ[:10])
                                + "; nothing was changed",
                                hint="data in schemas the dump excludes cannot be squashed; squash a smaller range")

    stamp = datetime.now(timezone.utc).strftime("%Y%m%d%H%M%S")
    backup = engine.migrations_dir / BACKUP_DIR / stamp
    backup.mkdir(parents=True, exist_ok=False)
    for f in group:
        for p in {f.path, *(s.path for s in (f.down, f.verify) if s is not None)}:
            # keep down/ and verify/ subfolder scripts apart from same-named up files
            dest = backup / p.relative_to(engine.migrations_dir)
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(p), dest)
    target = engine.migrations_dir / last.filename
    target.write_text(content)
    notes = ["down sections of the squashed migrations were not carried over"] if any(f.down for f in group) else []
    updated = False
    if in_db:
        mf = load_file(target)
        async with migration_lock(engine.dsn, wait=engine.lock_wait, bus=engine.bus):
            conn = await connect(engine.dsn)
            try:
                async with conn.transaction():
                    for f in group[:-1]:
                        await history.delete_rows(conn, f.version)
                    await history.record_applied(conn, version=mf.version, name=mf.name,
                                                 statements=[s.text for s in plan_section(mf.up).all_run()],
                                                 checksum=checksum_of(target.read_bytes()), duration_ms=None)
                updated = True
            finally:
                await conn.close()
        notes.append("other databases that applied the originals need "
                     f"`migration repair VERSION --status reverted` for {group[0].version}..{group[-2].version}"
                     f" and `migration repair {last.version} --status applied`")
    return SquashResult(target, [f.filename for f in group], backup, len(digest_a.tables), digest_a.rows,
                        updated, notes)
