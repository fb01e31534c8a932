"""LogView: a virtual log view that renders only the visible rows of a bounded ring buffer.

Lines arrive in an inbox (a bounded deque the stream worker appends to) and are moved into the
``RingBuffer`` by a ~50 ms timer, so a flood of lines costs one repaint per tick. The view
follows the newest line until the user scrolls up or moves the cursor; then it stays put and
counts the new lines until ``G``/End.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import deque

from rich.segment import Segment
from rich.style import Style
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from core.logs import LogLine

from ..actions import bindings_for
from ..logformat import SERVICE_COLOURS, LineFilter, line_segments, line_text, render_line
from ..logmodel import LogModel, LogStatus

FLUSH_SECONDS = 0.05
_COMPONENTS = ["timestamp", "match", "cursor", "selected", "error", "critical", "warning", "debug",
               *(f"service-{i}" for i in range(SERVICE_COLOURS))]


class LogView(ScrollView, can_focus=True):
    """Merged log lines of several services; see the module docstring."""

    BINDINGS = bindings_for("logs")
    COMPONENT_CLASSES = {f"logview--{c}" for c in _COMPONENTS}

    class StatusChanged(Message):
        """Follow/pause, counts or view options changed (coalesced: only the newest matters)."""

        def __init__(self, status: LogStatus) -> None:
            super().__init__()
            self.status = status

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, LogView.StatusChanged)

    class Requested(Message):
        """The user asked for something the pane provides (filter, find, services, save, line)."""

        def __init__(self, what: str, line: LogLine | None = None) -> None:
            super().__init__()
            self.what, self.line = what, line

    def __init__(self, limit: int = 10_000, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.model = LogModel(limit)
        self.inbox: deque[LogLine] = deque(maxlen=limit)  # lines beyond the limit would be dropped anyway
        self.following = True
        self.pending = 0
        self.wrap = False
        self.timestamps = False
        self.find: re.Pattern[str] | None = None
        self.cursor: int | None = None  # absolute line number (see LogModel)
        self.anchor: int | None = None
        self._rows: list[int] = []  # wrap mode: first row of each shown line (prefix sums)
        self._cache: LRUCache[int, list[Segment]] = LRUCache(2048)  # absolute line -> its segments
        # (absolute, part, scroll_x, width, mark) -> the row as drawn: a repaint while following
        # shifts every row, but only the new lines need rendering.
        self._rows_cache: LRUCache[tuple, Strip] = LRUCache(1024)
        self._base_style: Style | None = None
        self._styles: dict[str, Style] | None = None
        self._auto_scrolling = False
        self.render_count = 0  # rows rendered (the benchmark reads it)

    # lifecycle ---------------------------------------------------------------------------------
    def on_mount(self) -> None:
        self.set_interval(FLUSH_SECONDS, self.flush)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles = None
        self._base_style = None
        self._clear_caches()

    def _clear_caches(self) -> None:
        self._cache.clear()
        self._rows_cache.clear()

    def clear(self) -> None:
        """Forget every line (a new environment was selected)."""
        self.inbox.clear()
        self.model.clear()
        self.cursor = self.anchor = None
        self.following, self.pending = True, 0
        self._clear_caches()
        self._resize(follow=True)
        self._post_status()

    @property
    def services(self) -> list[str]:
        return list(self.model.services)

    def shown_count(self) -> int:
        return self.model.shown_count()

    def _rebuild(self) -> None:
        self.model.rebuild()
        if self.cursor is not None and self.cursor < self.model.base:
            self.cursor = self.anchor = None
        self._clear_caches()
        self._resize(follow=self.following)
        if self.cursor is not None and not self.following:
            self._scroll_to_pos(self.model.pos_of(self.cursor))
        self._post_status()

    # incoming lines ----------------------------------------------------------------------------
    def flush(self) -> None:
        """Move what arrived since the last tick into the buffer and repaint once."""
        if not self.inbox:
            return
        batch = list(self.inbox)
        self.inbox.clear()
        added, removed, new_service = self.model.add(batch)
        if new_service:
            self._clear_caches()
        if self.cursor is not None and self.cursor < self.model.base:
            self.cursor = self.anchor = None
        if not self.following:
            self.pending += added
        self._resize(follow=self.following, removed_rows=removed)
        self._post_status()

    def _resize(self, *, follow: bool, removed_rows: int = 0) -> None:
        width = self.model.max_width + self.model.service_width + 14
        if self.wrap:
            prefix = self.model.service_width + 1 + (13 if self.timestamps else 0)
            self._rows = self.model.row_starts(max(1, self.scrollable_content_region.width), prefix)
            height = self._rows[-1] if self._rows else 0
            width = 0
        else:
            height = self.shown_count()
        self.virtual_size = Size(width, height)
        self._auto_scrolling = True
        try:
            if follow:
                # after the refresh: the new virtual size must be laid out before "end" is known
                self.scroll_end(animate=False, immediate=False, x_axis=False)
            elif removed_rows:  # keep the same lines under the reader's eyes
                self.scroll_to(y=max(0, self.scroll_y - removed_rows), animate=False, immediate=True)
        finally:
            self._auto_scrolling = False
        self.refresh()

    def on_resize(self) -> None:
        if self.wrap:
            self._clear_caches()
        self._resize(follow=self.following)

    # user scrolling pauses follow -----------------------------------------------------------
    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if not self._auto_scrolling and self.following and new_value < old_value:
            self.pause()

    def pause(self) -> None:
        if self.following:
            self.following, self.pending = False, 0
            self._post_status()

    # rendering ---------------------------------------------------------------------------------
    def _style_map(self) -> dict[str, Style]:
        if self._styles is None:
            self._styles = {c: self.get_component_rich_style(f"logview--{c}", partial=True) for c in _COMPONENTS}
        return self._styles

    def _segments(self, absolute: int) -> list[Segment]:
        """A whole line as segments (cached; Strips are only built for the rows drawn)."""
        segments = self._cache.get(absolute)
        if segments is None:
            line, width, styles = self.model.line(absolute), self.model.service_width, self._style_map()
            segments = None if self.find else line_segments(line, timestamps=self.timestamps,
                                                            service_width=width, styles=styles)
            if segments is None:
                text = render_line(line, timestamps=self.timestamps, service_width=width, styles=styles,
                                   find=self.find)
                segments = list(text.render(self.app.console))
            self._cache[absolute] = segments
        return segments

    def _locate(self, row: int) -> tuple[int, int] | None:
        """(shown position, wrapped part) of a virtual row."""
        if self.wrap:
            if row >= (self._rows[-1] if self._rows else 0):
                return None
            pos = bisect_left(self._rows, row + 1) - 1
            return pos, row - self._rows[pos]
        return (row, 0) if row < self.shown_count() else None

    def render_line(self, y: int) -> Strip:
        self.render_count += 1
        scroll_x, scroll_y = self.scroll_offset
        width = self.scrollable_content_region.width
        if self._base_style is None:
            self._base_style = self.rich_style
        base_style = self._base_style
        located = self._locate(scroll_y + y)
        if located is None:
            return Strip.blank(width, base_style)
        pos, part = located
        absolute = self.model.abs_at(pos)
        marked = self._marked()
        mark = None
        if marked is not None and marked[0] <= absolute <= marked[1]:
            mark = "cursor" if absolute == self.cursor else "selected"
        key = (absolute, part, 0 if self.wrap else scroll_x, width, mark)
        row = self._rows_cache.get(key)
        if row is not None:
            return row
        segments = self._segments(absolute)
        if not self.wrap and scroll_x == 0:
            strip = Strip(Segment.adjust_line_length(segments, width, base_style, pad=True), width)
        elif self.wrap:
            strip = Strip(segments)
            cuts = list(range(width, strip.cell_length, width))
            pieces = strip.divide(cuts) if cuts else [strip]
            strip = pieces[part] if part < len(pieces) else Strip.blank(width)
            strip = strip.extend_cell_length(width, base_style)
        else:
            strip = Strip(segments).crop_extend(scroll_x, scroll_x + width, base_style)
        if mark is not None:
            strip = Strip(Segment.apply_style(strip, post_style=self._style_map()[mark]), strip.cell_length)
        self._rows_cache[key] = strip
        return strip

    def _marked(self) -> tuple[int, int] | None:
        if self.cursor is None:
            return None
        other = self.anchor if self.anchor is not None else self.cursor
        return min(other, self.cursor), max(other, self.cursor)

    # public operations (pane and actions) --------------------------------------------------------
    def set_filter(self, flt: LineFilter | None) -> None:
        self.model.filter = flt
        self._rebuild()

    def set_find(self, pattern: re.Pattern[str] | None) -> None:
        self.find = pattern
        self._clear_caches()
        self.refresh()
        self._post_status()

    def set_hidden_services(self, hidden: set[str]) -> None:
        self.model.hidden_services = set(hidden)
        self._rebuild()

    def selected_lines(self) -> list[LogLine]:
        """The marked range, else the cursor line, else the lines on screen."""
        marked = self._marked()
        if marked is not None:
            lo, hi = self.model.pos_of(marked[0]), self.model.pos_of(marked[1])
            return [self.model.line(self.model.abs_at(p)) for p in range(lo, min(hi + 1, self.shown_count()))]
        first = self._locate(int(self.scroll_y))
        last = self._locate(int(self.scroll_y) + self.scrollable_content_region.height - 1)
        if first is None:
            return []
        end = last[0] if last else self.shown_count() - 1
        return [self.model.line(self.model.abs_at(p)) for p in range(first[0], end + 1)]

    def shown_lines_text(self) -> list[str]:
        """Every shown line (filter applied) as plain text, for saving."""
        return [self.plain(self.model.line(self.model.abs_at(p))) for p in range(self.shown_count())]

    def plain(self, line: LogLine) -> str:
        return line_text(line, timestamps=self.timestamps, service_width=self.model.service_width)

    def status(self) -> LogStatus:
        flt = self.model.filter
        return LogStatus(self.following, self.pending, self.shown_count(), len(self.model.buffer),
                         flt.describe() if flt else None, self.find.pattern if self.find else None,
                         self.wrap, self.timestamps, tuple(sorted(self.model.hidden_services)))

    def _post_status(self) -> None:
        self.post_message(self.StatusChanged(self.status()))

    def _scroll_to_pos(self, pos: int) -> None:
        row = self._rows[pos] if self.wrap and pos < len(self._rows) else pos
        height = self.scrollable_content_region.height
        if row < self.scroll_y:
            self.scroll_to(y=row, animate=False, immediate=True)
        elif row >= self.scroll_y + height:
            self.scroll_to(y=row - height + 1, animate=False, immediate=True)
        self.refresh()

    # actions -------------------------------------------------------------------------------------
    def action_follow(self) -> None:
        self.following, self.pending = True, 0
        self.cursor = self.anchor = None
        self._resize(follow=True)
        self._post_status()

    def action_cursor(self, delta: int) -> None:
        count = self.shown_count()
        if not count:
            return
        self.pause()
        if self.cursor is None:
            bottom = self._locate(int(self.scroll_y) + self.scrollable_content_region.height - 1)
            pos = bottom[0] if bottom else count - 1
        else:
            pos = min(max(0, self.model.pos_of(self.cursor) + delta), count - 1)
        self.cursor = self.model.abs_at(pos)
        self._scroll_to_pos(pos)
        self._post_status()

    def action_select(self, delta: int) -> None:
        if self.cursor is None:
            self.action_cursor(0)
        if self.anchor is None:
            self.anchor = self.cursor
        self.action_cursor(delta)

    def action_clear_marks(self) -> None:
        self.anchor = None
        if self.find is not None:
            self.set_find(None)
        self.refresh()

    def _jump_to_match(self, step: int) -> None:
        if self.find is None or not self.shown_count():
            self.post_message(self.Requested("find"))
            return
        count = self.shown_count()
        start = self.model.pos_of(self.cursor) if self.cursor is not None else (count - 1 if step < 0 else 0)
        pos = start
        for _ in range(count):
            pos = (pos + step) % count
            if self.find.search(self.model.line(self.model.abs_at(pos)).text):
                self.pause()
                self.cursor, self.anchor = self.model.abs_at(pos), None
                self._scroll_to_pos(pos)
                self._post_status()
                return
        self.notify(f"no match for /{self.find.pattern}/", severity="warning")

    def action_find_next(self) -> None:
        self._jump_to_match(1)

    def action_find_prev(self) -> None:
        self._jump_to_match(-1)

    def action_toggle_wrap(self) -> None:
        self.wrap = not self.wrap
        self._clear_caches()
        self._resize(follow=self.following)
        if self.cursor is not None:
            self._scroll_to_pos(self.model.pos_of(self.cursor))
        self._post_status()

    def action_toggle_timestamps(self) -> None:
        self.timestamps = not self.timestamps
        self._clear_caches()
        self._resize(follow=self.following)
        self._post_status()

    def action_copy_lines(self) -> None:
        lines = self.selected_lines()
        if not lines:
            self.notify("nothing to copy", severity="warning")
            return
        self.app.copy_to_clipboard("\n".join(self.plain(l) for l in lines) + "\n")
        self.notify(f"copied {len(lines)} line{'s' * (len(lines) != 1)}")

    def action_request(self, what: str) -> None:
        """Ask the pane for a dialog or bar: filter, find, services, save."""
        self.post_message(self.Requested(what))

    def action_show_line(self) -> None:
        lines = [self.model.line(self.cursor)] if self.cursor is not None else self.selected_lines()
        if lines:
            self.post_message(self.Requested("line", lines[-1]))

    def on_click(self, event) -> None:
        located = self._locate(int(self.scroll_y) + event.y)
        if located is None:
            return
        self.pause()
        absolute = self.model.abs_at(located[0])
        if event.shift and self.cursor is not None:
            self.anchor = self.anchor if self.anchor is not None else self.cursor
        else:
            self.anchor = None
        self.cursor = absolute
        self.refresh()
        self._post_status()
