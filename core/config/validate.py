"""Validate plain data against a pydantic model; map errors back to file:line:col with hints."""

from __future__ import annotations

import difflib
import typing
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from ..errors import ConfigError
from .yamlpos import Positions

M = TypeVar("M", bound=BaseModel)


def _unwrap(tp: Any) -> Any:
    while typing.get_origin(tp) is typing.Annotated:
        tp = typing.get_args(tp)[0]
    return tp


def _members(tp: Any) -> list[Any]:
    tp = _unwrap(tp)
    if typing.get_origin(tp) in (typing.Union, getattr(__import__("types"), "UnionType", None)):
        return [_unwrap(a) for a in typing.get_args(tp) if a is not type(None)]
    return [tp]


def _model_at(model: type[BaseModel], loc: tuple) -> tuple[type[BaseModel] | None, tuple]:
    """Follow a pydantic error loc through the model; return the model owning the last key."""
    tp: Any = model
    i = 0
    while i < len(loc):
        members = _members(tp)
        models = [m for m in members if isinstance(m, type) and issubclass(m, BaseModel)]
        if len(models) > 1:  # discriminated union: the loc names the tag
            tag = loc[i]
            chosen = [m for m in models if tag in _kind_values(m)]
            if not chosen:
                return None, ()
            tp, i = chosen[0], i + 1
            continue
        if models:
            m = models[0]
            if i == len(loc) - 1:
                return m, loc
            field = m.model_fields.get(loc[i])
            if field is None:
                return m, loc
            tp, i = field.annotation, i + 1
            continue
        origin = typing.get_origin(_unwrap(members[0])) if members else None
        if origin in (dict, list, tuple) or origin is typing.Union:
            args = typing.get_args(_unwrap(members[0]))
            tp, i = (args[-1] if args else Any), i + 1
            continue
        return None, ()
    return (tp if isinstance(tp, type) and issubclass(tp, BaseModel) else None), loc


def _kind_values(m: type[BaseModel]) -> list[str]:
    f = m.model_fields.get("kind")
    if f is None:
        return []
    return list(typing.get_args(f.annotation))


def _data_loc(loc: tuple, data: Any) -> tuple:
    """Drop union tags from a pydantic loc so it addresses the YAML document."""
    out, cur = [], data
    for i, part in enumerate(loc):
        if isinstance(cur, dict) and part in cur:
            out.append(part)
            cur = cur[part]
        elif isinstance(cur, list) and isinstance(part, int) and part < len(cur):
            out.append(part)
            cur = cur[part]
        elif i == len(loc) - 1:
            out.append(part)  # a missing key
        # else: a discriminator tag pydantic inserted; not in the document
    return tuple(out)


def _fmt_loc(loc: tuple) -> str:
    return ".".join(str(p) for p in loc) or "(top level)"


def validate(model: type[M], data: Any, pos: Positions) -> M:
    """``model.model_validate(data)`` with errors as ConfigError(path, line, col, hint)."""
    try:
        return model.model_validate(data)
    except ValidationError as e:
        errors = e.errors(include_url=False)
        raise _to_config_error(model, errors[0], pos, len(errors) - 1, data) from None


def _to_config_error(model, err: dict, pos: Positions, more: int, data: Any) -> ConfigError:
    typ, raw_loc = err["type"], tuple(err["loc"])
    loc = _data_loc(raw_loc, data)
    hint = None
    if typ == "extra_forbidden":
        key = loc[-1]
        line, col = pos.find(loc, key=True)
        owner, _ = _model_at(model, raw_loc)
        allowed = sorted(owner.model_fields) if owner else []
        close = difflib.get_close_matches(str(key), allowed, n=1, cutoff=0.6)
        msg = f"unknown key {key!r} in {_fmt_loc(loc[:-1])}"
        hint = f"did you mean {close[0]!r}?" if close else (f"allowed keys: {', '.join(allowed)}" if allowed else None)
    elif typ in ("union_tag_invalid", "union_tag_not_found"):
        line, col = pos.find(loc + ("kind",))
        ctx = err.get("ctx", {})
        expected = ctx.get("expected_tags", "")
        given = ctx.get("tag")
        if typ == "union_tag_invalid":
            tags = [t.strip(" '") for t in str(expected).split(",")]
            close = difflib.get_close_matches(str(given), tags, n=1, cutoff=0.5)
            msg = f"unknown service kind {given!r} in {_fmt_loc(loc)}"
            hint = (f"did you mean {close[0]!r}? " if close else "") + f"kinds: {expected}"
        else:
            msg = f"{_fmt_loc(loc)} needs a 'kind'"
            hint = f"add kind: one of {expected}"
    elif typ == "missing":
        line, col = pos.find(loc[:-1])
        msg = f"missing required key {loc[-1]!r} in {_fmt_loc(loc[:-1])}"
        hint = f"add {loc[-1]}: ..."
    else:
        line, col = pos.find(loc)
        msg = f"{_fmt_loc(loc)}: {err['msg']}"
        if "input" in err and not isinstance(err["input"], (dict, list)):
            msg += f" (got {err['input']!r})"
    if more:
        msg += f" (and {more} more problem{'s' if more > 1 else ''})"
    return ConfigError(msg, path=pos.path, line=line, col=col, hint=hint)
