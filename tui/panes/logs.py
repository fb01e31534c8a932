"""The Logs pane: the merged, followed log stream of an environment, with filter/find bar and status."""

from __future__ import annotations

import asyncio
import re
import time
from pathlib import Path
from typing import Any

from rich.syntax import Syntax
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.markup import escape
from textual.worker import Worker
from textual.widgets import Input, Static

from ..logformat import LineFilter, compile_pattern, pretty_json
from ..logmodel import LogStatus
from ..screens.dialogs import ChooseScreen, PromptScreen, TextScreen
from .logview import LogView

YIELD_EVERY = 256  # a source with a backlog never awaits; give the UI a turn this often


class SearchInput(Input):
    """The filter/find bar; Esc clears what it set."""

    BINDINGS = [Binding("escape", "clear", "Clear", show=False)]
    mode = "filter"

    def action_clear(self) -> None:
        self.value = ""  # posts Changed first: the pane drops the filter, then hides the bar
        self.post_message(self.Submitted(self, ""))


class LogsPane(Vertical):
    """Streams ``ws.logs(env, follow=True)`` into a :class:`LogView`; owns the bar and the dialogs."""

    def __init__(self, *, limit: int = 10_000, tail: int = 200, id: str | None = None) -> None:
        super().__init__(id=id)
        self.limit, self.tail = limit, tail
        self.env: str | None = None
        self._filter_text = ""
        self._find_text = ""
        self._status_text = ""

    def compose(self) -> ComposeResult:
        yield SearchInput(placeholder="", id="log-search", classes="-hidden")
        yield LogView(self.limit, id="log-view")
        yield Static("", id="log-status")

    @property
    def view(self) -> LogView:
        return self.query_one(LogView)

    @on(Worker.StateChanged)
    def _route_worker_state(self, event: Worker.StateChanged) -> None:
        self.app.report_worker_state(event.worker)  # the app's one error router

    # streaming -------------------------------------------------------------------------------
    def start(self, ws: Any, env: str | None) -> None:
        """Show the logs of ``env`` (None: nothing) from now on."""
        self.env = env
        self.view.clear()
        if env is None:
            self.workers.cancel_group(self, "logs")
            return
        self._stream(ws, env)

    @work(exclusive=True, group="logs", exit_on_error=False, name="log stream")
    async def _stream(self, ws: Any, env: str) -> None:
        inbox = self.view.inbox  # a plain deque; the view drains it on its own timer
        count = 0
        async for line in ws.logs(env, follow=True, tail=self.tail):
            inbox.append(line)
            count += 1
            if count % YIELD_EVERY == 0:
                await asyncio.sleep(0)

    # status bar --------------------------------------------------------------------------------
    @on(LogView.StatusChanged)
    def show_status(self, event: LogView.StatusChanged) -> None:
        text = format_status(event.status)
        if text != self._status_text:  # one row, always: no layout pass needed
            self._status_text = text
            self.query_one("#log-status", Static).update(text, layout=False)

    # requests from the view ------------------------------------------------------------------
    @on(LogView.Requested)
    def handle_request(self, event: LogView.Requested) -> None:
        if event.what in ("filter", "find"):
            self.open_search(event.what)
        elif event.what == "services":
            self.choose_services()
        elif event.what == "save":
            self.save()
        elif event.what == "line" and event.line is not None:
            body = pretty_json(event.line.text)
            shown: Any = Syntax(body, "json", word_wrap=True, theme="ansi_dark") if body else event.line.text
            self.app.push_screen(TextScreen(f"{event.line.service} · {event.line.level or 'line'}", shown))

    def open_search(self, mode: str) -> None:
        bar = self.query_one(SearchInput)
        bar.mode = mode
        bar.placeholder = ("filter: regex · !regex hides matches · Enter keeps · Esc clears" if mode == "filter"
                           else "find: regex · n/N next/previous · Esc clears")
        bar.value = self._filter_text if mode == "filter" else self._find_text
        bar.remove_class("-hidden", "-invalid")
        bar.focus()

    @on(Input.Changed, "#log-search")
    def search_changed(self, event: Input.Changed) -> None:
        bar = self.query_one(SearchInput)
        try:
            if bar.mode == "filter":
                self.view.set_filter(LineFilter.parse(event.value))
                self._filter_text = event.value
            else:
                self.view.set_find(compile_pattern(event.value) if event.value else None)
                self._find_text = event.value
        except re.error as e:
            bar.add_class("-invalid")
            bar.tooltip = f"not a valid regex: {e}"
            return
        bar.remove_class("-invalid")

    @on(Input.Submitted, "#log-search")
    def search_done(self, event: Input.Submitted) -> None:
        bar = self.query_one(SearchInput)
        if bar.has_class("-invalid"):
            self.notify(str(bar.tooltip), severity="error")
            return
        bar.add_class("-hidden")
        self.view.focus()
        if bar.mode == "find" and event.value:
            self.view.action_find_next()

    def choose_services(self) -> None:
        view = self.view
        status = getattr(self.app, "status", None) or {}
        # services that have not logged yet are choosable too
        services = list(dict.fromkeys([*view.services, *(s["name"] for s in status.get("services", []))]))
        if not services:
            self.notify("no log lines yet", severity="warning")
            return

        def apply(chosen: list[str] | None) -> None:
            if chosen is not None:
                view.set_hidden_services(set(services) - set(chosen))

        shown = set(services) - view.model.hidden_services
        self.app.push_screen(ChooseScreen("Services to show", services, shown), apply)

    def save(self) -> None:
        default = str(Path.cwd() / f"stackyard-{self.env or 'logs'}-{time.strftime('%Y%m%d-%H%M%S')}.log")

        def write(path: str | None) -> None:
            if path:
                self._write_file(Path(path).expanduser(), self.view.shown_lines_text())

        self.app.push_screen(PromptScreen("Save the shown log lines to", value=default), write)

    @work(thread=True, group="log-save", exit_on_error=False, name="save logs")
    def _write_file(self, path: Path, lines: list[str]) -> None:
        path.write_text("\n".join(lines) + ("\n" if lines else ""))
        self.app.call_from_thread(self.notify, f"saved {len(lines)} lines to {path}")


def format_status(st: LogStatus) -> str:
    """One line for the bar under the logs: follow state, counts, active filter/find and options."""
    parts = ["[b]● following[/]" if st.following else
             f"[b]⏸ paused[/] {st.pending:,} new line{'s' * (st.pending != 1)} (G)"]
    parts.append(f"{st.shown:,}/{st.buffered:,} lines" if st.filter or st.hidden_services else f"{st.buffered:,} lines")
    if st.filter:
        parts.append(f"filter {escape(st.filter)}")
    if st.find:
        parts.append(f"find /{escape(st.find)}/")
    if st.hidden_services:
        parts.append("hidden: " + escape(", ".join(st.hidden_services)))
    if st.wrap:
        parts.append("wrap")
    if st.timestamps:
        parts.append("time")
    return " │ ".join(parts)
