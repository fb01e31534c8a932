"""The Health pane: per-service probe, latency, resources and connections, refreshed in a worker."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.markup import escape
from textual.message import Message
from textual.worker import Worker
from textual.widgets import DataTable, Static

from .branches import human_size

COLUMNS = ("service", "state", "probe", "latency", "checked", "restarts", "cpu", "memory", "conns", "error")
DEFAULT_INTERVAL = 3.0


class HealthPane(Vertical):
    """Probes the selected environment every ``interval`` seconds without blocking the UI."""

    class Loaded(Message):
        """A round of probes finished."""

        def __init__(self, env: str, report: dict) -> None:
            super().__init__()
            self.env, self.report = env, report

    def __init__(self, *, interval: float = DEFAULT_INTERVAL, id: str | None = None) -> None:
        super().__init__(id=id)
        self.interval = interval
        self.env: str | None = None
        self._ws: Any = None

    def compose(self) -> ComposeResult:
        table: DataTable = DataTable(id="health-table", cursor_type="row", zebra_stripes=True)
        table.add_columns(*COLUMNS)
        yield table
        yield Static("", id="health-summary")

    @on(Worker.StateChanged)
    def _route_worker_state(self, event: Worker.StateChanged) -> None:
        self.app.report_worker_state(event.worker)  # the app's one error router

    def on_mount(self) -> None:
        self.set_interval(self.interval, self.refresh_now)

    def start(self, ws: Any, env: str | None) -> None:
        self._ws, self.env = ws, env
        self.query_one(DataTable).clear()
        self.query_one("#health-summary", Static).update("probing…" if env else "no environment selected")
        self.refresh_now()

    def refresh_now(self) -> None:
        if self._ws is not None and self.env is not None:
            self._probe(self._ws, self.env)

    @work(exclusive=True, group="health", exit_on_error=False, name="health check")
    async def _probe(self, ws: Any, env: str) -> None:
        health, stats, status = await asyncio.gather(ws.health(env), ws.stats(env), ws.status(env))
        branches = await ws.branch_list(env) if hasattr(ws, "branch_list") else None
        self.post_message(self.Loaded(env, {"health": health, "stats": stats, "status": status,
                                            "branches": branches}))

    @on(Loaded)
    def show_report(self, event: Loaded) -> None:
        if event.env != self.env:
            return  # a late answer for an environment no longer shown
        table = self.query_one(DataTable)
        table.clear()
        colours = self.app.get_css_variables()
        err_style, ok_style = colours.get("error", "red"), colours.get("success", "green")
        state_by_name = {s["name"]: s for s in event.report["status"].get("services", [])}
        for probe in event.report["health"]["services"]:
            name = probe["service"]
            svc = state_by_name.get(name, {})
            st = (event.report["stats"] or {}).get(name) or {}
            ok = probe["ok"]
            checked = time.strftime("%H:%M:%S", time.localtime(probe["checked_at"])) if probe.get("checked_at") else "–"
            row = [
                Text(name, style="bold"),
                Text(svc.get("state", "?"), style=ok_style if svc.get("state") == "running" else err_style),
                Text("ok" if ok else "FAIL", style=ok_style if ok else f"bold {err_style}"),
                f"{probe['latency_ms']:.1f} ms" if probe.get("latency_ms") is not None else "–",
                checked,
                str(svc.get("restarts", "–")),
                f"{st['cpu_percent']:.1f}%" if st.get("cpu_percent") is not None else "–",
                human_size(st.get("memory_bytes")) if st.get("memory_bytes") is not None else "–",
                str((probe.get("details") or {}).get("connections", "–")),
                Text(probe.get("error") or "", style=err_style),
            ]
            table.add_row(*row, key=name)
        self.query_one("#health-summary", Static).update(summary(event.report))


def summary(report: dict) -> str:
    """Healthy or not, and the database sizes per branch when branching reports them."""
    health = report["health"]
    bad = [s["service"] for s in health["services"] if not s["ok"]]
    head = "[$success]all services healthy[/]" if health["healthy"] else (
        "[$error]unhealthy: " + ", ".join(bad) + "[/]" if bad else "[$warning]no services[/]")
    for s in health["services"]:
        if not s["ok"] and s.get("error"):  # the table's error column is off-screen on narrow terminals
            head += f"\n[$error]{escape(s['service'])}[/]: {escape(s['error'])}"
    branches = report.get("branches")
    if branches:
        sizes = " · ".join(f"{b['name']} {human_size(b.get('size_bytes'))}" for b in branches)
        head += f"\ndatabase sizes: {sizes}"
    return head
