"""The one action registry: key bindings, the help screen and the command palette come from here.

Every user-visible action is named once as an :class:`Action`. A pane asks for its bindings
with :func:`bindings_for`; the help screen lists :data:`ACTIONS` by group; the palette offers
the actions whose requirements the app currently meets (``StackyardApp.action_ready``).
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding

# Which widget runs an action: "app" actions are methods of the App (``action_<method>``);
# the others are methods of the pane with that scope (the palette finds the pane by scope).
APP = "app"


@dataclass(frozen=True)
class Action:
    """One thing a user can do: a stable id, the keys for it, where it runs, what it needs."""

    id: str  # stable, e.g. "branch.create"
    title: str  # palette and help text
    method: str  # action method name without the ``action_`` prefix
    keys: tuple[str, ...] = ()  # Textual key names; empty = palette only
    scope: str = APP  # the pane whose bindings include it: app, envs, branches, logs, details
    runs_on: str = APP  # APP, or the scope of the widget that implements ``method``
    group: str = "General"
    needs: tuple[str, ...] = ()  # env, branching, migrations, seed, snapshots
    destructive: bool = False
    footer: bool = True  # show in the footer when its pane is focused
    short: str = ""  # footer label; defaults to the title

    @property
    def key_display(self) -> str:
        return " / ".join(_pretty_key(k) for k in self.keys)

    def action_string(self) -> str:
        """The Textual action string a binding of this action's scope runs."""
        if self.runs_on == APP and self.scope != APP:
            return f"app.{self.method}"
        return self.method


def _pretty_key(key: str) -> str:
    return {"question_mark": "?", "slash": "/", "end": "End", "enter": "Enter", "delete": "Del",
            "escape": "Esc", "shift+up": "⇧↑", "shift+down": "⇧↓"}.get(key, key.replace("ctrl+", "^"))


