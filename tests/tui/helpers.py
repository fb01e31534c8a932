"""Helpers for driving the app in tests: wait for workers (no sleeps) and read the screen as text."""

from __future__ import annotations

import asyncio
import io

from rich.console import Console

# The log stream follows forever; everything else finishes.
ENDLESS_GROUPS = {"logs"}


async def settle(pilot, timeout: float = 60.0) -> None:
    """Wait until every finite worker is done and the messages it posted are handled.

    An action waiting for the user's answer in a dialog counts as settled.
    """
    app = pilot.app
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        await pilot.pause()
        busy = [w for w in app.workers if w.group not in ENDLESS_GROUPS and not w.is_finished]
        if not busy:
            await pilot.wait_for_scheduled_animations()
            await pilot.pause()
            if not [w for w in app.workers if w.group not in ENDLESS_GROUPS and not w.is_finished]:
                return
            continue
        if app.screen.is_modal and all(w.group == "action" for w in busy):
            return  # an action is waiting for an answer in a dialog
        if loop.time() > deadline:
            raise AssertionError(f"workers still running: {[w.name for w in busy]}")
        await pilot.pause(0.02)


def screen_text(app) -> str:
    """The current screen as plain text (what a user would read)."""
    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), force_terminal=True,
                      color_system="truecolor", record=True, legacy_windows=False, safe_box=False)
    console.print(app.screen._compositor.render_update(full=True, screen_stack=app._background_screens))
    return console.export_text()


async def wait_until(pilot, predicate, *, what: str, timeout: float = 15.0) -> None:
    """Let the app run until ``predicate()`` holds (lines from a real log file arrive on their own time)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await pilot.pause(0.05)
