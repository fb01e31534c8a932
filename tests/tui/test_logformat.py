"""Pure log presentation: the model behind the view, filters, colours, JSON."""

from __future__ import annotations

from datetime import datetime, timezone

from core.logs import LogLine
from tui.logformat import LineFilter, pretty_json, service_colour_index
from tui.logmodel import LogModel

T0 = datetime(2026, 1, 1, 12, 0, 0, tzinfo=timezone.utc)


def test_model_counts_dropped_lines_with_a_filter():
    model = LogModel(limit=10)
    model.filter = LineFilter.parse("keep")
    model.rebuild()
    added, removed, new = model.add([LogLine("a", "keep 1", T0), LogLine("a", "drop", T0)] * 4)
    assert (added, removed, new) == (4, 0, True)
    added, removed, _ = model.add([LogLine("a", "drop", T0)] * 6)
    assert added == 0 and removed == 2 and model.shown_count() == 2


def test_service_colours_are_stable():
    assert service_colour_index("db") == service_colour_index("db")
    assert 0 <= service_colour_index("api") < 8
    assert pretty_json("no json here") is None
