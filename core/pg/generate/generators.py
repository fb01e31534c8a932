"""Column value generators. Each draws whole columns at once from its own seeded RNG.

Every generator owns a ``random.Random`` derived from (run seed, table, column), so a table's
values do not depend on which other tables or columns are generated: same seed, same rows.
Values are Python objects psycopg can COPY in text format (JSON is produced as text).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import random
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from faker import Faker

UTC = dt.timezone.utc
DEFAULT_POOL = 1000  # Faker values drawn per column before sampling from them (Faker is slow)


def derive_rng(seed: int, *parts: str) -> random.Random:
    """A RNG that depends only on the run seed and the given names (table, column, ...)."""
    h = hashlib.sha256(":".join([str(seed), *parts]).encode()).digest()
    return random.Random(int.from_bytes(h[:8], "big"))


class Generator:
    """Base: ``draw(n)`` returns n values; ``domain()`` lists all distinct values when finite."""

    def __init__(self, rng: random.Random):
        self.rng = rng

    def draw(self, n: int) -> list[Any]:
        raise NotImplementedError

    def domain(self) -> Sequence[Any] | None:
        return None

    @property
    def cardinality(self) -> int | None:
        d = self.domain()
        return None if d is None else len(d)

    def decorate(self, value: Any, k: int) -> Any | None:
        """A variant of ``value`` made distinct by ``k``, or None when that makes no sense."""
        return None


class ConstantGen(Generator):
    def __init__(self, rng: random.Random, value: Any):
        super().__init__(rng)
        self.value = value

    def draw(self, n: int) -> list[Any]:
        return [self.value] * n

    def domain(self) -> Sequence[Any]:
        return [self.value]


class ChoicesGen(Generator):
    def __init__(self, rng: random.Random, values: list[Any], weights: list[float] | None = None):
        super().__init__(rng)
        self.values, self.weights = list(values), weights

    def draw(self, n: int) -> list[Any]:
        return self.rng.choices(self.values, self.weights, k=n)

    def domain(self) -> Sequence[Any]:
        return self.values


class IntRangeGen(Generator):
    def __init__(self, rng: random.Random, low: int, high: int):
        super().__init__(rng)
        self.low, self.high = low, high

    def draw(self, n: int) -> list[int]:
        r, low, span = self.rng.random, self.low, self.high - self.low + 1
        return [low + int(r() * span) for _ in range(n)]

    def domain(self) -> Sequence[int]:
        return range(self.low, self.high + 1)


class FloatRangeGen(Generator):
    """Uniform numbers in [low, high]; with ``decimals`` they are Decimals rounded to that scale."""

    def __init__(self, rng: random.Random, low: float, high: float, decimals: int | None = None):
        super().__init__(rng)
        self.low, self.high, self.decimals = low, high, decimals

    def draw(self, n: int) -> list[Any]:
        r, low, span = self.rng.random, self.low, self.high - self.low
        if self.decimals is None:
            return [low + r() * span for _ in range(n)]
        # Work on integers of the smallest unit so values never round outside [low, high];
        # values are decimal text (COPY parses it), from a table when the range is small.
        d = self.decimals
        unit = 10**d
        lo, hi = int(-(-Decimal(str(low)) * unit // 1)), int(Decimal(str(self.high)) * unit // 1)
        width = hi - lo + 1
        if width <= 100_000:
            table = [_decimal_text(lo + i, d) for i in range(width)]
            return [table[int(r() * width)] for _ in range(n)]
        return [_decimal_text(lo + int(r() * width), d) for _ in range(n)]


def _decimal_text(k: int, decimals: int) -> str:
    """The number k / 10**decimals written with exactly ``decimals`` digits after the point."""
    if not decimals:
        return str(k)
    q, rem = divmod(abs(k), 10**decimals)
    return f"{'-' if k < 0 else ''}{q}.{rem:0{decimals}d}"


class DateRangeGen(Generator):
    """Dates in [start, end] as ISO text (one string per day of the range, made once)."""

    def __init__(self, rng: random.Random, start: dt.date, end: dt.date):
        super().__init__(rng)
        self.start, self.days = start, (end - start).days + 1
        self._texts: list[str] | None = None

    def domain(self) -> Sequence[str]:
        if self._texts is None:
            self._texts = [(self.start + dt.timedelta(days=d)).isoformat() for d in range(self.days)]
        return self._texts

    def draw(self, n: int) -> list[str]:
        r, days, texts = self.rng.random, self.days, self.domain()
        return [texts[int(r() * days)] for _ in range(n)]


class DateTimeRangeGen(Generator):
    """Timestamps in [start, end] at second resolution, as ISO text (naive or UTC).

    Built from per-day and per-second-of-day string tables: formatting a datetime object per
    row costs more than generating it, and COPY parses the text anyway.
    """

    def __init__(self, rng: random.Random, start: dt.datetime, end: dt.datetime, aware: bool):
        super().__init__(rng)
        start, end = start.replace(tzinfo=None), end.replace(tzinfo=None)
        self.first_day = start.date()
        self.start_offset = start.hour * 3600 + start.minute * 60 + start.second
        self.seconds = int((end - start).total_seconds())
        self.suffix = "+00" if aware else ""

    def draw(self, n: int) -> list[str]:
        r, span, off = self.rng.random, self.seconds + 1, self.start_offset
        days_needed = (off + span) // 86400 + 1
        days = [(self.first_day + dt.timedelta(days=d)).isoformat() + " " for d in range(days_needed)]
        tod, sfx = _time_of_day(), self.suffix
        return [days[(s := off + int(r() * span)) // 86400] + tod[s % 86400] + sfx for _ in range(n)]


_TOD: list[str] = []


def _time_of_day() -> list[str]:
    if not _TOD:
        _TOD.extend(f"{h:02d}:{m:02d}:{s:02d}" for h in range(24) for m in range(60) for s in range(60))
    return _TOD


class SequenceGen(Generator):
    """start, start+step, ... optionally formatted (``"INV-{:05d}"``); continues across draws."""

    def __init__(self, rng: random.Random, start: int = 1, step: int = 1, fmt: str | None = None):
        super().__init__(rng)
        self.next, self.step, self.fmt = start, step, fmt

    def draw(self, n: int) -> list[Any]:
        values = range(self.next, self.next + n * self.step, self.step)
        self.next += n * self.step
        return [self.fmt.format(v) for v in values] if self.fmt else list(values)


class UUIDGen(Generator):
    """Version-4 UUIDs as text (cheaper to make and to COPY than uuid.UUID objects)."""

    def draw(self, n: int) -> list[str]:
        bits = self.rng.getrandbits
        out = []
        for _ in range(n):
            # Set the version (4) and variant (10xx) bits, as uuid.UUID(version=4) does.
            h = "%032x" % ((bits(128) & _UUID_CLEAR) | _UUID_SET)
            out.append(f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}")
        return out


_UUID_CLEAR = ~((0xF000 << 64) | (0xC000 << 48))
_UUID_SET = (0x4000 << 64) | (0x8000 << 48)


class FakerGen(Generator):
    """A Faker provider with args. For speed, large draws sample a pool of ``pool`` values."""

    def __init__(
        self, rng: random.Random, provider: str, args: list | None = None,
        kwargs: dict | None = None, locale: str | None = None, pool: int = DEFAULT_POOL,
        transform: Callable[[Any], Any] | None = None,
    ):
        super().__init__(rng)
        self.fake = Faker(locale) if locale else Faker()
        self.fake.seed_instance(rng.getrandbits(64))
        self.method = getattr(self.fake, provider)
        self.provider = provider
        self.args, self.kwargs, self.pool = args or [], kwargs or {}, pool
        self.transform = transform
        self._pool_values: list[Any] | None = None

    def _call(self, n: int) -> list[Any]:
        m, a, k, t = self.method, self.args, self.kwargs, self.transform
        if t:
            return [t(m(*a, **k)) for _ in range(n)]
        return [m(*a, **k) for _ in range(n)]

    def draw(self, n: int) -> list[Any]:
        if not self.pool or n <= self.pool and self._pool_values is None:
            return self._call(n)
        if self._pool_values is None:
            self._pool_values = self._call(self.pool)
        return self.rng.choices(self._pool_values, k=n)

    def decorate(self, value: Any, k: int) -> Any | None:
        if not isinstance(value, str):
            return None
        if "@" in value and not value.startswith("@"):  # an email: keep it an email
            local, _, domain = value.partition("@")
            return f"{local}{k}@{domain}"
        return f"{value} {k}"


class RefGen(Generator):
    """Values (or tuples, for composite keys) of another table's column(s), set after it loads."""

    def __init__(self, rng: random.Random, table: str, columns: tuple[str, ...]):
        super().__init__(rng)
        self.table, self.columns = table, columns
        self.values: list[Any] | None = None

    def draw(self, n: int) -> list[Any]:
        assert self.values is not None, "parent keys must be loaded first"
        if not self.values:
            return [None] * n
        return self.rng.choices(self.values, k=n)

    def domain(self) -> Sequence[Any] | None:
        return self.values


