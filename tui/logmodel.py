"""Which buffered log lines are shown: ring buffer + filter + chosen services (no widgets here).

Lines are addressed by an absolute number (lines ever dropped + index in the buffer), so
positions stay valid while the ring buffer drops its oldest lines.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass

from core.logs import LogLine, RingBuffer

from .logformat import LineFilter


@dataclass(frozen=True)
class LogStatus:
    """What the bar under the logs shows."""

    following: bool
    pending: int
    shown: int
    buffered: int
    filter: str | None
    find: str | None
    wrap: bool
    timestamps: bool
    hidden_services: tuple[str, ...]


class LogModel:
    """The ring buffer and the list of lines that pass the filter and the service choice."""

    def __init__(self, limit: int = 10_000) -> None:
        self.buffer = RingBuffer(limit)
        self.filter: LineFilter | None = None
        self.hidden_services: set[str] = set()
        self.services: dict[str, None] = {}  # seen services, in order of first line
        self.service_width = 2
        self.max_width = 0  # longest text seen (horizontal scroll extent)
        self._view: list[int] | None = None  # absolute numbers of shown lines, when filtered
        self._view_start = 0  # entries before this index were dropped from the buffer

    @property
    def limit(self) -> int:
        return self.buffer.maxlen

    @property
    def base(self) -> int:
        """Absolute number of the oldest buffered line."""
        return self.buffer.dropped

    def shown_count(self) -> int:
        return len(self.buffer) if self._view is None else len(self._view) - self._view_start

    def abs_at(self, pos: int) -> int:
        return self.base + pos if self._view is None else self._view[self._view_start + pos]

    def pos_of(self, absolute: int) -> int:
        """Position of the shown line at or after ``absolute``."""
        if self._view is None:
            return max(0, absolute - self.base)
        return bisect_left(self._view, absolute, self._view_start) - self._view_start

    def line(self, absolute: int) -> LogLine:
        return self.buffer[absolute - self.base]

    def line_at(self, pos: int) -> LogLine:
        return self.line(self.abs_at(pos))

    def keeps(self, line: LogLine) -> bool:
        if line.service in self.hidden_services:
            return False
        return self.filter is None or self.filter.keeps(line)

    def clear(self) -> None:
        self.buffer = RingBuffer(self.buffer.maxlen)
        self.services.clear()
        self.rebuild()

    def rebuild(self) -> None:
        """Recompute the shown lines after the filter or the service choice changed."""
        if self.filter is None and not self.hidden_services:
            self._view = None
        else:
            base = self.base
            self._view = [base + i for i, line in enumerate(self.buffer) if self.keeps(line)]
        self._view_start = 0

    def add(self, batch: list[LogLine]) -> tuple[int, int, bool]:
        """Append lines; returns (shown lines added, shown lines dropped, new service seen)."""
        before = self.shown_count()
        new_service = False
        for line in batch:
            if line.service not in self.services:
                self.services[line.service] = None
                self.service_width = min(16, max(self.service_width, len(line.service)))
                new_service = True
        self.buffer.extend(batch)
        base = self.base
        fresh = batch[-len(self.buffer):] if len(batch) > len(self.buffer) else batch
        fresh_start = base + len(self.buffer) - len(fresh)
        if self._view is None:
            added = len(fresh)
        else:
            kept = [fresh_start + i for i, line in enumerate(fresh) if self.keeps(line)]
            self._view.extend(kept)
            added = len(kept)
            while self._view_start < len(self._view) and self._view[self._view_start] < base:
                self._view_start += 1
            if self._view_start > 4096:  # compact now and then; amortised O(1)
                del self._view[: self._view_start]
                self._view_start = 0
        self.max_width = max(self.max_width, *(min(len(l.text), 2001) for l in fresh[-500:]))
        return added, max(0, before + added - self.shown_count()), new_service

    def row_starts(self, width: int, prefix: int) -> list[int]:
        """Wrap mode: the first screen row of each shown line, plus the total row count at the end."""
        rows, total = [], 0
        for pos in range(self.shown_count()):
            rows.append(total)
            n = prefix + min(len(self.line_at(pos).text), 2001)
            total += max(1, -(-n // width))
        rows.append(total)
        return rows
