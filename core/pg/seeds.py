"""SQL seed files: run them once per content hash, tracked exactly like the Supabase CLI.

History lives in ``supabase_migrations.seed_files(path text primary key, hash text)`` with the
SHA-256 of the file's bytes, so ``supabase db reset``/``db push --include-seed`` and stackyard
agree about which seeds a database has seen. Each file runs in one transaction together with
its history row: a failing statement leaves nothing of that file behind.
"""

from __future__ import annotations

import glob
import hashlib
import re
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import psycopg
from psycopg import sql

from core.errors import NotFoundError, SQLError, StackyardError, UnreachableError
from core.events import NULL_BUS, EventBus

SEED_SCHEMA = "supabase_migrations"
SEED_TABLE = "seed_files"
_CREATE_SCHEMA = "CREATE SCHEMA IF NOT EXISTS supabase_migrations"
_CREATE_TABLE = ("CREATE TABLE IF NOT EXISTS supabase_migrations.seed_files "
                 "(path text NOT NULL PRIMARY KEY, hash text NOT NULL)")
_UPSERT = ("INSERT INTO supabase_migrations.seed_files(path, hash) VALUES (%s, %s) "
           "ON CONFLICT (path) DO UPDATE SET hash = EXCLUDED.hash")
# One key for every stackyard seed runner: two concurrent `db seed` runs serialise.
_ADVISORY_KEY = 0x5EED_5EED
# Statements are sent in batches (one round trip each); a failing batch is replayed one
# statement at a time inside a savepoint to find the exact statement and line.
_BATCH_STATEMENTS = 500
_BATCH_BYTES = 1 << 20


@dataclass(frozen=True)
class SeedResult:
    """What happened to one seed file."""

    path: str  # relative to the project root, POSIX separators (the history key)
    hash: str  # SHA-256 hex of the file's bytes
    status: str  # "applied" | "skipped" (unchanged since last run)
    statements: int = 0
    seconds: float = 0.0

    def to_dict(self) -> dict:
        return {**asdict(self), "seconds": round(self.seconds, 4)}


@dataclass(frozen=True)
class Statement:
    """One SQL statement of a file: its text, 1-based first line, and COPY data if any."""

    text: str
    line: int
    copy_data: str | None = None


# Things that change the meaning of what follows: comments, quotes, dollar quotes, `;`,
# and psql meta-commands (a backslash at the start of a line, e.g. pg_dump's `\restrict`).
_TOKEN = re.compile(r"--|/\*|[Ee]'|'|\"|\$(?:[A-Za-z_\x80-\uffff][\w\x80-\uffff]*)?\$|;|^\\", re.M)
# Fast path: one statement up to its `;` made of plain text, quoted strings/identifiers,
# E-strings and line comments. Dollar quotes, block comments, psql meta-commands and anything
# unterminated fall back to the token loop. Possessive quantifiers keep failures linear.
_SIMPLE_STATEMENT = re.compile(
    r"""(?:[^;'"$/\\eE-]++"""
    r"""|'[^']*+(?:''[^']*+)*+'"""
    r"""|"[^"]*+(?:""[^"]*+)*+\""""
    r"""|--[^\n]*+"""
    r"""|(?<![\w$])[eE]'[^'\\]*+(?:(?:\\.|'')[^'\\]*+)*+'"""
    r"""|[eE](?!')|(?<=[\w$])[eE]"""
    r"""|(?<=[\w$])\$|\$(?![A-Za-z_\x80-\uffff][\w\x80-\uffff]*\$|\$)"""
    r"""|/(?!\*)|-(?!-)"""
    r""")*+;""",
    re.S,
)
_SINGLE_END = re.compile(r"[^']*(?:''[^']*)*'")
_ESCAPE_END = re.compile(r"[^'\\]*(?:(?:\\.|'')[^'\\]*)*'", re.S)
_DOUBLE_END = re.compile(r'[^"]*(?:""[^"]*)*"')
_SPACE_OR_LINE_COMMENT = re.compile(r"(?:\s+|--[^\n]*)*")
_COPY_FROM_STDIN = re.compile(r"^COPY\b.*\bFROM\s+STDIN\b", re.I | re.S)
_TX_CONTROL = re.compile(r"^(BEGIN|COMMIT|END|START\s+TRANSACTION)(\s+(WORK|TRANSACTION))?\s*;?$", re.I)


