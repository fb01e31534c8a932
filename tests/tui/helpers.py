"""Helpers for driving the app in tests: wait for workers (no sleeps) and read the screen as text."""

from __future__ import annotations

import asyncio
import io

from rich.console import Console

# The log stream follows forever; everything else finishes.
ENDLESS_GROUPS = {"logs"}


async def settle(pilot) -> None:
    """Wait until every finite worker is done and the messages they posted are handled."""
    app = pilot.app
    for _ in range(200):
        await pilot.pause()
        busy = [w for w in app.workers if w.group not in ENDLESS_GROUPS and not w.is_finished]
        if not busy:
            await pilot.wait_for_scheduled_animations()
            return
        await asyncio.gather(*(w.wait() for w in busy), return_exceptions=True)
    raise AssertionError("workers kept starting other workers")


def screen_text(app) -> str:
    """The current screen as plain text (what a user would read)."""
    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), force_terminal=True,
                      color_system="truecolor", record=True, legacy_windows=False, safe_box=False)
    console.print(app.screen._compositor.render_update(full=True, screen_stack=app._background_screens))
    return console.export_text()
