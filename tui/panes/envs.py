"""The Environments pane: every environment of the project with its state, profile and runtime."""

from __future__ import annotations

from textual.content import Content
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from ..actions import bindings_for

_STATE_MARK = {"running": "[$success]●[/]", "degraded": "[$warning]◐[/]", "stopped": "[$text-muted]○[/]",
               "empty": "[$text-muted]·[/]"}


class EnvironmentsList(OptionList):
    """One option per environment; highlighting one selects it for the rest of the app."""

    BINDINGS = bindings_for("envs")

    class Selected(Message):
        """The user moved to another environment."""

        def __init__(self, env: str) -> None:
            super().__init__()
            self.env = env

    def show(self, envs: list[dict], selected: str | None) -> None:
        """Replace the list, keeping ``selected`` highlighted when it still exists."""
        self.clear_options()
        for e in envs:
            mark = _STATE_MARK.get(e["state"], "[$warning]?[/]")
            prompt = Content.from_markup(
                f"{mark} [b]$name[/b] [$text-muted]$profile·$runtime[/]", name=e["env"], profile=e["profile"],
                runtime=e["runtime"])
            self.add_option(Option(prompt, id=e["env"]))
        names = [e["env"] for e in envs]
        if selected in names:
            self.highlighted = names.index(selected)
        elif names:
            self.highlighted = 0
        if not envs:
            self.add_option(Option(Content.from_markup("[$text-muted]no environments: press n[/]"), id="",
                                   disabled=True))

    @property
    def selected_env(self) -> str | None:
        if self.highlighted is None:
            return None
        return self.get_option_at_index(self.highlighted).id or None

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        if event.option.id:
            self.post_message(self.Selected(event.option.id))
