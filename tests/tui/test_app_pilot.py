"""The real app driven by Pilot against a real embedded-Postgres environment."""

from __future__ import annotations

import io

import psycopg
from rich.console import Console
import pytest
from textual.widgets import DataTable, OptionList

from tui.app import StackyardApp
from tui.messages import CoreEvent
from tui.panes.branches import BranchesTree
from tui.panes.logs import LogsPane
from tui.screens.dialogs import ConfirmScreen, PromptScreen
from tui.screens.help import HelpScreen
from tui.actions import ACTIONS

from .helpers import screen_text, settle, wait_until

pytestmark = pytest.mark.asyncio(loop_scope="module")


def make_app(ws) -> StackyardApp:
    # A long health interval: the tests trigger refreshes themselves and never wait on a timer.
    return StackyardApp(ws, health_interval=600)


async def test_opens_on_the_running_env_with_health_and_details(workspace):
    app = make_app(workspace)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert app.env == "dev"
        assert app.status["state"] == "running"
        assert "dev" in app.sub_title and "main" in app.sub_title
        options = app.query_one("#envs", OptionList)
        assert options.get_option_at_index(0).id == "dev"
        assert app.query_one(BranchesTree).highlighted_branch == "main"
        table = app.query_one("#health-table", DataTable)
        assert table.row_count == 1
        assert [str(c) for c in table.get_row("db")[:3]] == ["db", "running", "ok"]
        # .env secrets are masked until revealed
        body = str(app.query_one("#details-body").render())
        password = workspace.read_secrets("dev")["db.password"]
        assert password not in body and "••••••" in body
        await pilot.press("5", "r")
        assert password in str(app.query_one("#details-body").render())
        assert app.error_log == []


async def test_selecting_another_env_switches_every_pane(workspace):
    await workspace.up("qa")
    app = make_app(workspace)
    try:
        await _switch_envs(app)
    finally:
        await workspace.destroy("qa")


async def _switch_envs(app) -> None:
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert [e["env"] for e in app.envs] == ["dev", "qa"]
        await pilot.press("1", "down")
        await settle(pilot)
        assert app.env == "qa"
        assert app.query_one(LogsPane).env == "qa"
        assert app.status["env"] == "qa"
        assert "qa" in app.sub_title


async def test_down_then_up_from_the_keyboard(workspace):
    app = make_app(workspace)
    seen: list = []
    async with app.run_test(size=(100, 30), message_hook=seen.append) as pilot:
        await settle(pilot)
        await pilot.press("1", "d")
        await settle(pilot)
        assert (await workspace.status("dev"))["state"] == "stopped"
        assert app.status["state"] == "stopped"
        row = [str(c) for c in app.query_one("#health-table", DataTable).get_row("db")]
        assert row[1:3] == ["stopped", "FAIL"] and row[-1]  # the probe's error is shown
        assert "unhealthy: db" in str(app.query_one("#health-summary").render())
        await pilot.press("u")
        await settle(pilot)
        assert (await workspace.status("dev"))["state"] == "running"
        assert app.status["state"] == "running"
        assert app.error_log == []
        assert app.query_one("#operation").has_class("-idle")  # nothing left running
    # progress came from the core's event bus, as typed messages
    kinds = [(type(m.event).__name__, getattr(m.event, "kind", None)) for m in seen if isinstance(m, CoreEvent)]
    assert ("OperationStarted", "down") in kinds and ("OperationFinished", "up") in kinds


async def test_failing_action_is_routed_to_an_error_notification(workspace):
    app = make_app(workspace)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("1", "n")
        await settle(pilot)
        assert isinstance(app.screen, PromptScreen)
        await pilot.press(*"Bad Name", "enter")  # the core validates names, not the TUI
        await settle(pilot)
        await pilot.press("enter")  # profile: keep "dev"
        await settle(pilot)
        assert app.error_log and "invalid environment name 'Bad Name'" in app.error_log[-1]
        await pilot.pause()
        assert "invalid environment name" in screen_text(app)  # the toast the user sees
        assert app.is_running  # the app survived
        assert [e["env"] for e in await workspace.list_envs()] == ["dev"]  # nothing half-created


async def test_destroy_asks_first_and_cancel_keeps_everything(workspace):
    app = make_app(workspace)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("1", "D")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        assert app.screen.destructive
        await pilot.press("escape")
        await settle(pilot)
        assert (await workspace.status("dev"))["state"] == "running"
        assert app.error_log == []


async def test_run_migrations_from_the_keyboard(workspace):
    workspace.migrations_dir.mkdir(parents=True, exist_ok=True)
    (workspace.migrations_dir / "20260101000000_tui_customers.sql").write_text(
        "CREATE TABLE tui_customers (id bigint PRIMARY KEY, email text NOT NULL);\n")
    app = make_app(workspace)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("m")
        await settle(pilot)
        assert app.error_log == []
        assert "migrations: 1 applied" in screen_text(app)
    with psycopg.connect(await workspace.database_url("dev")) as c:
        assert c.execute("SELECT to_regclass('public.tui_customers') IS NOT NULL").fetchone()[0]


async def test_copy_database_url_and_psql_needs_a_terminal(workspace):
    app = make_app(workspace)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert app.clipboard == await workspace.database_url("dev")
        # psql takes over the terminal; headless there is none: a clear error, not a crash
        await pilot.press("p")
        await settle(pilot)
        assert app.error_log == ["psql needs the app to run in a real terminal\nhint: run `stackyard db psql "
                                 "--env dev` instead"]


async def test_help_lists_every_registry_action(workspace):
    app = make_app(workspace)
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        text = str(app.screen.query_one("#help-body").render())
        for action in ACTIONS:
            assert action.title in text
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


