"""One registry feeds bindings, help and palette; what is offered depends on the context."""

from __future__ import annotations

import pytest

from tui.actions import ACTIONS, BY_ID, bindings_for
from tui.app import StackyardApp
from tui.palette import ActionsProvider
from tui.panes.logview import LogView

from .fixed_workspace import FixedWorkspace
from .helpers import settle


def test_every_action_is_bound_once_per_scope_and_reachable():
    for scope in {a.scope for a in ACTIONS}:
        keys = [b.key for b in bindings_for(scope)]
        assert len(keys) == len(set(keys)), f"duplicate key in {scope}"
    # the log view's own bindings are the registry's
    assert {b.action for b in LogView.BINDINGS} == {a.method for a in ACTIONS if a.scope == "logs"}
    # app actions exist as methods
    for a in ACTIONS:
        if a.runs_on == "app":
            assert hasattr(StackyardApp, "action_" + a.method.split("(")[0]), a.id


@pytest.mark.asyncio
async def test_palette_offers_only_what_the_context_allows():
    app = StackyardApp(FixedWorkspace(), health_interval=600)  # fixed data: has branching, no migrations
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        provider = ActionsProvider(app.screen)
        offered = {a.id for a in provider._available()}
        assert {"env.up", "branch.create", "branch.merge", "logs.filter"} <= offered
        assert "db.migrate" not in offered and "db.seed" not in offered  # the core lacks them here
        app.env = None
        await settle(pilot)
        offered = {a.id for a in provider._available()}
        assert "env.up" not in offered and "branch.create" not in offered
        assert {"env.create", "app.help"} <= offered
        await app.run_registry_action(BY_ID["db.migrate"])  # not available: a warning, no crash
        assert app.error_log == []


@pytest.mark.asyncio
async def test_theme_toggles_between_light_and_dark():
    app = StackyardApp(FixedWorkspace(), health_interval=600)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.current_theme.dark
        await pilot.press("ctrl+t")
        assert app.theme == "textual-light" and not app.current_theme.dark
        await pilot.press("ctrl+t")
        assert app.current_theme.dark