def _block_comment_end(text: str, at: int) -> int:
    """End of the (nested) /* comment starting at ``at``; -1 when it is never closed."""
    depth, p = 1, at + 2
    while depth:
        close, opened = text.find("*/", p), text.find("/*", p)
        if close < 0:
            return -1
        depth, p = (depth + 1, opened + 2) if 0 <= opened < close else (depth - 1, close + 2)
    return p


def _skip_noise(text: str, pos: int) -> int:
    """Position of the first character after whitespace and (nested) comments."""
    while True:
        pos = _SPACE_OR_LINE_COMMENT.match(text, pos).end()
        if not text.startswith("/*", pos):
            return pos
        end = _block_comment_end(text, pos)
        if end < 0:
            return len(text)
        pos = end


def split_statements(text: str, path: str = "<sql>") -> list[Statement]:
    """Split SQL into statements, understanding comments, quotes and dollar quoting.

    ``COPY … FROM stdin;`` statements carry the data lines up to ``\\.`` (pg_dump format);
    other psql meta-command lines are dropped. An unterminated quote or comment is a SQLError.
    """
    out: list[Statement] = []
    n = len(text)
    start = pos = 0
    line_at, line_pos = 1, 0  # running line count, so locating lines stays linear

    def line_of(p: int) -> int:
        nonlocal line_at, line_pos
        line_at += text.count("\n", line_pos, p)
        line_pos = p
        return line_at

    def unterminated(what: str, at: int) -> SQLError:
        return SQLError(
            f"unterminated {what}", path=path, line=text.count("\n", 0, at) + 1,
            statement=text[at:at + 200], hint="close it, or check for a stray quote earlier on",
        )

    def finish(end: int) -> None:
        body_start = _skip_noise(text, start)
        body = text[body_start:end].strip()
        if body and body != ";":
            out.append(Statement(body, line_of(body_start)))

    while pos < n:
        if pos == start:  # a new statement: most are matched whole by one regex
            fm = _SIMPLE_STATEMENT.match(text, pos)
            if fm:
                finish(fm.end())
                pos = start = fm.end()
                last = out[-1] if out else None
                if last and last.copy_data is None and _COPY_FROM_STDIN.match(last.text):
                    pos = start = _attach_copy_data(text, pos, out, path)
                continue
        m = _TOKEN.search(text, pos)
        if m is None:
            break
        tok, at = m.group(), m.start()
        if tok == "--":
            nl = text.find("\n", at)
            pos = n if nl < 0 else nl + 1
        elif tok == "/*":
            pos = _block_comment_end(text, at)
            if pos < 0:
                raise unterminated("/* comment", at)
        elif tok in ("'", '"') or tok in ("E'", "e'"):
            if tok[0] in "Ee" and at > 0 and (text[at - 1].isalnum() or text[at - 1] == "_"):
                pos = at + 1  # the E ends an identifier; the quote is handled next round
                continue
            end_re = {"'": _SINGLE_END, '"': _DOUBLE_END}.get(tok, _ESCAPE_END)
            e = end_re.match(text, m.end())
            if e is None:
                raise unterminated("quoted string" if tok != '"' else "quoted identifier", at)
            pos = e.end()
        elif tok.startswith("$"):
            if at > 0 and (text[at - 1].isalnum() or text[at - 1] in "_$"):
                pos = at + 1  # `$` inside an identifier such as a$b
                continue
            close = text.find(tok, m.end())
            if close < 0:
                raise unterminated(f"dollar-quoted string {tok}", at)
            pos = close + len(tok)
        elif tok == ";":
            finish(at + 1)
            pos = start = at + 1
            last = out[-1] if out else None
            if last and last.copy_data is None and _COPY_FROM_STDIN.match(last.text):
                pos = start = _attach_copy_data(text, pos, out, path)
        else:  # a psql meta-command line: skip it whole
            nl = text.find("\n", at)
            if _skip_noise(text, start) < at:
                raise SQLError(
                    "psql meta-command inside a statement", path=path, line=line_of(at),
                    statement=text[at : nl if nl >= 0 else n], hint="seed files are plain SQL",
                )
            pos = start = n if nl < 0 else nl + 1
    finish(n)
    return out


