"""In-place changes for objects other than tables: sequences, types, extensions, functions...

Each `alter_<kind>` returns a `Verdict`: the objects are the same, can be altered with the
given changes, must be dropped and re-created (`replace`), or must be swapped — created
anew beside the renamed old one so that columns can be converted before the old one is
dropped (`swap`, used for enums and domains that tables use).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from core.pg.introspect import ddl
from core.pg.introspect.model import DbObject
from core.pg.schemadiff.changes import Change

_INT_RANK = {"smallint": 1, "integer": 2, "bigint": 3}
_NUMERIC = re.compile(r"^numeric(?:\((\d+),(\d+)\))?$")
_VARCHAR = re.compile(r"^character varying(?:\((\d+)\))?$")


@dataclass
class Verdict:
    mode: str  # same | alter | replace | swap
    changes: list[Change] = field(default_factory=list)


SAME = Verdict("same")
REPLACE = Verdict("replace")
SWAP = Verdict("swap")


def is_widening(old: str, new: str) -> bool:
    """True when every value of type `old` fits `new` unchanged (no narrowing, no data loss)."""
    if old == new:
        return True
    if old in _INT_RANK and new in _INT_RANK:
        return _INT_RANK[new] >= _INT_RANK[old]
    if old in _INT_RANK and _NUMERIC.match(new):
        m = _NUMERIC.match(new)
        return m.group(1) is None or int(m.group(1)) - int(m.group(2)) >= 19
    if (old, new) in {("real", "double precision"), ("character varying", "text"),
                      ("timestamp without time zone", "timestamp with time zone")}:
        return True
    mo, mn = _VARCHAR.match(old), _VARCHAR.match(new)
    if mo and (new == "text" or (mn and (mn.group(1) is None or (
            mo.group(1) is not None and int(mn.group(1)) >= int(mo.group(1)))))):
        return True
    mo, mn = _NUMERIC.match(old), _NUMERIC.match(new)
    if mo and mn:
        if mn.group(1) is None:
            return True
        if mo.group(1) is None:
            return False
        p0, s0, p1, s1 = (int(x) for x in (*mo.groups(), *mn.groups()))
        return s1 >= s0 and p1 - s1 >= p0 - s0
    return False


def _change(obj: DbObject, desc: str, sql: list[str] | str, destructive: bool = False) -> Change:
    return Change("alter", obj.kind, obj.identity, desc, [sql] if isinstance(sql, str) else sql,
                  destructive)


def alter_sequence(a: DbObject, b: DbObject) -> Verdict:
    s, t = a.detail, b.detail
    out = []
    params = ("type", "start", "increment", "min_value", "max_value", "cache", "cycle")
    if any(getattr(s, p) != getattr(t, p) for p in params):
        narrowing = s.type != t.type and not is_widening(s.type, t.type)
        desc = f"sequence {t.qname}: " + ", ".join(
            f"{p} {getattr(s, p)} -> {getattr(t, p)}" for p in params
            if getattr(s, p) != getattr(t, p))
        out.append(_change(b, desc, f"ALTER SEQUENCE {t.qname} {ddl.sequence_options(t)}",
                           narrowing))
    if s.unlogged != t.unlogged:
        word = "UNLOGGED" if t.unlogged else "LOGGED"
        out.append(_change(b, f"sequence {t.qname} becomes {word.lower()}",
                           f"ALTER SEQUENCE {t.qname} SET {word}"))
    return Verdict("alter", out) if out else SAME


def alter_enum(a: DbObject, b: DbObject) -> Verdict:
    old, new = a.detail.labels, b.detail.labels
    if old == new:
        return SAME
    it = iter(new)
    if not all(label in it for label in old):  # removed or reordered labels
        return SWAP
    out, present = [], list(old)
    for i, label in enumerate(new):
        if label in present:
            continue
        where = (f"AFTER {ddl.literal(new[i - 1])}" if i > 0
                 else f"BEFORE {ddl.literal(present[0])}" if present else "")
        out.append(_change(b, f"enum {b.qname}: add value {label!r}",
                           f"ALTER TYPE {b.qname} ADD VALUE {ddl.literal(label)} {where}".rstrip()))
        present.insert(i, label)
    return Verdict("alter", out)


def alter_domain(a: DbObject, b: DbObject) -> Verdict:
    s, t = a.detail, b.detail
    if s == t:
        return SAME
    if s.base_type != t.base_type or s.collation != t.collation:
        return SWAP
    q, out = t.qname, []
    if s.default != t.default:
        sql = f"ALTER DOMAIN {q} SET DEFAULT {t.default}" if t.default is not None \
            else f"ALTER DOMAIN {q} DROP DEFAULT"
        out.append(_change(b, f"default of domain {q}", sql))
    if s.not_null != t.not_null:
        out.append(_change(b, f"nullability of domain {q}",
                           f"ALTER DOMAIN {q} {'SET' if t.not_null else 'DROP'} NOT NULL"))
    for name, check in s.checks.items():
        if t.checks.get(name) != check:
            out.append(_change(b, f"drop check {name} of domain {q}",
                               f"ALTER DOMAIN {q} DROP CONSTRAINT {name}"))
    for name, check in t.checks.items():
        if s.checks.get(name) != check:
            out.append(_change(b, f"add check {name} to domain {q}",
                               f"ALTER DOMAIN {q} ADD CONSTRAINT {name} {check}"))
    return Verdict("alter", out)


def alter_composite(a: DbObject, b: DbObject) -> Verdict:
    s, t = a.detail.attributes, b.detail.attributes
    if s == t:
        return SAME
    if any(name not in t or t[name] != s[name] for name in s):
        # PostgreSQL refuses ALTER/DROP ATTRIBUTE while a column uses the type: swap it.
        return SWAP
    q, out = b.qname, []
    for name, (typ, coll) in t.items():
        if name not in s:
            collate = f" COLLATE {coll}" if coll else ""
            out.append(_change(b, f"add attribute {name} to type {q}",
                               f"ALTER TYPE {q} ADD ATTRIBUTE {name} {typ}{collate}"))
    return Verdict("alter", out)


def alter_extension(a: DbObject, b: DbObject) -> Verdict:
    s, t = a.detail, b.detail
    out = []
    if s.schema != t.schema:
        out.append(_change(b, f"move extension {t.name} to schema {t.schema}",
                           f"ALTER EXTENSION {t.name} SET SCHEMA {t.schema}"))
    if s.version != t.version:
        out.append(_change(b, f"update extension {t.name} {s.version} -> {t.version}",
                           f"ALTER EXTENSION {t.name} UPDATE TO {ddl.literal(t.version)}"))
    return Verdict("alter", out) if out else SAME


def alter_function(a: DbObject, b: DbObject) -> Verdict:
    if a.definition == b.definition:
        return SAME
    if a.detail != b.detail:  # arguments (names, defaults) or result changed
        return REPLACE
    return Verdict("alter", [_change(b, f"replace body of {b.identity}", b.create)])


def alter_text(a: DbObject, b: DbObject) -> Verdict:
    """Comments and grants: re-issue the statement (grants after revoking the old set)."""
    if a.definition == b.definition:
        return SAME
    sql = b.create if b.kind == "comment" else [*a.drop, *b.create]
    return Verdict("alter", [_change(b, f"{b.kind} changed: {b.identity}", sql)])


def alter_collation(a: DbObject, b: DbObject) -> Verdict:
    """Columns keep their collation by oid: swap so they can be moved to the new one."""
    return SAME if a.definition == b.definition else SWAP


def alter_publication(a: DbObject, b: DbObject) -> Verdict:
    all_a, all_b = a.definition[0], b.definition[0]
    if all_a != all_b:
        return REPLACE
    if a.detail == b.detail:
        return SAME
    return Verdict("alter", [_change(b, f"options of {b.identity}",
                                     f"ALTER PUBLICATION {b.qname} SET ({b.detail})")])


def alter_generic(a: DbObject, b: DbObject) -> Verdict:
    return SAME if a.definition == b.definition and a.create == b.create else REPLACE


ALTERS = {
    "sequence": alter_sequence,
    "enum": alter_enum,
    "domain": alter_domain,
    "composite_type": alter_composite,
    "extension": alter_extension,
    "collation": alter_collation,
    "publication": alter_publication,
    "function": alter_function,
    "procedure": alter_function,
    "comment": alter_text,
    "grant": alter_text,
    "default_privilege": alter_text,
}
