"""Modal dialogs: confirm (with an optional preview), prompt for text, choose items, show text."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, SelectionList, Static


class ConfirmScreen(ModalScreen[bool]):
    """Ask before doing something; destructive ones get an error-coloured confirm button."""

    BINDINGS = [Binding("escape", "cancel", "Cancel"), Binding("y", "confirm", "Yes", show=False)]

    def __init__(self, title: str, body: str, *, confirm_label: str = "Confirm", destructive: bool = False,
                 preview: str | Text | None = None) -> None:
        super().__init__()
        self.title_text, self.body, self.confirm_label = title, body, confirm_label
        self.destructive, self.preview = destructive, preview

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog" + (" -destructive" if self.destructive else "")):
            yield Label(self.title_text, classes="dialog-title")
            yield Static(self.body, classes="dialog-body")
            if self.preview is not None:
                with VerticalScroll(classes="dialog-preview"):
                    yield Static(self.preview, id="preview")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Cancel", id="cancel")
                yield Button(self.confirm_label, id="confirm", variant="error" if self.destructive else "primary")

    def on_mount(self) -> None:
        self.query_one("#cancel" if self.destructive else "#confirm", Button).focus()

    @on(Button.Pressed, "#confirm")
    def action_confirm(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(False)


class PromptScreen(ModalScreen[str | None]):
    """Ask for one value; ``validate`` returns an error message or None."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, *, placeholder: str = "", value: str = "",
                 validate: Callable[[str], str | None] | None = None, help: str = "") -> None:
        super().__init__()
        self.title_text, self.placeholder, self.value = title, placeholder, value
        self.validate, self.help = validate, help

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.title_text, classes="dialog-title")
            if self.help:
                yield Static(self.help, classes="dialog-body")
            yield Input(value=self.value, placeholder=self.placeholder, id="prompt-input")
            yield Static("", id="prompt-error", classes="dialog-error")

    @on(Input.Submitted)
    def submit(self, event: Input.Submitted) -> None:
        value = event.value.strip()
        problem = "a value is required" if not value else (self.validate(value) if self.validate else None)
        if problem:
            self.query_one("#prompt-error", Static).update(problem)
            return
        self.dismiss(value)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ChooseScreen(ModalScreen[list[str] | None]):
    """Pick several items from a list (space toggles, Enter accepts)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel"), Binding("enter", "accept", "Accept", priority=True)]

    def __init__(self, title: str, items: list[str], chosen: set[str]) -> None:
        super().__init__()
        self.title_text, self.items, self.chosen = title, items, chosen

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.title_text, classes="dialog-title")
            yield SelectionList[str](*((i, i, i in self.chosen) for i in self.items), id="choices")
            yield Static("space: toggle · enter: accept · esc: cancel", classes="dialog-hint")

    def action_accept(self) -> None:
        self.dismiss(list(self.query_one(SelectionList).selected))

    def action_cancel(self) -> None:
        self.dismiss(None)


class TextScreen(ModalScreen[None]):
    """Show a block of text (a log line, pretty JSON, a diff) until Esc or q."""

    BINDINGS = [Binding("escape,q,enter", "close", "Close")]

    def __init__(self, title: str, body: str | Text) -> None:
        super().__init__()
        self.title_text, self.body = title, body

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog -wide"):
            yield Label(self.title_text, classes="dialog-title")
            with VerticalScroll(classes="dialog-preview"):
                yield Static(self.body, id="text-body")
            yield Static("esc: close", classes="dialog-hint")

    def action_close(self) -> None:
        self.dismiss(None)
