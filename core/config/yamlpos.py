"""YAML loading that remembers where every value came from, for file:line:col errors."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..errors import ConfigError

Loc = tuple  # a path of keys/indexes into the document

_VAR_RE = re.compile(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?-)([^}]*))?\}")


@dataclass
class Positions:
    """Maps a path of keys to the (line, col) of the value and of the key (1-based)."""

    path: str
    values: dict[Loc, tuple[int, int]] = field(default_factory=dict)
    keys: dict[Loc, tuple[int, int]] = field(default_factory=dict)

    def find(self, loc: Loc, *, key: bool = False) -> tuple[int | None, int | None]:
        """Position of ``loc`` or of its nearest known ancestor."""
        loc = tuple(loc)
        while True:
            table = self.keys if key and loc in self.keys else self.values
            if loc in table:
                return table[loc]
            if not loc:
                return None, None
            loc = loc[:-1]


def interpolate(text: str, env: dict[str, str], *, where: tuple[str, int, int]) -> str:
    """Expand ${VAR} and ${VAR:-default} (default when unset or empty) and ${VAR-default}; $$ is a literal $."""

    def sub(m: re.Match) -> str:
        if m.group(0) == "$$":
            return "$"
        name, op, default = m.group(1), m.group(2), m.group(3)
        val = env.get(name)
        if op == ":-" and not val:
            return default
        if op == "-" and val is None:
            return default
        if val is None:
            path, line, col = where
            raise ConfigError(
                f"environment variable {name} is not set",
                path=path, line=line, col=col,
                hint=f"export {name}=..., add it to the project's .env, or write ${{{name}:-default}}",
            )
        return val

    return _VAR_RE.sub(sub, text)


def _scalar(node: yaml.ScalarNode, loader: yaml.SafeLoader, env, path) -> Any:
    value = loader.construct_object(node, deep=True)
    if isinstance(value, str) and "$" in value:
        mark = node.start_mark
        expanded = interpolate(value, env, where=(path, mark.line + 1, mark.column + 1))
        if expanded != value and node.style is None:
            # re-resolve the plain scalar so "${PORT:-5432}" becomes an int, as if written inline
            tag = loader.resolve(yaml.ScalarNode, expanded, (True, False))
            return loader.construct_object(yaml.ScalarNode(tag, expanded), deep=True)
        return expanded
    return value


def load_yaml(path: Path, env: dict[str, str] | None = None) -> tuple[Any, Positions]:
    """Parse a YAML file into plain data plus positions; interpolate ${VAR}."""
    env = dict(os.environ) if env is None else env
    spath = str(path)
    try:
        text = path.read_text()
    except FileNotFoundError:
        raise ConfigError("file not found", path=spath) from None
    except UnicodeDecodeError as e:
        raise ConfigError(f"not UTF-8 text ({e.reason})", path=spath) from None
    pos = Positions(spath)
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return {}, pos

        def walk(n: yaml.Node, loc: Loc) -> Any:
            pos.values[loc] = (n.start_mark.line + 1, n.start_mark.column + 1)
            if isinstance(n, yaml.MappingNode):
                loader.flatten_mapping(n)
                out: dict = {}
                for k, v in n.value:
                    key = loader.construct_object(k, deep=True)
                    if not isinstance(key, (str, int, float, bool)):
                        raise ConfigError("mapping keys must be plain scalars", path=spath,
                                          line=k.start_mark.line + 1, col=k.start_mark.column + 1)
                    if key in out:
                        raise ConfigError(f"duplicate key {key!r}", path=spath,
                                          line=k.start_mark.line + 1, col=k.start_mark.column + 1)
                    pos.keys[loc + (key,)] = (k.start_mark.line + 1, k.start_mark.column + 1)
                    out[key] = walk(v, loc + (key,))
                return out
            if isinstance(n, yaml.SequenceNode):
                return [walk(item, loc + (i,)) for i, item in enumerate(n.value)]
            return _scalar(n, loader, env, spath)

        return walk(node, ()), pos
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        raise ConfigError(
            f"invalid YAML: {e.problem or e.context}",
            path=spath,
            line=mark.line + 1 if mark else None,
            col=mark.column + 1 if mark else None,
            hint="check indentation and quoting around this position",
        ) from None
    finally:
        loader.dispose()


def read_dotenv(path: Path) -> dict[str, str]:
    """KEY=VALUE lines (optional `export`, quotes, # comments) of a .env file."""
    out: dict[str, str] = {}
    if not path.is_file():
        return out
    for i, raw in enumerate(path.read_text().splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("export "):
            line = line[7:].lstrip()
        if "=" not in line:
            raise ConfigError("expected KEY=VALUE", path=str(path), line=i, col=1)
        k, v = line.split("=", 1)
        k, v = k.strip(), v.strip()
        if len(v) >= 2 and v[0] == v[-1] and v[0] in "'\"":
            v = v[1:-1]
        elif " #" in v:
            v = v.split(" #", 1)[0].rstrip()
        out[k] = v
    return out
