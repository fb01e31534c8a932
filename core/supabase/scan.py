"""Pre-flight scan of migrations/seeds: what each Supabase-specific construct will get locally.

Run before anything is applied, so ``up`` can fail early naming the file and line that needs a
missing extension, and warn once per approximation. Each finding is classified:

- ``exact``: the real thing (the extension exists on this server);
- ``approximate``: emulated with a known difference (shims, plaintext vault, superuser-only DDL);
- ``stand-in``: present so the SQL applies, but inert (pg_net queues, pg_cron registry, ...);
- ``unsupported``: will fail (missing extension, or a function that raises SQLSTATE SY001).

Comments and string literals are skipped; dollar-quoted bodies are scanned (function bodies
resolve extension functions too).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from .provider import SHIMMABLE, standin_names


class Support(str, Enum):
    EXACT = "exact"
    APPROXIMATE = "approximate"
    STAND_IN = "stand-in"
    UNSUPPORTED = "unsupported"


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    construct: str
    support: Support
    note: str
    hint: str | None = None

    def to_dict(self) -> dict:
        return {"path": self.path, "line": self.line, "construct": self.construct,
                "support": self.support.value, "note": self.note, "hint": self.hint}

    def __str__(self) -> str:
        return f"{self.path}:{self.line}  {self.construct}  {self.support.value}  {self.note}"


_STANDIN_NOTES = {
    "pg_net": (Support.STAND_IN, "pg_net stand-in: requests are queued, never sent"),
    "pg_cron": (Support.STAND_IN, "pg_cron stand-in: jobs are registered, never run"),
    "supabase_vault": (Support.APPROXIMATE, "vault stand-in: secrets stored in plaintext"),
    "pg_graphql": (Support.STAND_IN, "pg_graphql stand-in: graphql.resolve() raises SY001"),
    "pgsodium": (Support.STAND_IN, "pgsodium stand-in: roles only, crypto functions raise SY001"),
    "pgjwt": (Support.EXACT, "pgjwt stand-in: same SQL as upstream (HS256/384/512)"),
    "pgcrypto": (Support.APPROXIMATE, "pgcrypto stand-in: digests/hmac/random exact, crypt/gen_salt/pgp raise SY001"),
    "uuid-ossp": (Support.APPROXIMATE, "uuid-ossp stand-in: v1/v3/v4 work, v5 raises SY001"),
}

_FIX_BUILD = ("run the database on a PostgreSQL build that has it (services.<db>.bin_dir in stackyard.yaml) "
              "or the docker runtime with the Supabase image")

# (regex on code, extension that provides it, support when the extension is missing, note)
_FUNCTION_RULES: list[tuple[re.Pattern, str, Support, str]] = [
    (re.compile(r"\b(crypt|gen_salt)\s*\(", re.I), "pgcrypto", Support.UNSUPPORTED,
     "bcrypt needs OpenSSL-built pgcrypto; the shim raises SY001"),
    (re.compile(r"\b(pgp_sym_encrypt|pgp_sym_decrypt|pgp_pub_encrypt|pgp_pub_decrypt|armor|dearmor)\s*\(", re.I),
     "pgcrypto", Support.UNSUPPORTED, "PGP functions need OpenSSL-built pgcrypto; the shim raises SY001"),
    (re.compile(r"\b(gen_random_bytes|digest|hmac)\s*\(", re.I), "pgcrypto", Support.APPROXIMATE,
     "pgcrypto shim on core functions (sha1 unsupported)"),
    (re.compile(r"\buuid_generate_v5\s*\(", re.I), "uuid-ossp", Support.UNSUPPORTED,
     "needs SHA-1 (uuid-ossp); the shim raises SY001"),
    (re.compile(r"\buuid_generate_v(1|1mc|3|4)\s*\(", re.I), "uuid-ossp", Support.APPROXIMATE,
     "uuid-ossp shim on core functions"),
    (re.compile(r"\bnet\"?\s*\.\s*\"?http_(get|post|delete)\"?\s*\(", re.I), "pg_net", Support.UNSUPPORTED,
     "needs pg_net"),
    (re.compile(r"\bsupabase_functions\"?\s*\.\s*\"?http_request\b", re.I), "pg_net", Support.UNSUPPORTED,
     "database webhooks (supabase_functions.http_request) need pg_net"),
    (re.compile(r"\bcron\"?\s*\.\s*\"?(schedule|unschedule)\"?\s*\(", re.I), "pg_cron", Support.UNSUPPORTED,
     "needs pg_cron"),
    (re.compile(r"\bvault\"?\s*\.\s*\"?(create_secret|update_secret|decrypted_secrets|secrets)\b", re.I),
     "supabase_vault", Support.UNSUPPORTED, "needs supabase_vault"),
    (re.compile(r"\bpgsodium\"?\s*\.\s*\"?\w+", re.I), "pgsodium", Support.UNSUPPORTED, "needs pgsodium"),
    (re.compile(r"\bgraphql\"?\s*\.\s*\"?resolve\"?\s*\(", re.I), "pg_graphql", Support.UNSUPPORTED, "needs pg_graphql"),
    (re.compile(r"\bextensions\"?\s*\.\s*\"?(sign|verify)\"?\s*\(", re.I), "pgjwt", Support.UNSUPPORTED, "needs pgjwt"),
]

_OTHER_RULES: list[tuple[re.Pattern, Support, str, str | None]] = [
    (re.compile(r"\bcreate\s+event\s+trigger\b", re.I), Support.APPROXIMATE,
     "event triggers need a superuser: works locally, fails on hosted Supabase", None),
    (re.compile(r"\balter\s+system\b", re.I), Support.APPROXIMATE,
     "ALTER SYSTEM needs a superuser: works locally, fails on hosted Supabase", None),
    (re.compile(r"\bfor\s+all\s+tables\b", re.I), Support.APPROXIMATE,
     "FOR ALL TABLES publications need a superuser: works locally, fails on hosted Supabase", None),
]

_CREATE_EXT = re.compile(
    r"\bcreate\s+extension\s+(?:if\s+not\s+exists\s+)?(\"(?:[^\"]|\"\")+\"|[A-Za-z_][\w$-]*)", re.I
)
_DOLLAR = re.compile(r"\$([A-Za-z_][A-Za-z_0-9]*)?\$")


def mask_sql(text: str) -> str:
    """``text`` with comments and string literals blanked (newlines kept, so lines still match).

    Dollar-quote delimiters are blanked but their content is kept: function bodies are code too.
    Quoted identifiers are kept (extension names like "uuid-ossp" are written that way).
    """
    out = list(text)
    i, n = 0, len(text)

    def blank(a: int, b: int) -> None:
        for k in range(a, min(b, n)):
            if out[k] != "\n":
                out[k] = " "

    while i < n:
        ch = text[i]
        if ch == "-" and text.startswith("--", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            blank(i, j)
            i = j
        elif ch == "/" and text.startswith("/*", i):
            depth, j = 1, i + 2
            while j < n and depth:
                if text.startswith("/*", j):
                    depth, j = depth + 1, j + 2
                elif text.startswith("*/", j):
                    depth, j = depth - 1, j + 2
                else:
                    j += 1
            blank(i, j)
            i = j
        elif ch == "'":
            j = i + 1
            while j < n:
                if text[j] == "'" and text.startswith("''", j):
                    j += 2
                elif text[j] == "'":
                    j += 1
                    break
                elif text[j] == "\\" and i > 0 and text[i - 1] in "eE":
                    j += 2
                else:
                    j += 1
            blank(i, j)
            i = j
        elif ch == '"':
            j = text.find('"', i + 1)
            i = n if j < 0 else j + 1
        elif ch == "$":
            m = _DOLLAR.match(text, i)
            if m and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")):
                blank(i, m.end())
                i = m.end()
            else:
                i += 1
        else:
            i += 1
    return "".join(out)


def _line_at(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


def extension_names_in(files: Iterable[Path]) -> set[str]:
    """Every extension a set of SQL files creates (to probe just those)."""
    names: set[str] = set()
    for f in files:
        code = mask_sql(Path(f).read_text(errors="replace"))
        for m in _CREATE_EXT.finditer(code):
            names.add(_unquote(m.group(1)))
    return names


def _unquote(name: str) -> str:
    return name[1:-1].replace('""', '"') if name.startswith('"') else name.lower()


def scan_migrations(
    files: list[Path],
    available_extensions: set[str],
    *,
    standins: set[str] | frozenset[str] = frozenset(),
    shims: set[str] | frozenset[str] = frozenset(SHIMMABLE),
) -> list[Finding]:
    """Classify the Supabase-specific constructs of ``files`` against what the server provides.

    ``available_extensions``: extensions that can be created (real or stand-in, see
    ``probe_extensions``); ``standins``: which of those are stackyard stand-ins; ``shims``:
    extensions whose functions the bootstrap installs as shims (pgcrypto, uuid-ossp by default).
    """
    findings: list[Finding] = []
    real = set(available_extensions) - set(standins)
    known_standins = set(standin_names())
    for f in files:
        path = str(f)
        raw = Path(f).read_text(errors="replace")
        code = mask_sql(raw)
        for lineno, line in enumerate(raw.splitlines(), 1):
            if line.startswith("\\"):
                findings.append(Finding(path, lineno, line.split()[0], Support.APPROXIMATE,
                                        "psql meta-command: stripped before running (a driver cannot execute it)"))
        for m in _CREATE_EXT.finditer(code):
            name = _unquote(m.group(1))
            line = _line_at(code, m.start())
            construct = f"CREATE EXTENSION {name}"
            if name in real:
                findings.append(Finding(path, line, construct, Support.EXACT, f"{name} is available on this server"))
            elif name in standins:
                support, note = _STANDIN_NOTES.get(name, (Support.STAND_IN, f"{name} stand-in"))
                findings.append(Finding(path, line, construct, support, note))
            else:
                hint = _FIX_BUILD
                if name in known_standins:
                    hint = (f"serve stackyard's stand-in for {name} (extension_control_path, see docs/supabase.md) "
                            f"or {_FIX_BUILD}")
                findings.append(Finding(path, line, construct, Support.UNSUPPORTED,
                                        f'extension "{name}" is not available on this server', hint))
        for rx, ext, missing_support, note in _FUNCTION_RULES:
            for m in rx.finditer(code):
                line = _line_at(code, m.start())
                construct = re.sub(r'[\s"]+', "", m.group(0)).rstrip("(") + "()"
                if ext in real:
                    findings.append(Finding(path, line, construct, Support.EXACT, f"provided by {ext}"))
                elif ext in standins:
                    support, snote = _STANDIN_NOTES.get(ext, (Support.STAND_IN, f"{ext} stand-in"))
                    if missing_support is Support.UNSUPPORTED and ext in SHIMMABLE:
                        support, snote = Support.UNSUPPORTED, note
                    findings.append(Finding(path, line, construct, support, snote))
                elif ext in shims and ext in SHIMMABLE:
                    findings.append(Finding(path, line, construct, missing_support, note,
                                            _FIX_BUILD if missing_support is Support.UNSUPPORTED else None))
                else:
                    findings.append(Finding(path, line, construct, Support.UNSUPPORTED,
                                            f"{note}, which is not available on this server",
                                            f"serve stackyard's stand-in for {ext} or {_FIX_BUILD}"))
        for rx, support, note, hint in _OTHER_RULES:
            for m in rx.finditer(code):
                findings.append(Finding(path, _line_at(code, m.start()), re.sub(r"\s+", " ", m.group(0)),
                                        support, note, hint))
    findings.sort(key=lambda x: (x.path, x.line, x.construct))
    return findings


def summarize(findings: list[Finding]) -> dict[str, int]:
    """Counts per support class (for a one-line summary)."""
    out = {s.value: 0 for s in Support}
    for f in findings:
        out[f.support.value] += 1
    return out


def raise_for_unsupported(findings: list[Finding]) -> None:
    """Raise one SQLError naming the first unsupported construct (file:line) and listing the others.

    Call before applying anything: a Supabase migration that needs a missing extension fails
    early with what to do, instead of halfway through.
    """
    from ..errors import SQLError

    bad = [f for f in findings if f.support is Support.UNSUPPORTED]
    if not bad:
        return
    first = bad[0]
    more = "".join(f"\n  {f}" for f in bad[1:8]) + (f"\n  ... {len(bad) - 8} more" if len(bad) > 8 else "")
    raise SQLError(
        f"{first.construct}: {first.note}" + (f"\nalso unsupported here:{more}" if more else ""),
        path=first.path,
        line=first.line,
        hint=first.hint,
    )


def strip_psql_meta(text: str) -> str:
    """Blank psql meta-command lines (``\\restrict`` from newer pg_dump, ...), keeping line numbers."""
    return "\n".join("" if line.startswith("\\") else line for line in text.split("\n"))
