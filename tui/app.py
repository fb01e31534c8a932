"""The stackyard control room: panes wired to one ``core.api.Workspace`` and its event bus.

The app holds no business logic: data comes from Workspace methods run in workers, state
changes from the bus arrive as :class:`~tui.messages.CoreEvent`, and every worker failure goes
through one router (:meth:`StackyardApp.report_worker_state`) to a notification.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from typing import Any

from textual import on, work
from textual.app import App, ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.reactive import reactive
from textual.widgets import Footer, Header, Static, TabbedContent, TabPane
from textual.worker import Worker, WorkerState

from core.errors import StackyardError
from core.events import Event, Message as CoreMessage, OperationFinished, OperationProgress, OperationStarted

from .actions import ACTIONS, Action, bindings_for
from .commands import CommandsMixin
from .messages import ActionFailed, CoreEvent, EnvLoaded, EnvsLoaded
from .palette import ActionsProvider
from .panes.branches import BranchesTree
from .panes.details import DetailsPane, parse_env_file
from .panes.envs import EnvironmentsList
from .panes.health import HealthPane
from .panes.logs import LogsPane
from .panes.logview import LogView
from .screens.help import HelpScreen

_FEATURE_METHOD = {"branching": "branch_list", "migrations": "migrate_up", "seed": "db_seed",
                   "snapshots": "snapshot_create"}
_PANES = {"envs": "#envs", "branches": "#branches", "logs": "#log-view", "health": "#health-table",
          "details": "#details"}
_TABS = {"logs": "tab-logs", "health": "tab-health", "details": "tab-details"}
_SEVERITY = {"info": "information", "warning": "warning", "error": "error"}


class StackyardApp(CommandsMixin, App[None]):
    """Environments, Branches, Logs, Health and Details of one project."""

    TITLE = "stackyard"
    CSS_PATH = ["styles/app.tcss", "styles/logs.tcss", "styles/dialogs.tcss"]
    BINDINGS = bindings_for("app")
    COMMANDS = App.COMMANDS | {ActionsProvider}

    env: reactive[str | None] = reactive(None, init=False)

    def __init__(self, workspace: Any, *, owns_workspace: bool = False, log_limit: int = 10_000,
                 log_tail: int = 200, health_interval: float = 3.0) -> None:
        super().__init__()
        self.ws = workspace
        self.owns_workspace = owns_workspace
        self.log_limit, self.log_tail, self.health_interval = log_limit, log_tail, health_interval
        self.envs: list[dict] = []
        self.branches: list[dict] | None = None
        self.status: dict | None = None
        self.error_log: list[str] = []  # every error the router showed (newest last)
        self._operations: dict[int, tuple[str, str]] = {}  # op id -> (what, latest progress)
        self._unsubscribe = None

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False, icon="⛁")
        with Horizontal(id="main"):
            with Vertical(id="sidebar"):
                yield EnvironmentsList(id="envs")
                yield BranchesTree(id="branches")
            with TabbedContent(id="tabs"):
                with TabPane("3 Logs", id="tab-logs"):
                    yield LogsPane(limit=self.log_limit, tail=self.log_tail, id="logs")
                with TabPane("4 Health", id="tab-health"):
                    yield HealthPane(interval=self.health_interval, id="health")
                with TabPane("5 Details", id="tab-details"):
                    yield DetailsPane(id="details")
        yield Static("", id="operation", classes="-idle")
        yield Footer()

    def on_mount(self) -> None:
        self.title = getattr(getattr(self.ws, "config", None), "project", None) or "stackyard"
        self.query_one("#envs").border_title = "1 Environments"
        self.query_one("#branches").border_title = "2 Branches"
        self._unsubscribe = self.ws.bus.on(lambda event: self.post_message(CoreEvent(event)))
        # Changes made elsewhere (the CLI in another terminal) do not reach this process's bus.
        self.set_interval(self.health_interval * 3, self.refresh_env)
        self._startup()

    async def on_unmount(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
        if self.owns_workspace:
            await self.ws.aclose()

    @work(exclusive=True, group="startup", exit_on_error=False, name="open project")
    async def _startup(self) -> None:
        if self.owns_workspace:
            await self.ws.reconcile()
        self.load_envs()

    # loading data ------------------------------------------------------------------------------
    @work(exclusive=True, group="load-envs", exit_on_error=False, name="list environments")
    async def load_envs(self) -> None:
        self.post_message(EnvsLoaded(await self.ws.list_envs()))

    @work(exclusive=True, group="load-env", exit_on_error=False, name="load environment")
    async def load_env(self, env: str) -> None:
        status = await self.ws.status(env)
        branches = await self.ws.branch_list(env) if self.has_feature("branching") else None
        env_file = Path(status.get("env_file") or self.ws.env_dir(env) / ".env")
        try:
            text = await asyncio.to_thread(env_file.read_text)
        except FileNotFoundError:
            text = ""
        self.post_message(EnvLoaded(env, status, branches, parse_env_file(text)))

    def refresh_env(self) -> None:
        """Reload the list and the selected environment (after an action or a core event)."""
        self.load_envs()
        if self.env is not None:
            self.load_env(self.env)

    @on(EnvsLoaded)
    def show_envs(self, event: EnvsLoaded) -> None:
        names = [e["env"] for e in event.envs]
        if event.envs != self.envs or not self.query_one(EnvironmentsList).option_count:
            self.query_one(EnvironmentsList).show(event.envs, self.env)
        self.envs = event.envs
        if self.env not in names:
            self.env = names[0] if names else None

    @on(EnvironmentsList.Selected)
    def select_env(self, event: EnvironmentsList.Selected) -> None:
        self.env = event.env

    def watch_env(self, env: str | None) -> None:
        self.sub_title = env or "no environment"
        self.status, self.branches = None, None
        self.query_one(LogsPane).start(self.ws, env)
        self.query_one(HealthPane).start(self.ws, env)
        self.query_one(DetailsPane).show(None, {})
        self.query_one(BranchesTree).clear()
        if env is not None:
            self.load_env(env)

    @on(EnvLoaded)
    def show_env(self, event: EnvLoaded) -> None:
        if event.env != self.env:
            return
        if self.status is not None and (event.status, event.branches) == (self.status, self.branches):
            return  # nothing changed: keep the tree's cursor and the panes as they are
        self.status, self.branches = event.status, event.branches
        active = event.status.get("active_branch") or "main"
        self.sub_title = f"{event.env} · {active} · {event.status['state']}"
        self.query_one(BranchesTree).show(event.branches, active)
        self.query_one(DetailsPane).show(event.status, event.env_values, getattr(self.ws, "root", None))

    # core events -------------------------------------------------------------------------------
    @on(CoreEvent)
    def show_core_event(self, message: CoreEvent) -> None:
        event: Event = message.event
        if isinstance(event, OperationStarted):
            self._operations[event.op_id] = (" ".join(filter(None, [event.kind, event.env, event.target])), "")
        elif isinstance(event, OperationProgress) and event.op_id in self._operations:
            count = f" ({event.done:g}/{event.total:g}{event.unit and ' ' + event.unit})" if event.total else ""
            self._operations[event.op_id] = (self._operations[event.op_id][0], f": {event.message}{count}")
        elif isinstance(event, OperationFinished):
            self._operations.pop(event.op_id, None)
        elif isinstance(event, CoreMessage):
            self.notify(event.text, severity=_SEVERITY.get(event.level, "information"))  # type: ignore[arg-type]
            return
        else:  # ServiceStateChanged and future events: the picture changed
            self.refresh_env()
            return
        bar = self.query_one("#operation", Static)
        bar.update(Content("  ".join(f"⟳ {head}{now}" for head, now in self._operations.values())))
        bar.set_class(not self._operations, "-idle")

    # the one error router --------------------------------------------------------------------
    @on(Worker.StateChanged)
    def on_worker_state(self, event: Worker.StateChanged) -> None:
        self.report_worker_state(event.worker)

    def report_worker_state(self, worker: Worker) -> None:
        """Turn a failed worker (of the app or of any pane) into a notification."""
        if worker.state != WorkerState.ERROR or worker.error is None:
            return
        err = worker.error
        if isinstance(err, StackyardError):
            text = err.message + (f"\nhint: {err.hint}" if err.hint else "")
        else:
            text = f"{type(err).__name__}: {err}"
        self.error_log.append(text)
        self.notify(text, title=f"{worker.name or 'task'} failed", severity="error", timeout=12, markup=False)
        self.post_message(ActionFailed(worker.name, err))

    # registry plumbing -------------------------------------------------------------------------
    def has_feature(self, feature: str) -> bool:
        return hasattr(self.ws, _FEATURE_METHOD[feature])

    def action_ready(self, action: Action) -> bool:
        """Whether an action's requirements (selected env, core features) are met now."""
        for need in action.needs:
            if need == "env" and self.env is None:
                return False
            if need in _FEATURE_METHOD and not self.has_feature(need):
                return False
        return True

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        for a in ACTIONS:
            if a.runs_on == "app" and a.method == action:
                return self.action_ready(a)
        return True

    async def run_registry_action(self, action: Action) -> None:
        """Run a registry action from the palette (pane actions run on their pane)."""
        if not self.action_ready(action):
            self.notify(f"{action.title}: not available now", severity="warning")
            return
        if action.runs_on == "app":
            await self.run_action(action.method)
            return
        self.action_focus_pane(action.runs_on)
        await self.run_action(action.method, default_namespace=self.query_one(_PANES[action.runs_on]))

    # app-wide actions --------------------------------------------------------------------------
    def action_help(self) -> None:
        self.push_screen(HelpScreen({a.id: self.action_ready(a) for a in ACTIONS}))

    def action_focus_pane(self, pane: str) -> None:
        if pane in _TABS:
            self.query_one(TabbedContent).active = _TABS[pane]
        self.query_one(_PANES[pane]).focus()

    def action_refresh_all(self) -> None:
        self.refresh_env()
        self.query_one(HealthPane).refresh_now()

    def action_toggle_theme(self) -> None:
        self.theme = "textual-light" if self.current_theme.dark else "textual-dark"

    @property
    def log_view(self) -> LogView:
        return self.query_one(LogView)


def main(project_dir: Path | None = None) -> None:
    """Entry point of ``stackyard`` without a command: open the project and run the app."""
    from core.api import Workspace

    try:
        log_limit = int(os.environ.get("STACKYARD_TUI_LOG_LINES", "10000"))
    except ValueError:
        log_limit = 0
    if log_limit < 100:
        print("stackyard: STACKYARD_TUI_LOG_LINES must be a whole number >= 100", file=sys.stderr)
        raise SystemExit(2)
    try:
        ws = Workspace.open(project_dir)
    except StackyardError as e:  # before the screen is taken over: plain stderr and the documented code
        print(f"stackyard: {e.message}" + (f"\nhint: {e.hint}" if e.hint else ""), file=sys.stderr)
        raise SystemExit(int(e.exit_code)) from None
    StackyardApp(ws, owns_workspace=True, log_limit=log_limit).run()