def _error_lines(url: str, n: int) -> None:
    """Make the real server write ERROR lines to its log."""
    with psycopg.connect(url, autocommit=True) as c:
        for i in range(n):
            try:
                c.execute(f"SELECT {i} / 0 AS tui_probe_{i}")
            except psycopg.errors.DivisionByZero:
                pass


async def test_logs_filter_follow_pause_resume_and_copy(workspace):
    url = await workspace.database_url("dev")
    app = make_app(workspace)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        view = app.log_view
        await wait_until(pilot, lambda: view.shown_count() > 0, what="the startup lines of postgres")
        await pilot.press("3", "slash", *"division", "enter")
        assert view.status().filter == "/division/"
        assert view.shown_count() == 0
        _error_lines(url, 2)
        await wait_until(pilot, lambda: view.shown_count() >= 2, what="the ERROR lines")
        assert view.following  # the filter keeps following
        assert all("division" in view.model.line_at(p).text for p in range(view.shown_count()))
        # moving the cursor up pauses follow; new lines are counted, not scrolled to
        await pilot.press("up")
        assert not view.following
        _error_lines(url, 1)
        await wait_until(pilot, lambda: view.pending >= 1, what="a pending line")
        assert "new line" in str(app.query_one("#log-status").render())
        # copy the cursor line
        await pilot.press("c")
        assert "division by zero" in app.clipboard
        # G resumes following and clears the counter
        await pilot.press("G")
        assert view.following and view.pending == 0
        # ! inverts the filter
        await pilot.press("slash", "ctrl+a", "exclamation_mark")
        await settle(pilot)
        assert view.status().filter == "not /division/"
        assert view.shown_count() > 0
        assert not any("division" in view.model.line_at(p).text for p in range(view.shown_count()))
        await pilot.press("escape")  # clears the filter
        assert view.status().filter is None


async def test_branch_create_from_palette_then_switch(workspace):
    if not hasattr(workspace, "branch_create"):
        pytest.skip("core.api.Workspace has no branch_create yet (branching mixin not merged)")
    app = make_app(workspace)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await settle(pilot)
        await pilot.press(*"Create branch")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, PromptScreen)
        await pilot.press(*"feat", "enter")
        await settle(pilot)
        tree = app.query_one(BranchesTree)
        assert "feat" in tree.branch_names(), app.error_log
        # switch to it from the tree
        await pilot.press("2")
        assert tree.select_branch("feat")
        await pilot.press("s")
        await settle(pilot)
        assert (await workspace.status("dev"))["active_branch"] == "feat", app.error_log
        assert app.status["active_branch"] == "feat"
        assert "feat" in app.sub_title
        assert tree.select_branch("main")
        await pilot.press("s")
        await settle(pilot)
        assert (await workspace.status("dev"))["active_branch"] == "main", app.error_log


async def test_merge_shows_the_migration_and_applies_it(workspace):
    if not hasattr(workspace, "branch_merge"):
        pytest.skip("core.api.Workspace has no branch_merge yet (branching mixin not merged)")
    await workspace.branch_create("dev", "orders", parent="main")
    try:
        url = await workspace.database_url("dev", branch="orders")
        with psycopg.connect(url, autocommit=True) as c:
            c.execute("CREATE TABLE tui_orders (id bigint PRIMARY KEY, total numeric NOT NULL)")
        app = make_app(workspace)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            assert app.query_one(BranchesTree).select_branch("orders")
            await pilot.press("2", "M")
            await settle(pilot)
            assert isinstance(app.screen, ConfirmScreen), app.error_log
            console = Console(width=120, record=True, file=io.StringIO())
            console.print(app.screen.preview)
            preview = console.export_text()
            assert "CREATE TABLE" in preview and "tui_orders" in preview
            await pilot.press("y")
            await settle(pilot)
            assert app.error_log == []
        main_url = await workspace.database_url("dev", branch="main")
        with psycopg.connect(main_url) as c:
            assert c.execute("SELECT to_regclass('public.tui_orders') IS NOT NULL").fetchone()[0]
        written = list(workspace.migrations_dir.glob("*.sql"))
        assert any("tui_orders" in p.read_text() for p in written)
    finally:
        await workspace.branch_delete("dev", "orders")


async def test_branch_from_a_busy_parent_offers_to_end_its_sessions(workspace):
    if not hasattr(workspace, "branch_create"):
        pytest.skip("core.api.Workspace has no branch_create yet (branching mixin not merged)")
    app = make_app(workspace)
    with psycopg.connect(await workspace.database_url("dev", branch="main"), autocommit=True) as busy:
        busy.execute("SELECT 1")
        async with app.run_test(size=(120, 30)) as pilot:
            await settle(pilot)
            assert app.query_one(BranchesTree).select_branch("main")
            await pilot.press("2", "n")
            await settle(pilot)
            app.screen.query_one("#prompt-input").value = "hotfix"
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(app.screen, ConfirmScreen), app.error_log  # the core refused: sessions
            assert "connected" in app.screen.title_text
            await pilot.press("y")
            await settle(pilot)
            assert "hotfix" in app.query_one(BranchesTree).branch_names(), app.error_log
            assert app.error_log == []
    await workspace.branch_delete("dev", "hotfix")


async def test_destroy_confirmed_removes_the_env_and_selects_another(workspace):
    await workspace.up("scratch")
    app = make_app(workspace)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("1", "down")
        await settle(pilot)
        assert app.env == "scratch"
        await pilot.press("D")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await settle(pilot)
        assert app.error_log == []  # no stale load of the destroyed env
        assert app.env == "dev"
        assert [e["env"] for e in app.envs] == ["dev"]
    assert [e["env"] for e in await workspace.list_envs()] == ["dev"]
