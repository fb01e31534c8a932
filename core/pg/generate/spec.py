"""The generator spec file (YAML): parsing with line/column marks and shape validation.

Shape::

    schema: public            # default schema for unqualified table names
    locale: en_US             # Faker locale
    rows: 100                 # default row count per table
    tables:
      users:
        rows: 1000
        columns:
          email: {faker: email}
          role: {choices: {admin: 1, member: 9}}
          org_id: {ref: organizations.id}

Checks against the live schema (tables, columns, references) happen in ``plan.py`` and use
the marks kept here, so every error points at file:line:col.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from faker import Faker

from core.errors import ConfigError

GENERATOR_KEYS = ("faker", "choices", "range", "sequence", "ref", "sql", "value", "default")
OPTION_KEYS = ("args", "kwargs", "null_fraction", "unique", "pool", "decimals")
TABLE_KEYS = ("rows", "columns")
TOP_KEYS = ("schema", "locale", "rows", "tables")


@dataclass(frozen=True)
class Mark:
    path: str
    line: int
    col: int

    def error(self, message: str, hint: str | None = None) -> ConfigError:
        return ConfigError(message, path=self.path, line=self.line, col=self.col, hint=hint)


class _MarkedDict(dict):
    """A dict that remembers where each key and value sat in the YAML file."""

    mark: Any = None
    key_marks: dict
    value_marks: dict


class _Loader(yaml.SafeLoader):
    pass


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> _MarkedDict:
    loader.flatten_mapping(node)
    d = _MarkedDict()
    d.mark, d.key_marks, d.value_marks = node.start_mark, {}, {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:
            raise yaml.constructor.ConstructorError(
                None, None, "a mapping key must be a plain value", key_node.start_mark
            ) from None
        d[key] = loader.construct_object(value_node, deep=True)
        d.key_marks[key], d.value_marks[key] = key_node.start_mark, value_node.start_mark
    return d


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


@dataclass
class ColumnSpec:
    name: str
    kind: str  # one of GENERATOR_KEYS
    arg: Any  # the generator's argument (provider name, choices, range bounds, ...)
    options: dict[str, Any]
    mark: Mark  # where the column's key is
    arg_mark: Mark  # where the generator's argument is


@dataclass
class TableSpec:
    name: str  # as written (maybe unqualified)
    rows: int | None
    columns: dict[str, ColumnSpec]
    mark: Mark


@dataclass
class Spec:
    path: str
    schema: str = "public"
    locale: str | None = None
    rows: int | None = None
    tables: dict[str, TableSpec] = field(default_factory=dict)


def _mark(path: str, m: Any) -> Mark:
    return Mark(path, m.line + 1, m.column + 1) if m is not None else Mark(path, 1, 1)


def _unknown_key(path: str, d: _MarkedDict, allowed: tuple[str, ...], what: str) -> None:
    for key in d:
        if key not in allowed:
            close = difflib.get_close_matches(str(key), allowed, n=1)
            hint = f"did you mean {close[0]!r}?" if close else "allowed: " + ", ".join(allowed)
            raise _mark(path, d.key_marks[key]).error(f"unknown {what} key {key!r}", hint)


def _rows(path: str, d: _MarkedDict, key: str) -> int | None:
    if key not in d or d[key] is None:
        return None
    v = d[key]
    if isinstance(v, bool) or not isinstance(v, int) or v < 0:
        raise _mark(path, d.value_marks[key]).error(
            f"rows must be a non-negative integer, got {v!r}"
        )
    return v


def load_spec(spec_path: Path) -> Spec:
    """Parse and shape-check a spec file; ConfigError with file:line:col on any problem."""
    path = str(spec_path)
    try:
        text = spec_path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError("spec file not found", path=path, hint="check the path") from None
    try:
        doc = yaml.load(text, Loader=_Loader)
    except yaml.MarkedYAMLError as e:
        m = e.problem_mark or e.context_mark
        raise ConfigError(
            f"invalid YAML: {e.problem or e.context}", path=path,
            line=m.line + 1 if m else None, col=m.column + 1 if m else None,
        ) from None
    if not isinstance(doc, _MarkedDict):
        raise ConfigError("a spec must be a mapping with a 'tables' key", path=path, line=1, col=1)
    _unknown_key(path, doc, TOP_KEYS, "spec")
    spec = Spec(path, str(doc.get("schema") or "public"), doc.get("locale"), _rows(path, doc, "rows"))
    if spec.locale is not None:
        try:
            Faker(spec.locale)
        except AttributeError:
            raise _mark(path, doc.value_marks["locale"]).error(
                f"unknown Faker locale {spec.locale!r}", "e.g. en_US, de_DE, fr_FR, ja_JP"
            ) from None
    tables = doc.get("tables")
    if not isinstance(tables, _MarkedDict) or not tables:
        m = doc.value_marks.get("tables", doc.mark)
        raise _mark(path, m).error("'tables' must be a non-empty mapping of table name → settings")
    for tname, tdoc in tables.items():
        tmark = _mark(path, tables.key_marks[tname])
        if tdoc is None:
            tdoc = _MarkedDict()
            tdoc.mark, tdoc.key_marks, tdoc.value_marks = None, {}, {}
        if not isinstance(tdoc, _MarkedDict):
            raise _mark(path, tables.value_marks[tname]).error(
                f"table {tname!r}: expected a mapping with 'rows' and/or 'columns'"
            )
        _unknown_key(path, tdoc, TABLE_KEYS, "table")
        columns: dict[str, ColumnSpec] = {}
        cdoc = tdoc.get("columns") or _MarkedDict()
        if not isinstance(cdoc, _MarkedDict):
            raise _mark(path, tdoc.value_marks["columns"]).error(
                f"table {tname!r}: 'columns' must be a mapping of column → generator"
            )
        for cname, gdoc in cdoc.items():
            columns[str(cname)] = _column_spec(path, str(cname), gdoc, cdoc)
        spec.tables[str(tname)] = TableSpec(str(tname), _rows(path, tdoc, "rows"), columns, tmark)
    return spec


def _column_spec(path: str, name: str, gdoc: Any, parent: _MarkedDict) -> ColumnSpec:
    key_mark = _mark(path, parent.key_marks[name])
    if not isinstance(gdoc, _MarkedDict):
        raise _mark(path, parent.value_marks[name]).error(
            f"column {name!r}: expected a generator mapping such as {{faker: email}}",
            "generators: " + ", ".join(GENERATOR_KEYS),
        )
    _unknown_key(path, gdoc, GENERATOR_KEYS + OPTION_KEYS, "column")
    kinds = [k for k in gdoc if k in GENERATOR_KEYS]
    if len(kinds) != 1:
        raise key_mark.error(
            f"column {name!r}: name exactly one generator, got {len(kinds)}",
            "generators: " + ", ".join(GENERATOR_KEYS),
        )
    kind = kinds[0]
    arg, arg_mark = gdoc[kind], _mark(path, gdoc.value_marks[kind])
    options = {k: gdoc[k] for k in gdoc if k in OPTION_KEYS}
    _check_generator(kind, arg, options, arg_mark, name)
    nf = options.get("null_fraction", 0)
    if isinstance(nf, bool) or not isinstance(nf, (int, float)) or not 0 <= nf <= 1:
        raise _mark(path, gdoc.value_marks["null_fraction"]).error(
            f"column {name!r}: null_fraction must be a number between 0 and 1"
        )
    return ColumnSpec(name, kind, arg, options, key_mark, arg_mark)


@functools.lru_cache(maxsize=1)
def _faker() -> Faker:
    """One Faker to check provider names against (built on first use: it takes ~0.1 s)."""
    return Faker()


def _check_generator(kind: str, arg: Any, options: dict, mark: Mark, name: str) -> None:
    """Shape checks that need no database."""
    if kind == "faker":
        if not isinstance(arg, str) or arg.startswith("_") or not callable(getattr(_faker(), arg, None)):
            close = difflib.get_close_matches(str(arg), dir(_faker()), n=3)
            raise mark.error(
                f"column {name!r}: unknown Faker provider {arg!r}",
                ("did you mean " + " or ".join(close) + "?") if close
                else "see https://faker.readthedocs.io/en/master/providers.html",
            )
        if not isinstance(options.get("args", []), list) or not isinstance(options.get("kwargs", {}), dict):
            raise mark.error(f"column {name!r}: 'args' must be a list and 'kwargs' a mapping")
    elif kind == "choices":
        if isinstance(arg, dict):
            if not arg or not all(isinstance(w, (int, float)) and w >= 0 for w in arg.values()):
                raise mark.error(f"column {name!r}: choices weights must be non-negative numbers")
            if not any(arg.values()):
                raise mark.error(f"column {name!r}: at least one choice needs a weight above 0")
        elif not isinstance(arg, list) or not arg:
            raise mark.error(
                f"column {name!r}: choices must be a non-empty list or a mapping value → weight"
            )
    elif kind == "range":
        parse_range(arg, mark, name)
    elif kind == "sequence":
        if not (arg is None or isinstance(arg, int) or isinstance(arg, dict)):
            raise mark.error(f"column {name!r}: sequence takes a start number or {{start, step, format}}")
        if isinstance(arg, dict):
            bad = set(arg) - {"start", "step", "format"}
            if bad:
                raise mark.error(f"column {name!r}: unknown sequence keys {sorted(bad)}")
            fmt = arg.get("format")
            if fmt is not None:
                try:
                    str(fmt).format(1)
                except (IndexError, KeyError, ValueError) as e:
                    raise mark.error(f"column {name!r}: bad sequence format {fmt!r}: {e}",
                                     "use a Python format with one field, e.g. 'INV-{:05d}'") from None
    elif kind == "ref":
        if not isinstance(arg, str) or "." not in arg:
            raise mark.error(f"column {name!r}: ref must be 'table.column'", "e.g. ref: users.id")
    elif kind == "sql":
        if not isinstance(arg, str) or not arg.strip():
            raise mark.error(f"column {name!r}: sql must be a non-empty SQL expression")


def parse_range(arg: Any, mark: Mark, name: str) -> tuple[Any, Any]:
    """[low, high] or {min, max}: ints, floats, dates or datetimes (ISO strings work too)."""
    if isinstance(arg, dict):
        bad = set(arg) - {"min", "max"}
        if bad or "min" not in arg or "max" not in arg:
            raise mark.error(f"column {name!r}: range needs min and max", "e.g. range: [1, 100]")
        low, high = arg["min"], arg["max"]
    elif isinstance(arg, list) and len(arg) == 2:
        low, high = arg
    else:
        raise mark.error(f"column {name!r}: range must be [low, high] or {{min, max}}")
    low, high = _as_bound(low), _as_bound(high)
    numeric = (int, float)
    same = (isinstance(low, numeric) and isinstance(high, numeric) and not isinstance(low, bool)) or (
        type(low) is type(high) and isinstance(low, (dt.date, dt.datetime))
    )
    if not same:
        raise mark.error(f"column {name!r}: range bounds must be two numbers, dates or datetimes")
    if low > high:
        raise mark.error(f"column {name!r}: range low {low} is above high {high}")
    return low, high


def _as_bound(v: Any) -> Any:
    if isinstance(v, str):
        for parse in (dt.date.fromisoformat, dt.datetime.fromisoformat):
            try:
                return parse(v)
            except ValueError:
                pass
    return v