ACTIONS: tuple[Action, ...] = (
    # app-wide --------------------------------------------------------------------------------
    Action("app.help", "Show keys and actions", "help", ("question_mark", "f1"), group="General",
           footer=True, short="help"),
    Action("app.focus_envs", "Go to Environments", "focus_pane('envs')", ("1",), group="Navigate",
           footer=False),
    Action("app.focus_branches", "Go to Branches", "focus_pane('branches')", ("2",), group="Navigate",
           footer=False),
    Action("app.focus_logs", "Go to Logs", "focus_pane('logs')", ("3",), group="Navigate", footer=False),
    Action("app.focus_health", "Go to Health", "focus_pane('health')", ("4",), group="Navigate",
           footer=False),
    Action("app.focus_details", "Go to Details", "focus_pane('details')", ("5",), group="Navigate",
           footer=False),
    Action("app.refresh", "Refresh everything", "refresh_all", ("f5",), group="General", footer=False),
    Action("app.theme", "Toggle light/dark theme", "toggle_theme", ("ctrl+t",), group="General",
           footer=False),
    Action("app.quit", "Quit", "quit", ("q", "ctrl+q"), group="General", footer=True, short="quit"),
    # database on the active branch -------------------------------------------------------------
    Action("db.psql", "Open psql on the active branch", "psql", ("p",), group="Database", needs=("env",),
           footer=False),
    Action("db.copy_url", "Copy DATABASE_URL", "copy_database_url", ("y",), group="Database",
           needs=("env",), footer=False),
    Action("db.migrate", "Run pending migrations", "migrate", ("m",), group="Database",
           needs=("env", "migrations"), footer=False),
    Action("db.seed", "Seed the database", "seed", ("e",), group="Database", needs=("env", "seed"),
           footer=False),
    # environments ------------------------------------------------------------------------------
    Action("env.up", "Bring environment up", "env_up", ("u",), scope="envs", group="Environment",
           needs=("env",), short="up"),
    Action("env.down", "Stop environment (keep data)", "env_down", ("d",), scope="envs",
           group="Environment", needs=("env",), short="down"),
    Action("env.destroy", "Destroy environment and its data", "env_destroy", ("D",), scope="envs",
           group="Environment", needs=("env",), destructive=True, short="destroy"),
    Action("env.create", "Create environment", "env_create", ("n",), scope="envs", group="Environment", short="new"),
    Action("env.clone", "Clone environment", "env_clone", ("c",), scope="envs", group="Environment",
           needs=("env",), short="clone"),
    # branches ----------------------------------------------------------------------------------
    Action("branch.create", "Create branch", "branch_create", ("n",), scope="branches", group="Branch",
           needs=("env", "branching"), short="new"),
    Action("branch.switch", "Switch to branch", "branch_switch", ("s", "enter"), scope="branches",
           group="Branch", needs=("env", "branching"), short="switch"),
    Action("branch.reset", "Reset branch to its parent", "branch_reset", ("r",), scope="branches",
           group="Branch", needs=("env", "branching"), destructive=True, short="reset"),
    Action("branch.delete", "Delete branch", "branch_delete", ("x", "delete"), scope="branches",
           group="Branch", needs=("env", "branching"), destructive=True, short="delete"),
    Action("branch.merge", "Merge branch (diff preview)", "branch_merge", ("M",), scope="branches",
           group="Branch", needs=("env", "branching"), short="merge"),
    Action("branch.snapshot", "Snapshot branch", "snapshot", ("S",), scope="branches", group="Branch",
           needs=("env", "snapshots"), short="snapshot"),
    # logs ----------------------------------------------------------------------------------------
    Action("logs.filter", "Filter logs (regex, !inverts)", "request('filter')", ("slash",), scope="logs",
           runs_on="logs", group="Logs", short="filter"),
    Action("logs.find_next", "Find next match", "find_next", ("n",), scope="logs", runs_on="logs",
           group="Logs", footer=False),
    Action("logs.find_prev", "Find previous match", "find_prev", ("N",), scope="logs", runs_on="logs",
           group="Logs", footer=False),
    Action("logs.follow", "Follow (jump to newest)", "follow", ("G", "end"), scope="logs", runs_on="logs",
           group="Logs", short="follow"),
    Action("logs.wrap", "Toggle line wrap", "toggle_wrap", ("w",), scope="logs", runs_on="logs",
           group="Logs", short="wrap"),
    Action("logs.timestamps", "Toggle timestamps", "toggle_timestamps", ("t",), scope="logs",
           runs_on="logs", group="Logs", short="time"),
    Action("logs.services", "Choose services", "request('services')", ("s",), scope="logs", runs_on="logs",
           group="Logs", short="services"),
    Action("logs.copy", "Copy selected lines", "copy_lines", ("c",), scope="logs", runs_on="logs",
           group="Logs", short="copy"),
    Action("logs.save", "Save logs to a file", "request('save')", ("ctrl+s",), scope="logs", runs_on="logs",
           group="Logs", footer=False),
    Action("logs.find", "Find text (regex)", "request('find')", ("f",), scope="logs", runs_on="logs",
           group="Logs", short="find"),
    Action("logs.cursor_up", "Line cursor up (pauses follow)", "cursor(-1)", ("up", "k"), scope="logs",
           runs_on="logs", group="Logs", footer=False),
    Action("logs.cursor_down", "Line cursor down", "cursor(1)", ("down", "j"), scope="logs",
           runs_on="logs", group="Logs", footer=False),
    Action("logs.detail", "Show line (pretty JSON)", "show_line", ("enter",), scope="logs",
           runs_on="logs", group="Logs", footer=False),
    Action("logs.select_up", "Extend selection up", "select(-1)", ("shift+up",), scope="logs",
           runs_on="logs", group="Logs", footer=False),
    Action("logs.select_down", "Extend selection down", "select(1)", ("shift+down",), scope="logs",
           runs_on="logs", group="Logs", footer=False),
    Action("logs.clear", "Clear selection and find", "clear_marks", ("escape",), scope="logs",
           runs_on="logs", group="Logs", footer=False),
    # details ---------------------------------------------------------------------------------
    Action("details.reveal", "Reveal/mask .env values", "toggle_reveal", ("r",), scope="details",
           runs_on="details", group="Details", short="reveal"),
)

BY_ID: dict[str, Action] = {a.id: a for a in ACTIONS}
assert len(BY_ID) == len(ACTIONS), "action ids must be unique"


def actions_for(scope: str) -> list[Action]:
    return [a for a in ACTIONS if a.scope == scope]


def bindings_for(scope: str) -> list[Binding]:
    """Textual bindings of one pane (or the app), generated from the registry."""
    out: list[Binding] = []
    for a in actions_for(scope):
        for i, key in enumerate(a.keys):
            out.append(Binding(key, a.action_string(), a.short or a.title, show=a.footer and i == 0,
                               key_display=_pretty_key(key), id=f"{a.id}#{i}" if i else a.id))
    return out


def groups() -> dict[str, list[Action]]:
    """Actions grouped for the help screen, in registry order."""
    out: dict[str, list[Action]] = {}
    for a in ACTIONS:
        out.setdefault(a.group, []).append(a)
    return out
