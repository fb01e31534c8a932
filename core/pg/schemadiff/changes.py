"""The result of a schema diff: ordered changes, with text, JSON and SQL renderings."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from core.errors import UsageError

# Applied SQL never validates function bodies at CREATE time (like pg_dump): a plpgsql or
# SQL function may read a table that a later statement creates.
SQL_PREAMBLE = "SET check_function_bodies = false;"


@dataclass
class Change:
    """One step of the migration from source to target."""

    action: str  # create | drop | alter | recreate
    kind: str  # object kind: table, column, view, function, index, ...
    identity: str  # e.g. "table public.orders" or "column public.orders.total"
    description: str  # one readable line
    sql: list[str] = field(default_factory=list)
    destructive: bool = False  # may lose data (drops, narrowing, table rebuilds)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class SchemaDiff:
    """Ordered changes that turn the source schema into the target schema."""

    changes: list[Change] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not self.changes

    @property
    def destructive_changes(self) -> list[Change]:
        return [c for c in self.changes if c.destructive]

    @property
    def statements(self) -> list[str]:
        return [s for c in self.changes for s in c.sql]

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form: the changes and a summary by action."""
        summary: dict[str, int] = {}
        for c in self.changes:
            summary[c.action] = summary.get(c.action, 0) + 1
        return {
            "empty": self.is_empty,
            "destructive": bool(self.destructive_changes),
            "summary": summary,
            "changes": [c.to_dict() for c in self.changes],
        }

    def to_text(self) -> str:
        """Human-readable list, one change per line; destructive ones are flagged."""
        if self.is_empty:
            return "No schema differences."
        marks = {"create": "+", "drop": "-", "alter": "~", "recreate": "!"}
        lines = []
        for c in self.changes:
            flag = "  [destructive]" if c.destructive else ""
            lines.append(f"{marks.get(c.action, '~')} {c.description}{flag}")
        n = len(self.destructive_changes)
        lines.append(f"{len(self.changes)} change(s), {n} destructive.")
        return "\n".join(lines)

    def to_sql(self, allow_destructive: bool = False) -> str:
        """The DDL script. Refuses (UsageError) when it would drop or narrow without consent."""
        bad = self.destructive_changes
        if bad and not allow_destructive:
            listed = "; ".join(c.description for c in bad[:5])
            more = f" (and {len(bad) - 5} more)" if len(bad) > 5 else ""
            raise UsageError(
                f"the schema diff has {len(bad)} destructive change(s): {listed}{more}",
                hint="review them, then pass --allow-destructive to include them",
            )
        if self.is_empty:
            return ""
        body = "\n\n".join(s.rstrip().rstrip(";") + ";" for s in self.statements)
        return f"{SQL_PREAMBLE}\n\n{body}\n"
