"""Make generated rows satisfy unique constraints, with bounded effort and clear failures.

Order of attempts for each unique column set:
1. If the generators' value spaces are known and too small for the row count, fail at once.
2. If every generator has an enumerable value space, sample without replacement (exact).
3. Otherwise walk the rows: a duplicate is decorated (text: ``anna@x.org`` → ``anna7@x.org``)
   or redrawn a bounded number of times; when that fails the value space is exhausted.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from core.errors import UsageError

from .generators import NullableGen
from .plan import Field, TablePlan

_REDRAWS = 25
_DECORATIONS = 1000


def _error(plan: TablePlan, cols: tuple[str, ...], message: str) -> UsageError:
    where = f"{plan.table.display}({', '.join(cols)})"
    return UsageError(
        f"cannot generate {plan.rows} unique value(s) for {where}: {message}",
        hint="widen the generator (a bigger range, more choices, a sequence, a Faker provider with "
        "more variety) or ask for fewer rows",
    )


def enforce_unique(
    plan: TablePlan, values: dict[int, list[Any]], existing: dict[tuple[str, ...], set[tuple]]
) -> None:
    """Rewrite ``values`` (per field index) in place so every unique set holds distinct keys."""
    for cols in plan.unique_sets:
        fields = _fields_for(plan, cols)
        seen = set(existing.get(cols, ()))
        _check_capacity(plan, cols, fields, len(seen))
        if not seen and _sample_exact(plan, fields, values):
            continue
        _dedupe(plan, cols, fields, values, seen)


def _fields_for(plan: TablePlan, cols: tuple[str, ...]) -> list[tuple[int, Field]]:
    out = []
    for i, f in enumerate(plan.fields):
        if not f.deferred and set(f.columns) & set(cols):
            out.append((i, f))
    return out


def _check_capacity(plan: TablePlan, cols: tuple[str, ...], fields: list[tuple[int, Field]], taken: int) -> None:
    sizes = [f.gen.cardinality for _, f in fields]
    if any(s is None for s in sizes):
        return
    capacity = math.prod(sizes)  # type: ignore[arg-type]
    if capacity - taken < plan.rows:
        detail = f"the generator{'s' if len(fields) > 1 else ''} can produce at most {capacity} distinct value(s)"
        if taken:
            detail += f" and {taken} are already in the table"
        raise _error(plan, cols, detail)


def _sample_exact(plan: TablePlan, fields: list[tuple[int, Field]], values: dict[int, list[Any]]) -> bool:
    """Sample distinct combinations from the product of enumerable domains; False if not possible."""
    domains: list[Sequence[Any]] = []
    for _, f in fields:
        d = f.gen.domain()
        if d is None or isinstance(f.gen, NullableGen):
            return False
        domains.append(d)
    total = math.prod(len(d) for d in domains)
    rng = fields[0][1].gen.rng
    picks = rng.sample(range(total), plan.rows)
    for (i, _), d in zip(fields, domains):
        size = len(d)
        column = [d[p % size] for p in picks]
        picks = [p // size for p in picks]
        values[i] = column
    return True


def _key(values: dict[int, list[Any]], fields: list[tuple[int, Field]], cols: tuple[str, ...], row: int) -> tuple:
    parts: dict[str, Any] = {}
    for i, f in fields:
        v = values[i][row]
        if len(f.columns) == 1:
            parts[f.columns[0]] = v
        else:
            for c, x in zip(f.columns, v if v is not None else (None,) * len(f.columns)):
                parts[c] = x
    return tuple(parts[c] for c in cols)


def _dedupe(
    plan: TablePlan, cols: tuple[str, ...], fields: list[tuple[int, Field]],
    values: dict[int, list[Any]], seen: set[tuple],
) -> None:
    decorable = len(fields) == 1 and len(fields[0][1].columns) == 1
    counter = 0
    if decorable:  # the common case: one column, keys are the values themselves
        column = values[fields[0][0]]
        for row, v in enumerate(column):
            if v is None:
                continue  # NULLs never collide in a unique index
            key = (v,)
            if key in seen:
                key, counter = _fix_row(plan, cols, fields, values, seen, row, decorable, counter)
            seen.add(key)
        return
    for row in range(plan.rows):
        key = _key(values, fields, cols, row)
        if None in key:
            continue
        if key in seen:
            key, counter = _fix_row(plan, cols, fields, values, seen, row, decorable, counter)
        seen.add(key)


def _fix_row(
    plan: TablePlan, cols: tuple[str, ...], fields: list[tuple[int, Field]],
    values: dict[int, list[Any]], seen: set[tuple], row: int, decorable: bool, counter: int,
) -> tuple[tuple, int]:
    """Replace row's duplicate key; returns (new key, decoration counter to continue from)."""
    if decorable:
        i, f = fields[0]
        original = values[i][row]
        k = counter
        for _ in range(_DECORATIONS):
            k += 1
            variant = f.gen.decorate(original, k)
            if variant is None:
                break
            if (variant,) not in seen:
                values[i][row] = variant
                return (variant,), k
    for _ in range(_REDRAWS):
        for i, f in fields:
            values[i][row] = f.gen.draw(1)[0]
        key = _key(values, fields, cols, row)
        if None in key or key not in seen:
            return key, counter
    raise _error(plan, cols, f"only {row} distinct value(s) were found after {_REDRAWS} redraws per row")
