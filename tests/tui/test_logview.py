"""The logs pane on its own: bounded buffer, follow/pause, filter, find, wrap, copy, save, services."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path

import pytest
from textual.app import App

import tui
from core.logs import LogLine
from tui.logformat import LineFilter, pretty_json
from tui.panes.logs import LogsPane
from tui.panes.logview import LogView
from tui.screens.dialogs import ChooseScreen, PromptScreen, TextScreen

from .helpers import settle

pytestmark = pytest.mark.asyncio

STYLES = Path(tui.__file__).parent / "styles"
T0 = datetime(2026, 1, 1, 12, 0, 0, tzinfo=timezone.utc)


def lines(n: int, start: int = 0, service: str = "api", text: str = "request {i}") -> list[LogLine]:
    return [LogLine(service, text.format(i=i), T0, "dev", "log", None) for i in range(start, start + n)]


class Host(App):
    """Only the logs pane, with the app's styles; errors are kept for the asserts."""

    CSS_PATH = [STYLES / "logs.tcss", STYLES / "dialogs.tcss"]

    def __init__(self, limit: int = 1000) -> None:
        super().__init__()
        self.limit = limit
        self.errors: list[BaseException] = []

    def compose(self):
        yield LogsPane(limit=self.limit, id="logs")

    def report_worker_state(self, worker) -> None:
        if worker.error is not None:
            self.errors.append(worker.error)

    @property
    def view(self) -> LogView:
        return self.query_one(LogView)


async def feed(pilot, batch: list[LogLine]) -> None:
    view = pilot.app.view
    view.inbox.extend(batch)
    view.flush()
    await pilot.pause()


async def test_memory_is_bounded_by_the_ring_buffer_and_only_visible_rows_render():
    app = Host(limit=1000)
    async with app.run_test(size=(80, 20)) as pilot:
        view = app.view
        view.render_count = 0
        for chunk in range(5):
            await feed(pilot, lines(4000, start=chunk * 4000))
        assert len(view.model.buffer) == 1000
        assert view.shown_count() == 1000
        assert view.virtual_size.height == 1000
        assert view.model.line_at(999).text == "request 19999"
        assert view.model.line_at(0).text == "request 19000"
        # 20,000 lines arrived, but only the visible rows (about 18 per repaint) were rendered
        assert 0 < view.render_count < 20 * 6


async def test_follow_then_scroll_up_pauses_counts_and_G_resumes():
    app = Host()
    async with app.run_test(size=(80, 20)) as pilot:
        view = app.view
        await feed(pilot, lines(200))
        assert view.following and view.scroll_y == view.max_scroll_y
        view.focus()
        await pilot.press("pageup")
        assert not view.following
        top = view.scroll_y
        await feed(pilot, lines(7, start=200))
        assert view.pending == 7
        assert view.scroll_y == top  # the reader's place is kept
        assert "7 new lines" in str(app.query_one("#log-status").render())
        await pilot.press("G")
        await pilot.pause()
        assert view.following and view.pending == 0
        assert view.scroll_y == view.max_scroll_y


async def test_paused_view_stays_on_the_same_lines_while_old_ones_drop():
    app = Host(limit=100)
    async with app.run_test(size=(80, 20)) as pilot:
        view = app.view
        await feed(pilot, lines(100))
        view.pause()
        view.scroll_to(y=50, animate=False, immediate=True)
        first = view.model.line_at(int(view.scroll_y)).text
        await feed(pilot, lines(10, start=100))
        assert view.scroll_y == 40
        assert view.model.line_at(int(view.scroll_y)).text == first


async def test_filter_regex_invert_keeps_following_and_rejects_bad_regex():
    app = Host()
    async with app.run_test(size=(80, 20)) as pilot:
        view = app.view
        await feed(pilot, lines(10, text="GET /a {i}") + lines(5, service="db", text="ERROR: boom {i}"))
        view.focus()
        await pilot.press("slash", *"error", "enter")
        assert view.shown_count() == 5  # smart case: lower-case pattern ignores case
        await feed(pilot, lines(3, service="db", text="ERROR: again {i}") + lines(3, text="GET /b {i}"))
        assert view.shown_count() == 8 and view.following
        await pilot.press("slash", "ctrl+a", "exclamation_mark", "enter")
        assert view.shown_count() == 13
        assert view.status().filter == "not /error/"
        await pilot.press("slash", "end", "left_square_bracket")
        bar = app.query_one("#log-search")
        assert bar.has_class("-invalid")
        assert view.status().filter == "not /error/"  # the last good filter stays
        await pilot.press("escape")
        assert view.status().filter is None and view.shown_count() == 21
    with pytest.raises(re.error):
        LineFilter.parse("[")
    assert LineFilter.parse("  ") is None and LineFilter.parse("!") is None


async def test_find_moves_between_matches_and_highlights():
    app = Host()
    async with app.run_test(size=(80, 20)) as pilot:
        view = app.view
        batch = lines(30)
        batch[5] = LogLine("db", "deadlock detected", T0)
        batch[20] = LogLine("db", "another deadlock", T0)
        await feed(pilot, batch)
        view.focus()
        await pilot.press("f", *"deadlock", "enter")
        assert view.cursor == 5 and not view.following
        await pilot.press("n")
        assert view.cursor == 20
        await pilot.press("n")
        assert view.cursor == 5  # wraps around
        await pilot.press("N")
        assert view.cursor == 20
        match_style = view._style_map()["match"]
        segments = view._segments(20)
        assert any(seg.text == "deadlock" and seg.style and match_style.bgcolor == seg.style.bgcolor
                   for seg in segments)


async def test_wrap_and_timestamps_change_what_is_shown():
    app = Host()
    async with app.run_test(size=(60, 20)) as pilot:
        view = app.view
        await feed(pilot, lines(10, text="x" * 150 + " {i}"))
        assert view.virtual_size.height == 10
        view.focus()
        await pilot.press("w")
        assert view.wrap and view.virtual_size.height >= 30
        await pilot.press("t")
        assert view.plain(view.model.line_at(0)).startswith("12:00:00.000 api")
        await pilot.press("w", "t")
        assert view.virtual_size.height == 10 and not view.plain(view.model.line_at(0)).startswith("12:")


async def test_copy_selection_and_save_to_file(tmp_path):
    app = Host()
    async with app.run_test(size=(80, 20)) as pilot:
        view = app.view
        await feed(pilot, lines(50))
        view.focus()
        await pilot.press("up", "shift+up", "shift+up", "c")
        assert app.clipboard.splitlines() == [f"api request {i}" for i in (47, 48, 49)]
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, PromptScreen)
        target = tmp_path / "saved.log"
        app.screen.query_one("#prompt-input").value = str(target)
        await pilot.press("enter")
        await settle(pilot)
        assert target.read_text().splitlines() == [f"api request {i}" for i in range(50)]
        assert app.errors == []


async def test_choose_services_and_pretty_json_line():
    app = Host()
    async with app.run_test(size=(100, 30)) as pilot:
        view = app.view
        await feed(pilot, lines(3, service="api") + [LogLine("db", 'LOG {"user": "ann", "n": 2}', T0)])
        view.focus()
        await pilot.press("s")
        await settle(pilot)
        assert isinstance(app.screen, ChooseScreen)
        await pilot.press("space", "enter")  # untick the first service (api)
        await settle(pilot)
        assert view.model.hidden_services == {"api"}
        assert view.shown_count() == 1
        await pilot.press("up", "enter")
        await settle(pilot)
        assert isinstance(app.screen, TextScreen)
        assert '"user": "ann"' in pretty_json(view.model.line_at(0).text)
