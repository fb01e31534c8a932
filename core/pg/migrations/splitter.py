"""Split SQL text into statements, the way psql does, with the line each statement starts on.

Understands ``--`` and nested ``/* */`` comments, '' strings (standard conforming), E'' strings
with backslash escapes, "quoted identifiers", dollar quoting with tags ($$, $fn$) and SQL-standard
function bodies (``BEGIN ATOMIC ... END``) whose semicolons do not end the statement. A
backslash at the start of a statement is a psql meta-command: ``\\restrict``/``\\unrestrict``
(written by newer pg_dump) are dropped, any other one is an error because the server cannot run it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ...errors import ExitCode, SQLError

_IDENT_START = re.compile(r"[A-Za-z_\u0080-\uffff]")
_IDENT_CHAR = re.compile(r"[A-Za-z0-9_$\u0080-\uffff]")
_DOLLAR_TAG = re.compile(r"\$([A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$")
_WORD = re.compile(r"[A-Za-z_\u0080-\uffff][A-Za-z0-9_$\u0080-\uffff]*")
# The rest of a string after its opening quote: '' is a quote inside; E'' strings also take \x.
_SINGLE_END = re.compile(r"[^']*(?:''[^']*)*'")
_ESCAPE_END = re.compile(r"[^'\\]*(?:(?:\\.|'')[^'\\]*)*'", re.S)
# Characters that never change the lexer's state: skip runs of them in one step.
_SKIP = re.compile(r"[^\n'\"$;\-/\\]+")
_PLAIN_RUN = re.compile(r"[0-9 \t\r\f\v,()+*<>=!|&%^~?:.\[\]@#]+")
_HEAD_WORDS = 16  # enough words to classify a statement (e.g. ALTER TABLE x DETACH ... CONCURRENTLY)
_SKIPPED_META = ("\\restrict", "\\unrestrict")


@dataclass(frozen=True)
class Statement:
    """One SQL statement: its exact text (no trailing ';'), where it starts and ends (1-based lines)."""

    text: str
    line: int
    end_line: int
    words: tuple[str, ...] = field(default=(), compare=False)
    """First keywords/identifiers, upper-cased, outside comments and strings (for classification)."""
    copy_data: str | None = field(default=None, compare=False)
    """For ``COPY ... FROM stdin``: the data lines that followed it (pg_dump format, up to ``\\.``)."""
    copy_line: int = field(default=0, compare=False)
    """File line of the first data line."""

    @property
    def is_copy_from_stdin(self) -> bool:
        return self.words[:1] == ("COPY",) and "FROM" in self.words and "STDIN" in self.words

    def to_dict(self) -> dict:
        return {"text": self.text, "line": self.line, "end_line": self.end_line}


def _is_create_routine(words: list[str]) -> bool:
    w = words[:5]
    if w[:1] != ["CREATE"]:
        return False
    rest = w[1:]
    if rest[:2] == ["OR", "REPLACE"]:
        rest = rest[2:]
    return rest[:1] in (["FUNCTION"], ["PROCEDURE"])


def split_sql(text: str, *, path: str | None = None, first_line: int = 1) -> list[Statement]:
    """Split ``text`` into statements; ``first_line`` is the file line ``text`` starts on.

    Raises SQLError (with path and line) for an unterminated quote/comment or a psql meta-command.
    """
    out: list[Statement] = []
    n = len(text)
    i = 0
    line = first_line
    start: int | None = None  # offset of the current statement's first token
    start_line = line
    words: list[str] = []
    begin_depth = 0  # BEGIN ATOMIC / CASE nesting inside CREATE FUNCTION|PROCEDURE
    routine = False  # the statement is CREATE FUNCTION/PROCEDURE: every word matters (BEGIN ATOMIC)

    def finish(end: int) -> None:
        nonlocal start, words, begin_depth, routine
        if start is not None:
            body = text[start:end].rstrip()
            out.append(Statement(body, start_line, start_line + body.count("\n"), tuple(words[:_HEAD_WORDS])))
        start, words, begin_depth, routine = None, [], 0, False

    def unterminated(what: str, at_line: int) -> SQLError:
        return SQLError(
            f"unterminated {what} starting here", path=path, line=at_line,
            statement=text[start:][:400] if start is not None else None,
            hint="close it, or check for a stray quote earlier in the file", exit_code=ExitCode.USAGE,
        )

    while i < n:
        if start is not None and not routine and len(words) >= _HEAD_WORDS:
            # Deep inside an ordinary statement (e.g. a long INSERT): jump to the next character
            # that can change the state.
            m = _SKIP.match(text, i)
            if m:
                i = m.end()
                if i >= n:
                    break
        c = text[i]
        if c == "\n":
            line += 1
            i += 1
            continue
        if c in " \t\r\f\v":
            i = _PLAIN_RUN.match(text, i).end() if start is not None else i + 1
            continue
        if c == "-" and text.startswith("--", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
            continue
        if c == "/" and text.startswith("/*", i):
            depth, j, at = 1, i + 2, line
            while depth and j < n:
                if text.startswith("/*", j):
                    depth, j = depth + 1, j + 2
                elif text.startswith("*/", j):
                    depth, j = depth - 1, j + 2
                else:
                    if text[j] == "\n":
                        line += 1
                    j += 1
            if depth:
                raise unterminated("/* comment", at)
            i = j
            continue
        if c == "\\" and start is None:
            j = text.find("\n", i)
            meta = text[i : n if j < 0 else j].strip()
            if meta.split()[0] in _SKIPPED_META:
                i = n if j < 0 else j
                continue
            raise SQLError(
                f"psql meta-command {meta.split()[0]!r} is not SQL", path=path, line=line, statement=meta,
                hint="migrations are sent to the server as SQL; remove psql backslash commands",
                exit_code=ExitCode.USAGE,
            )
        if c == ";":
            if begin_depth > 0:
                i += 1
                continue
            finish(i)
            i += 1
            if out and out[-1].is_copy_from_stdin and out[-1].copy_data is None:
                i, line = _attach_copy_data(text, i, line, out, path)
            continue
        # Anything else starts or continues a statement.
        if start is None:
            start, start_line = i, line
        if c == "'":
            # E'...' takes backslash escapes; the E was read as a word (or skipped) just before
            backslash = i > 0 and text[i - 1] in "eE" and not _prev_is_ident(text, i - 1)
            m = (_ESCAPE_END if backslash else _SINGLE_END).match(text, i + 1)
            if m is None:
                raise unterminated("string", line)
            line += text.count("\n", i, m.end())
            i = m.end()
            continue
        if c == '"':
            j, at = i + 1, line
            while True:
                k = text.find('"', j)
                if k < 0:
                    raise unterminated('"quoted identifier', at)
                line += text.count("\n", j, k)
                if text.startswith('"', k + 1):
                    j = k + 2
                    continue
                break
            if len(words) < _HEAD_WORDS:
                words.append(text[i : k + 1])
            i = k + 1
            continue
        if c == "$" and not _prev_is_ident(text, i):
            m = _DOLLAR_TAG.match(text, i)
            if m:
                tag = m.group(0)
                k = text.find(tag, m.end())
                if k < 0:
                    raise unterminated(f"dollar-quoted string {tag}", line)
                line += text.count("\n", i, k)
                i = k + len(tag)
                continue
        if _IDENT_START.match(c) and not _prev_is_ident(text, i):
            m = _WORD.match(text, i)
            assert m is not None
            w = m.group(0).upper()
            if w == "E" and text.startswith("'", m.end()):
                i = m.end()  # the prefix of an E'' string, not a word
                continue
            if len(words) < _HEAD_WORDS:
                words.append(w)
            routine = _is_create_routine(words)
            if routine:
                if w in ("BEGIN", "CASE") and len(words) > 1:
                    begin_depth += 1
                elif w == "END" and begin_depth > 0:
                    begin_depth -= 1
            elif begin_depth:
                begin_depth = 0
            i = m.end()
            continue
        m = _PLAIN_RUN.match(text, i)
        i = m.end() if m else i + 1
    finish(n)
    return out


def _attach_copy_data(text: str, i: int, line: int, out: list[Statement], path: str | None) -> tuple[int, int]:
    """Data of ``COPY ... FROM stdin;`` starts on the next line and ends at a line ``\\.``."""
    nl = text.find("\n", i)
    if nl < 0 or text[i:nl].strip():
        raise SQLError("COPY ... FROM stdin must be followed by its data on the next lines",
                       path=path, line=line, statement=out[-1].text, exit_code=ExitCode.USAGE)
    begin = nl + 1
    end = begin if text.startswith("\\.", begin) else text.find("\n\\.", nl)
    if end < 0:
        raise SQLError("COPY ... FROM stdin data is not terminated by a line '\\.'", path=path, line=line + 1,
                       statement=out[-1].text, exit_code=ExitCode.USAGE)
    if end > begin:
        end += 1  # keep the data's last newline
    stmt = out[-1]
    out[-1] = Statement(stmt.text, stmt.line, stmt.end_line, stmt.words, text[begin:end], line + 1)
    after = text.find("\n", end)
    resume = len(text) if after < 0 else after
    return resume, line + 1 + text.count("\n", begin, end)


def _prev_is_ident(text: str, i: int) -> bool:
    return i > 0 and bool(_IDENT_CHAR.match(text[i - 1]))
