"""The Details pane: URLs, profile, runtime and the env's .env values (masked until revealed)."""

from __future__ import annotations

import re
import time
from pathlib import Path

from textual.markup import escape
from textual.containers import VerticalScroll
from textual.widgets import Static

from ..actions import bindings_for

_SECRET_KEY = re.compile(r"PASSWORD|SECRET|TOKEN|KEY|PASS$", re.IGNORECASE)
_URL_PASSWORD = re.compile(r"^([a-z][a-z0-9+.-]*://[^:/@]+:)([^@]+)(@.*)$", re.IGNORECASE)
MASK = "••••••"


def parse_env_file(text: str) -> dict[str, str]:
    """KEY=VALUE lines of a .env file (comments and blank lines skipped, simple quotes removed)."""
    out: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = line.split("=", 1)
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1].replace("'\\''", "'")
        out[key.strip()] = value
    return out


def mask_value(key: str, value: str) -> str:
    """Hide secrets: whole value for secret-like keys, only the password inside a URL."""
    if _SECRET_KEY.search(key):
        return MASK if value else ""
    m = _URL_PASSWORD.match(value)
    return f"{m.group(1)}{MASK}{m.group(3)}" if m else value


class DetailsPane(VerticalScroll, can_focus=True):
    """Facts about the selected environment; ``r`` reveals the .env values."""

    BINDINGS = bindings_for("details")

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.revealed = False
        self._status: dict | None = None
        self._env_values: dict[str, str] = {}

    def compose(self):
        yield Static("no environment selected", id="details-body")

    def show(self, status: dict | None, env_values: dict[str, str], root: Path | None = None) -> None:
        """Show an environment's status; the .env path is shown relative to the project ``root``."""
        if status and root is not None and status.get("env_file"):
            try:
                status = status | {"env_file": str(Path(status["env_file"]).relative_to(root))}
            except ValueError:
                pass
        self._status, self._env_values = status, env_values
        self._show_body()

    def action_toggle_reveal(self) -> None:
        self.revealed = not self.revealed
        self._show_body()

    def _show_body(self) -> None:
        self.query_one("#details-body", Static).update(details_markup(self._status, self._env_values, self.revealed))


def details_markup(status: dict | None, env_values: dict[str, str], revealed: bool) -> str:
    if status is None:
        return "no environment selected"
    lines = [
        f"[b]{escape(status['env'])}[/b]  [$text-muted]project[/] {escape(status['project'])}",
        f"[$text-muted]state[/]    {status['state']}",
        f"[$text-muted]profile[/]  {escape(status['profile'])}   [$text-muted]runtime[/] {escape(status['runtime'])}",
        f"[$text-muted]branch[/]   {escape(status.get('active_branch') or 'main')}",
    ]
    if status.get("expires_at"):
        lines.append(f"[$text-muted]expires[/]  {time.strftime('%Y-%m-%d %H:%M', time.localtime(status['expires_at']))}")
    lines.append("")
    lines.append("[b]services[/b]")
    for s in status.get("services", []):
        where = s.get("url") or (f"127.0.0.1:{s['port']}" if s.get("port") else "")
        lines.append(f"  {escape(s['name'])} [$text-muted]({escape(s['kind'])})[/] {s['state']}  {escape(where)}")
    lines.append("")
    hint = "r hides" if revealed else "r reveals"
    lines.append(f"[b].env[/b] [$text-muted]{escape(status.get('env_file') or '')} · {hint}[/]")
    if not env_values:
        lines.append("  [$text-muted](no .env yet)[/]")
    for key, value in env_values.items():
        shown = value if revealed else mask_value(key, value)
        lines.append(f"  [$accent]{escape(key)}[/]={escape(shown)}")
    return "\n".join(lines)