class SqlGen(Generator):
    """A server-side SQL expression; its values are fetched by the loader before the COPY."""

    def __init__(self, rng: random.Random, expression: str):
        super().__init__(rng)
        self.expression = expression
        self.values: list[Any] = []

    def draw(self, n: int) -> list[Any]:
        out, self.values = self.values[:n], self.values[n:]
        return out + [None] * (n - len(out))


class JsonGen(Generator):
    """Small JSON objects made of words and numbers, as text."""

    def __init__(self, rng: random.Random):
        super().__init__(rng)
        self.words = ["alpha", "beta", "gamma", "delta", "north", "south", "red", "green", "blue"]

    def draw(self, n: int) -> list[str]:
        r, w = self.rng, self.words
        pool = [
            json.dumps({"tag": r.choice(w), "score": r.randint(0, 100), "active": r.random() < 0.5})
            for _ in range(min(n, 500))
        ]
        return pool if n <= 500 else r.choices(pool, k=n)


class ArrayGen(Generator):
    def __init__(self, rng: random.Random, element: Generator, max_items: int = 3):
        super().__init__(rng)
        self.element, self.max_items = element, max_items

    def draw(self, n: int) -> list[list[Any]]:
        sizes = [self.rng.randint(0, self.max_items) for _ in range(n)]
        flat = iter(self.element.draw(sum(sizes)))
        return [[next(flat) for _ in range(s)] for s in sizes]


