"""Dependency ordering of diff steps (Kahn's algorithm with a stable priority).

Steps are keyed ``(stage, identity)`` with stage one of ``pre`` (rename an old type out of
the way), ``drop``, ``prealter`` (the clearing half of an ALTER TABLE: detach, drop
defaults, identities and columns), ``create`` and ``alter``. Edges come from the dependency graphs of
both databases:

* create/alter X after the create/alter of everything X needs in the target;
* drop X after dropping (or altering away) everything that needs X in the source;
* alter X after dropping the source objects that need X (a view before its column goes);
* drop X before creating it again; rename an old type before creating its successor.

When no edge decides, drops come first, then creations in a kind order that is right for
the common case (schemas, extensions, types, sequences, functions, tables, constraints...).
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field

from core.pg.introspect.model import Schema
from core.pg.schemadiff.changes import Change

KIND_ORDER = [
    "schema", "extension", "collation", "enum", "domain", "composite_type", "range_type",
    "sequence", "function", "procedure", "table", "sequence_owner", "constraint", "index",
    "statistics", "view", "materialized_view", "trigger", "rule", "policy", "publication",
    "publication_member", "comment", "grant", "default_privilege",
]
_RANK = {k: i for i, k in enumerate(KIND_ORDER)}
_STAGE = {"pre": 0, "drop": 1, "prealter": 1, "create": 2, "alter": 2, "copy": 2}

Key = tuple[str, str]


@dataclass
class Step:
    stage: str
    identity: str
    kind: str
    changes: list[Change] = field(default_factory=list)
    swap: bool = False  # drop step of a swapped type: runs after its successor is in use

    @property
    def key(self) -> Key:
        return (self.stage, self.identity)

    def priority(self, seq: int) -> tuple:
        rank = _RANK.get(self.kind, len(KIND_ORDER))
        if self.stage == "drop":
            rank = len(KIND_ORDER) - rank
        return (_STAGE[self.stage], rank, seq)


def _dependents(schema: Schema) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for o in schema.objects.values():
        for d in o.deps:
            out.setdefault(d, set()).add(o.identity)
    return out


def order_steps(steps: list[Step], source: Schema, target: Schema) -> list[Step]:
    """Sort steps so every statement runs after what it needs and before what it breaks."""
    by_key = {s.key: s for s in steps}
    edges: dict[Key, set[Key]] = {k: set() for k in by_key}
    src_dependents = _dependents(source)

    def edge(a: Key, b: Key) -> None:
        if a in by_key and b in by_key and a != b:
            edges[a].add(b)

    for s in steps:
        x = s.identity
        if s.stage in ("create", "alter") and x in target.objects:
            for d in target.objects[x].deps:
                edge(("create", d), s.key)
                edge(("alter", d), s.key)
                if s.kind != "table":  # FKs, indexes, matviews of a rebuilt table see its rows
                    edge(("copy", d), s.key)
        if s.stage == "copy":
            edge(("create", x), s.key)
            edge(s.key, ("drop", x))
            for o in target.objects.values():  # the new table's partitions must take the rows
                if o.kind == "table" and x in o.deps:
                    edge(("create", o.identity), s.key)
                    edge(("alter", o.identity), s.key)
            for y in src_dependents.get(x, ()):
                if source.objects[y].kind == "table":  # old partitions: copy, then let go
                    edge(("prealter", y), s.key)
                    edge(s.key, ("drop", y))
        if s.stage == "drop":
            for y in src_dependents.get(x, ()):
                edge(("drop", y), s.key)
                edge(("alter", y), s.key)
                edge(("prealter", y), s.key)
            if s.swap:
                edge(("create", x), s.key)
            else:
                edge(s.key, ("create", x))
        if s.stage in ("alter", "prealter"):
            for y in src_dependents.get(x, ()):
                edge(("drop", y), s.key)
        if s.stage == "prealter":
            edge(s.key, ("alter", x))
        if s.stage == "pre":
            edge(s.key, ("create", x))
            for y in src_dependents.get(x, ()):
                # Statements naming the old type (DROP FUNCTION f(old)) must run before it
                # is renamed away; a swapped dependent is dropped under its own new name.
                dropping = by_key.get(("drop", y))
                if dropping is not None and not dropping.swap:
                    edge(dropping.key, s.key)
                edge(("prealter", y), s.key)  # e.g. DETACH PARTITION names the old parent

    indegree = {k: 0 for k in by_key}
    for a, bs in edges.items():
        for b in bs:
            indegree[b] += 1
    seq = {s.key: i for i, s in enumerate(steps)}
    heap = [(by_key[k].priority(seq[k]), k) for k, n in indegree.items() if n == 0]
    heapq.heapify(heap)
    ordered: list[Step] = []
    while heap:
        _, k = heapq.heappop(heap)
        ordered.append(by_key[k])
        for b in edges[k]:
            indegree[b] -= 1
            if indegree[b] == 0:
                heapq.heappush(heap, (by_key[b].priority(seq[b]), b))
    if len(ordered) < len(steps):
        # A dependency cycle (rare: e.g. a column default calling a function that returns the
        # table's row type). Keep going in priority order rather than dropping steps.
        rest = [s for s in steps if s.key not in {o.key for o in ordered}]
        ordered.extend(sorted(rest, key=lambda s: s.priority(seq[s.key])))
    return ordered
