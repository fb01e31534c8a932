"""Snapshots of the main screens at 80×24 and 160×48 (fixed data: no ports, pids or clocks in frame).

Review changes with the HTML report before running ``pytest --snapshot-update``.
"""

from __future__ import annotations

import pytest

from tui.app import StackyardApp

from .fixed_workspace import FixedWorkspace
from .helpers import settle

SIZES = [(80, 24), (160, 48)]


def make_app(theme: str | None = None) -> StackyardApp:
    app = StackyardApp(FixedWorkspace(), health_interval=600)
    if theme:
        app.theme = theme
    return app


def ready(*keys: str):
    """run_before: wait for data and the log lines, then press ``keys``."""

    async def run_before(pilot) -> None:
        app = pilot.app
        await settle(pilot)
        await app.ws.logs_delivered.wait()
        app.log_view.flush()
        await settle(pilot)
        if keys:
            await pilot.press(*keys)
            await settle(pilot)

    return run_before


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_logs_screen(snap_compare, utc, size):
    assert snap_compare(make_app(), terminal_size=size, run_before=ready())


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_health_screen(snap_compare, utc, size):
    assert snap_compare(make_app(), terminal_size=size, run_before=ready("4"))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_details_screen_masks_secrets(snap_compare, utc, size):
    assert snap_compare(make_app(), terminal_size=size, run_before=ready("5"))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_help_screen(snap_compare, utc, size):
    assert snap_compare(make_app(), terminal_size=size, run_before=ready("question_mark"))


def test_logs_filtered_and_paused(snap_compare, utc):
    keys = ("3", "slash", *"error", "enter", "up", "up")
    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=ready(*keys))


def test_branches_light_theme(snap_compare, utc):
    assert snap_compare(make_app("textual-light"), terminal_size=(80, 24), run_before=ready("2"))


def test_merge_preview_dialog(snap_compare, utc):
    """M on a branch: the diff and the migration SQL, before anything is applied."""
    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=ready("2", "M"))


def test_unhealthy_env_health(snap_compare, utc):
    """An environment with a failing probe: the row and the error in the error colour."""
    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=ready("1", "down", "down", "4"))
