"""Pick a generator for a column the spec does not name: name heuristics, then the type.

Simple CHECK constraints (``x >= 0``, ``x BETWEEN``-style AND pairs, ``x IN (...)``) narrow
what is generated; anything more complex is left for Postgres to verify.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal

from .generators import (
    ArrayGen, ChoicesGen, DateRangeGen, DateTimeRangeGen, FakerGen, FloatRangeGen, Generator,
    IntRangeGen, JsonGen, UUIDGen, derive_rng,
)
from .schema import Column, Table

_INT_LIMITS = {"int2": (-(2**15), 2**15 - 1), "int4": (-(2**31), 2**31 - 1), "int8": (-(2**63), 2**63 - 1)}
_TODAY = dt.date(2025, 1, 1)  # fixed, so the same seed gives the same dates next year too
_PAST = dt.datetime(2022, 1, 1)
_NOW = dt.datetime(2025, 1, 1)

# (regex on the column name, Faker provider) — first match wins; only for text-like columns.
_TEXT_BY_NAME: list[tuple[str, str]] = [
    (r"e_?mail", "email"),
    (r"first_?name|given_?name|forename", "first_name"),
    (r"last_?name|surname|family_?name", "last_name"),
    (r"full_?name|display_?name|author|contact_?name", "name"),
    (r"user_?name|login|handle|nick", "user_name"),
    (r"phone|mobile|tel(ephone)?$|fax", "phone_number"),
    (r"avatar|image|photo|picture|logo", "image_url"),
    (r"url|website|homepage|link", "url"),
    (r"city|town", "city"),
    (r"country_?code", "country_code"),
    (r"country", "country"),
    (r"(street_?)?address|street", "street_address"),
    (r"zip|postal|postcode", "postcode"),
    (r"state|region|province", "state"),
    (r"company|organi[sz]ation|employer", "company"),
    (r"job|occupation|position", "job"),
    (r"^title$|headline|subject", "sentence"),
    (r"description|summary|about|bio|body|content|comment|message|notes?|text", "paragraph"),
    (r"slug", "slug"),
    (r"colou?r", "color_name"),
    (r"currency", "currency_code"),
    (r"locale|lang(uage)?", "locale"),
    (r"ip(_?addr(ess)?)?$", "ipv4"),
    (r"password|hash|token|secret", "sha256"),
    (r"iban", "iban"),
    (r"sku|code|ref(erence)?$", "ean8"),
]
_PERSON_TABLES = re.compile(r"user|person|people|customer|member|author|employee|contact|profile|account")
_ORG_TABLES = re.compile(r"org|compan|team|tenant|workspace|vendor|supplier")
_CHECK_BOUND = re.compile(
    r"\(*\s*\"?(?P<col>[A-Za-z_][\w$]*)\"?\s*(?P<op>>=|<=|>|<)\s*\(*\s*'?(?P<num>-?\d+(?:\.\d+)?)'?\s*\)*"
    r"(?:::[\w ]+)?\)*"
)
_CHECK_ANY = re.compile(r"\(*\s*\"?(?P<col>[A-Za-z_][\w$]*)\"?\s*(?:::\w+)?\s*=\s*ANY\s*\(\s*(?:\()?ARRAY\[(?P<items>.*?)\]")
_ARRAY_ITEM = re.compile(r"'((?:[^']|'')*)'(?:::[\w ]+)?|(-?\d+(?:\.\d+)?)")


@dataclass
class CheckHints:
    """What simple CHECKs say about one column."""

    low: Decimal | None = None
    high: Decimal | None = None
    low_strict: bool = False
    high_strict: bool = False
    choices: list | None = None


def parse_checks(table: Table) -> tuple[dict[str, CheckHints], list[tuple[str, str]]]:
    """Per-column hints from CHECK constraints, and the constraints that were not understood."""
    hints: dict[str, CheckHints] = {}
    not_understood: list[tuple[str, str]] = []
    for name, definition in table.checks:
        body = definition.removeprefix("CHECK ").strip()
        understood = False
        m = _CHECK_ANY.search(body)
        if m and " OR " not in body.upper():
            items = [a if a is not None and b == "" else (b or a)
                     for a, b in _ARRAY_ITEM.findall(m.group("items"))]
            h = hints.setdefault(m.group("col"), CheckHints())
            h.choices = [i.replace("''", "'") for i in items]
            understood = True
        elif " OR " not in body.upper():
            parts = re.split(r"\bAND\b", body, flags=re.I)
            bounds = [_CHECK_BOUND.fullmatch(p.strip()) for p in parts]
            if bounds and all(bounds):
                for b in bounds:
                    h = hints.setdefault(b.group("col"), CheckHints())
                    v, op = Decimal(b.group("num")), b.group("op")
                    if op in (">", ">="):
                        h.low, h.low_strict = v, op == ">"
                    else:
                        h.high, h.high_strict = v, op == "<"
                understood = True
        if not understood:
            not_understood.append((name, definition))
    return hints, not_understood


def _int_bounds(col: Column, default: tuple[int, int], h: CheckHints | None) -> tuple[int, int]:
    lo, hi = default
    tlo, thi = _INT_LIMITS.get(col.base, (-(2**31), 2**31 - 1))
    if h and h.low is not None:
        clo = int(h.low) + (1 if h.low_strict or h.low != int(h.low) else 0)
        lo = max(lo, clo) if lo >= clo else clo
        if hi < lo:
            hi = lo + (default[1] - default[0])
    if h and h.high is not None:
        chi = int(h.high) - (1 if h.high_strict else 0)
        hi = min(hi, chi)
        if lo > hi:
            lo = max(hi - (default[1] - default[0]), int(h.low) if h and h.low is not None else -(2**31))
    return max(lo, tlo), min(hi, thi)


def _int_default_range(name: str) -> tuple[int, int]:
    if re.search(r"age$", name):
        return 18, 90
    if re.search(r"year", name):
        return 1990, 2025
    if re.search(r"priority|rank|level|rating|stars", name):
        return 1, 5
    if re.search(r"qty|quantity|count|num|amount|size|stock", name):
        return 0, 100
    return 1, 10_000


def _faker(seed: int, table: Table, col: Column, provider: str, locale: str | None) -> FakerGen:
    return FakerGen(derive_rng(seed, table.key, col.name), provider, locale=locale)


def infer_generator(
    seed: int, table: Table, col: Column, hints: dict[str, CheckHints], locale: str | None
) -> Generator | None:
    """A generator for ``col`` from its name, type and simple checks; None when unknown."""
    rng = derive_rng(seed, table.key, col.name)
    name, base = col.name.lower(), col.base
    h = hints.get(col.name)
    if col.enum_labels:
        return ChoicesGen(rng, list(col.enum_labels))
    if h and h.choices:
        return ChoicesGen(rng, list(h.choices))
    if base in ("text", "varchar", "bpchar", "citext", "name"):
        return _infer_text(seed, table, col, locale)
    if base in _INT_LIMITS:
        return IntRangeGen(rng, *_int_bounds(col, _int_default_range(name), h))
    if base in ("numeric", "float4", "float8", "money"):
        lo, hi = (Decimal(1), Decimal(1000)) if re.search(r"price|cost|amount|total|fee|salary|balance", name) else (Decimal(0), Decimal(100))
        if re.search(r"lat(itude)?$", name):
            lo, hi = Decimal(-90), Decimal(90)
        elif re.search(r"lng|lon(gitude)?$", name):
            lo, hi = Decimal(-180), Decimal(180)
        if h and h.low is not None:
            lo = max(lo, h.low) if hi >= h.low else h.low
            hi = max(hi, lo)
        if h and h.high is not None:
            hi = min(hi, h.high)
            lo = min(lo, hi)
        decimals = col.numeric_scale if col.numeric_scale is not None else 2
        if col.numeric_precision:
            cap = Decimal(10) ** (col.numeric_precision - decimals) - 1
            hi, lo = min(hi, cap), max(lo, -cap)
        if h and h.low_strict and lo == h.low:
            lo += Decimal(1).scaleb(-decimals)
        if h and h.high_strict and hi == h.high:
            hi -= Decimal(1).scaleb(-decimals)
        if base in ("float4", "float8"):
            return FloatRangeGen(rng, float(lo), float(hi), None)
        return FloatRangeGen(rng, float(lo), float(hi), decimals)
    if base == "bool":
        return ChoicesGen(rng, [True, False])
    if base == "uuid":
        return UUIDGen(rng)
    if base in ("json", "jsonb"):
        return JsonGen(rng)
    if base == "date":
        if re.search(r"birth|dob", name):
            return DateRangeGen(rng, dt.date(1950, 1, 1), dt.date(2005, 12, 31))
        return DateRangeGen(rng, _PAST.date(), _TODAY)
    if base in ("timestamp", "timestamptz"):
        return DateTimeRangeGen(rng, _PAST, _NOW, aware=base == "timestamptz")
    if base in ("inet", "cidr"):
        return _faker(seed, table, col, "ipv4", locale)
    if base == "time":
        return _faker(seed, table, col, "time_object", locale)
    if base == "interval":
        return _faker(seed, table, col, "time_delta", locale)
    if base == "bytea":
        return _BytesGen(rng)
    if col.category == "A" and col.element_base:
        elem = Column(col.name, col.element_base, col.element_base, "S", False, None, False, False)
        inner = infer_generator(seed, table, elem, {}, locale)
        return ArrayGen(rng, inner) if inner is not None else None
    return None


class _BytesGen(Generator):
    def draw(self, n: int) -> list[bytes]:
        return [self.rng.randbytes(16) for _ in range(n)]


def _infer_text(seed: int, table: Table, col: Column, locale: str | None) -> Generator:
    name = col.name.lower()
    table_name = table.name.lower()
    for pattern, provider in _TEXT_BY_NAME:
        if re.search(pattern, name):
            return _faker(seed, table, col, provider, locale)
    if name == "name" or name.endswith("_name"):
        if _ORG_TABLES.search(table_name):
            return _faker(seed, table, col, "company", locale)
        if _PERSON_TABLES.search(table_name):
            return _faker(seed, table, col, "name", locale)
        return _faker(seed, table, col, "catch_phrase", locale)
    if col.max_length is not None and col.max_length < 8:
        return _short_text(seed, table, col)
    return _faker(seed, table, col, "word", locale)


def _short_text(seed: int, table: Table, col: Column) -> Generator:
    rng = derive_rng(seed, table.key, col.name)
    letters = [chr(c) for c in range(ord("a"), ord("z") + 1)]
    if (col.max_length or 1) == 1:
        return ChoicesGen(rng, letters)
    return FakerGen(rng, "pystr", kwargs={"min_chars": 1, "max_chars": col.max_length})
