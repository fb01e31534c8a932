"""The help screen (``?``/F1), generated from the action registry."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.markup import escape
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from ..actions import groups

_WHERE = {"app": "anywhere", "envs": "Environments", "branches": "Branches", "logs": "Logs",
          "details": "Details"}


def help_markup(ready: dict[str, bool] | None = None) -> str:
    """Every action by group: keys, title, where it works; unavailable ones are dimmed."""
    lines: list[str] = []
    for group, actions in groups().items():
        lines.append(f"[b $accent]{group}[/]")
        for a in actions:
            keys = a.key_display or "palette"
            where = _WHERE.get(a.scope, a.scope)
            text = f"  [b]{escape(keys):<14}[/b] {escape(a.title)} [$text-muted]({where})[/]"
            if ready is not None and not ready.get(a.id, True):
                text = f"[$text-disabled]{text} — not available[/]"
            lines.append(text)
        lines.append("")
    lines.append("[$text-muted]ctrl+p opens the command palette with the same actions.[/]")
    return "\n".join(lines)


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,question_mark,f1", "close", "Close")]

    def __init__(self, ready: dict[str, bool] | None = None) -> None:
        super().__init__()
        self.ready = ready

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog -wide"):
            yield Label("Keys and actions", classes="dialog-title")
            with VerticalScroll(classes="dialog-preview"):
                yield Static(help_markup(self.ready), id="help-body")
            yield Static("esc: close", classes="dialog-hint")

    def action_close(self) -> None:
        self.dismiss(None)
