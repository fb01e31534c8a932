"""Presentation helpers for log lines: filters, find, stable service colours, JSON pretty-print.

Kept free of widgets so they are cheap to test and to reuse in the benchmark.
"""

from __future__ import annotations

import json
import re
import zlib
from dataclasses import dataclass

from rich.segment import Segment
from rich.style import Style
from rich.text import Text

from core.logs import LogLine

SERVICE_COLOURS = 8  # component classes logview--service-0 .. -7 in logs.tcss
MAX_LINE_CHARS = 2000  # very long lines are cut so one line cannot stall rendering


@dataclass(frozen=True)
class LineFilter:
    """A compiled ``/`` filter: a case-insensitive regex; a leading ``!`` keeps non-matching lines."""

    source: str
    pattern: re.Pattern[str]
    invert: bool = False

    @classmethod
    def parse(cls, text: str) -> "LineFilter | None":
        """None for an empty filter; raises ``re.error`` for a bad regex."""
        raw = text.strip()
        invert = raw.startswith("!")
        body = raw[1:] if invert else raw
        if not body:
            return None
        return cls(text, compile_pattern(body), invert)

    def keeps(self, line: LogLine) -> bool:
        hit = self.pattern.search(line.text) is not None or self.pattern.search(line.service) is not None
        return hit != self.invert

    def describe(self) -> str:
        return ("not " if self.invert else "") + "/" + self.pattern.pattern + "/"


def compile_pattern(text: str) -> re.Pattern[str]:
    """Smart case: case-insensitive unless the pattern has an upper-case letter."""
    flags = 0 if any(c.isupper() for c in text) else re.IGNORECASE
    return re.compile(text, flags)


def service_colour_index(service: str) -> int:
    """The same service always gets the same colour slot, across runs and machines."""
    return zlib.crc32(service.encode()) % SERVICE_COLOURS


def line_text(line: LogLine, *, timestamps: bool, service_width: int) -> str:
    """The plain text of a line as shown (and copied or saved)."""
    body = line.text if len(line.text) <= MAX_LINE_CHARS else line.text[:MAX_LINE_CHARS] + "…"
    ts = line.ts.strftime("%H:%M:%S.%f")[:-3] + " " if timestamps else ""
    return f"{ts}{line.service:<{service_width}} {body}"


def render_line(line: LogLine, *, timestamps: bool, service_width: int, styles: dict[str, object],
                find: re.Pattern[str] | None) -> Text:
    """A coloured ``Text``: muted timestamp, coloured service, level colour, find highlights."""
    text = Text(no_wrap=True, end="")
    if timestamps:
        text.append(line.ts.strftime("%H:%M:%S.%f")[:-3] + " ", styles.get("timestamp"))
    text.append(f"{line.service:<{service_width}} ", styles.get(f"service-{service_colour_index(line.service)}"))
    body = line.text if len(line.text) <= MAX_LINE_CHARS else line.text[:MAX_LINE_CHARS] + "…"
    start = len(text)
    text.append(body, styles.get(line.level or "", None))
    if find is not None:
        for m in find.finditer(body):
            if m.end() > m.start():
                text.stylize(styles.get("match"), start + m.start(), start + m.end())
    return text


def line_segments(line: LogLine, *, timestamps: bool, service_width: int,
                  styles: dict[str, Style]) -> list[Segment] | None:
    """The fast path of :func:`render_line` (no find highlights, printable text): plain Segments.

    During a flood every visible row is a new line on every repaint; building Segments directly
    costs a fraction of going through ``Text``. None means: use ``render_line``.
    """
    body = line.text if len(line.text) <= MAX_LINE_CHARS else line.text[:MAX_LINE_CHARS] + "…"
    if not body.isprintable():  # tabs and control codes need Text's handling
        return None
    out = []
    if timestamps:
        out.append(Segment(line.ts.strftime("%H:%M:%S.%f")[:-3] + " ", styles.get("timestamp")))
    out.append(Segment(f"{line.service:<{service_width}} ", styles.get(f"service-{service_colour_index(line.service)}")))
    out.append(Segment(body, styles.get(line.level or "")))
    return out


def pretty_json(text: str) -> str | None:
    """The JSON object inside a line (a prefix such as a timestamp is allowed), pretty-printed."""
    brace = text.find("{")
    if brace < 0:
        return None
    try:
        value = json.loads(text[brace:])
    except ValueError:
        return None
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=False)