def _attach_copy_data(text: str, pos: int, out: list[Statement], path: str) -> int:
    """Give the COPY statement just split its data lines (up to ``\\.``); return the resume position."""
    nl = text.find("\n", pos)
    data_start = len(text) if nl < 0 else nl + 1
    m = re.compile(r"^\\\.[ \t]*$", re.M).search(text, data_start)
    if m is None:
        raise SQLError(
            "COPY … FROM stdin data is not terminated by a line '\\.'",
            path=path, line=out[-1].line, statement=out[-1].text,
        )
    last = out[-1]
    out[-1] = Statement(last.text, last.line, text[data_start : m.start()])
    return m.end()


def file_hash(path: Path) -> str:
    """SHA-256 hex digest of the file's bytes (what the Supabase CLI stores)."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def resolve_seed_paths(paths: list[Path | str], root: Path) -> tuple[list[Path], list[str]]:
    """Expand globs relative to ``root`` in the given order; return (files, patterns that matched nothing)."""
    files: list[Path] = []
    unmatched: list[str] = []
    for pattern in paths:
        p = Path(pattern)
        full = p if p.is_absolute() else root / p
        matches = sorted(Path(x) for x in glob.glob(str(full), recursive=True))
        matches = [m for m in matches if m.is_file()]
        if not matches:
            unmatched.append(str(pattern))
        for m in matches:
            if m not in files:
                files.append(m)
    return files, unmatched


def _history_key(file: Path, root: Path) -> str:
    try:
        return file.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return file.resolve().as_posix()


async def run_sql_seeds(
    dsn: str,
    paths: list[Path],
    *,
    root: Path,
    force: bool = False,
    bus: EventBus | None = None,
) -> list[SeedResult]:
    """Run SQL seed files (paths or globs relative to ``root``) that changed since their last run.

    Each file runs in one transaction with its ``supabase_migrations.seed_files`` row; unchanged
    files (same SHA-256) are skipped unless ``force``. A failing statement raises SQLError with
    the file, line and exact statement, and nothing of that file stays applied (files before it
    stay applied and recorded). Patterns matching no file are reported as warnings on the bus.
    """
    bus = bus or NULL_BUS
    files, unmatched = resolve_seed_paths(list(paths), root)
    for pattern in unmatched:
        bus.warning(f"seed path {pattern!r} matched no file")
    results: list[SeedResult] = []
    with bus.operation("db.seed", target=",".join(str(p) for p in paths)) as op:
        try:
            conn = await psycopg.AsyncConnection.connect(dsn)
        except psycopg.OperationalError as e:
            raise UnreachableError(f"cannot connect to the database: {e}".strip()) from e
        async with conn:
            await _ensure_history_table(conn)
            applied = await _applied_hashes(conn)
            for i, file in enumerate(files):
                key = _history_key(file, root)
                data = file.read_bytes() if file.exists() else None
                if data is None:
                    raise NotFoundError(f"seed file {key} disappeared")
                digest = hashlib.sha256(data).hexdigest()
                if not force and applied.get(key) == digest:
                    results.append(SeedResult(key, digest, "skipped"))
                    op.progress(f"{key}: unchanged, skipped", i + 1, len(files), "files")
                    continue
                t0 = time.monotonic()
                text = _decode(data, key)
                statements = split_statements(text, key)
                await _apply_file(conn, key, digest, statements)
                results.append(
                    SeedResult(key, digest, "applied", len(statements), time.monotonic() - t0)
                )
                op.progress(f"{key}: applied", i + 1, len(files), "files")
    return results


def _decode(data: bytes, key: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise SQLError("seed file is not valid UTF-8", path=key, line=line) from e


async def _ensure_history_table(conn: psycopg.AsyncConnection) -> None:
    async with conn.transaction():
        await conn.execute("SET LOCAL lock_timeout = '4s'")
        await conn.execute("SELECT pg_advisory_xact_lock(%s)", (_ADVISORY_KEY,))
        await conn.execute(_CREATE_SCHEMA)
        await conn.execute(_CREATE_TABLE)


async def _applied_hashes(conn: psycopg.AsyncConnection) -> dict[str, str]:
    cur = await conn.execute(
        sql.SQL("SELECT path, hash FROM {}.{}").format(
            sql.Identifier(SEED_SCHEMA), sql.Identifier(SEED_TABLE)
        )
    )
    rows = await cur.fetchall()
    await conn.commit()
    return {p: h for p, h in rows}


def _batches(statements: list[Statement]) -> list[list[Statement]]:
    """Group consecutive plain statements; COPY statements travel alone."""
    batches: list[list[Statement]] = []
    cur: list[Statement] = []
    size = 0
    for st in statements:
        if st.copy_data is not None:
            if cur:
                batches.append(cur)
            batches.append([st])
            cur, size = [], 0
            continue
        cur.append(st)
        size += len(st.text)
        if len(cur) >= _BATCH_STATEMENTS or size >= _BATCH_BYTES:
            batches.append(cur)
            cur, size = [], 0
    if cur:
        batches.append(cur)
    return batches


async def _apply_file(
    conn: psycopg.AsyncConnection, key: str, digest: str, statements: list[Statement]
) -> None:
    runnable = [s for s in statements if not _TX_CONTROL.match(s.text)]
    try:
        async with conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock(%s)", (_ADVISORY_KEY,))
            cur = conn.cursor()
            for batch in _batches(runnable):
                if batch[0].copy_data is not None:
                    await _run_copy(cur, batch[0], key)
                    continue
                try:
                    async with conn.transaction():  # a savepoint: retry one by one on failure
                        await cur.execute("\n".join(s.text for s in batch))
                except psycopg.Error:
                    await _locate_failure(conn, cur, batch, key)
                    raise  # the batch failed but no single statement did: report the batch
            await conn.execute(_UPSERT, (key, digest))
    except psycopg.Error as e:
        raise _sql_error(e, key, None) from e


async def _run_copy(cur: psycopg.AsyncCursor, st: Statement, key: str) -> None:
    try:
        async with cur.copy(st.text) as copy:
            await copy.write(st.copy_data.encode())
    except psycopg.Error as e:
        raise _sql_error(e, key, st) from e


async def _locate_failure(
    conn: psycopg.AsyncConnection, cur: psycopg.AsyncCursor, batch: list[Statement], key: str
) -> None:
    """Replay a failed batch statement by statement; raise SQLError at the first failure."""
    for st in batch:
        try:
            async with conn.transaction():
                await cur.execute(st.text)
        except psycopg.Error as e:
            raise _sql_error(e, key, st) from e


def _sql_error(e: psycopg.Error, key: str, st: Statement | None) -> StackyardError:
    diag = e.diag
    line = st.line if st else None
    if st and diag.statement_position:
        offset = int(diag.statement_position) - 1
        line = st.line + st.text.count("\n", 0, max(offset, 0))
    copy_line = re.search(r"^COPY [^,]+, line (\d+)", diag.context or "", re.M)
    if st and st.copy_data is not None and copy_line:  # point at the bad data line itself
        line = st.line + st.text.count("\n") + int(copy_line.group(1))
    message = diag.message_primary or str(e).strip()
    hint = diag.message_hint
    if diag.message_detail:
        message += f" ({diag.message_detail})"
    return SQLError(
        f"seed failed: {message}", statement=st.text if st else None, path=key, line=line,
        hint=hint or "fix the statement; nothing of this file was applied",
        sqlstate=diag.sqlstate,
    )