class NullableGen(Generator):
    """Wraps a generator and replaces a fraction of its values with NULL."""

    def __init__(self, rng: random.Random, inner: Generator, fraction: float):
        super().__init__(rng)
        self.inner, self.fraction = inner, fraction

    def draw(self, n: int) -> list[Any]:
        values = self.inner.draw(n)
        r, f = self.rng.random, self.fraction
        return [None if r() < f else v for v in values]

    def domain(self) -> Sequence[Any] | None:
        return self.inner.domain()

    def decorate(self, value: Any, k: int) -> Any | None:
        return self.inner.decorate(value, k)


class TruncatingGen(Generator):
    """Cuts strings to a varchar(n)/char(n) limit (decorations included)."""

    def __init__(self, rng: random.Random, inner: Generator, limit: int):
        super().__init__(rng)
        self.inner, self.limit = inner, limit

    def draw(self, n: int) -> list[Any]:
        lim = self.limit
        return [v[:lim] if isinstance(v, str) else v for v in self.inner.draw(n)]

    def domain(self) -> Sequence[Any] | None:
        return self.inner.domain()

    def decorate(self, value: Any, k: int) -> Any | None:
        if not isinstance(value, str):
            return None
        suffix = str(k)
        if len(suffix) + 1 >= self.limit:
            return None
        if "@" in value and not value.startswith("@"):
            local, _, domain = value.partition("@")
            keep = max(self.limit - len(domain) - len(suffix) - 1, 1)
            return f"{local[:keep]}{suffix}@{domain}"[: self.limit]
        return value[: self.limit - len(suffix) - 1] + "-" + suffix


def unwrap(gen: Generator) -> Generator:
    """The generator inside NULL/length wrappers."""
    while isinstance(gen, (NullableGen, TruncatingGen)):
        gen = gen.inner
    return gen


def ref_of(gen: Generator) -> RefGen | None:
    """The RefGen inside ``gen`` (possibly wrapped for NULLs), if it is a reference."""
    gen = unwrap(gen)
    return gen if isinstance(gen, RefGen) else None
