"""What the registry's app actions do: ask (prompt/confirm), call the Workspace in a worker, refresh.

Every action is a worker in the "action" group: it never blocks the UI, progress comes from
the core's events, and a failure reaches the app's one error router.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Group
from rich.syntax import Syntax
from rich.text import Text
from textual import work
from textual.app import SuspendNotSupported

from core.errors import ConflictError, StackyardError

from .screens.dialogs import ConfirmScreen, PromptScreen

if TYPE_CHECKING:
    from .app import StackyardApp


class CommandsMixin:
    """Action methods of :class:`~tui.app.StackyardApp` (``self`` is the app)."""

    # helpers -----------------------------------------------------------------------------------
    async def _ask(self: "StackyardApp", title: str, *, value: str = "", help: str = "") -> str | None:
        return await self.push_screen_wait(PromptScreen(title, value=value, help=help))

    async def _confirm(self: "StackyardApp", title: str, body: str, *, label: str, destructive: bool = True,
                       preview: Any = None) -> bool:
        return bool(await self.push_screen_wait(
            ConfirmScreen(title, body, confirm_label=label, destructive=destructive, preview=preview)))

    def _target_branch(self: "StackyardApp") -> str | None:
        from .panes.branches import BranchesTree

        return self.query_one(BranchesTree).highlighted_branch

    async def _branch_or_ask(self: "StackyardApp", verb: str) -> str | None:
        return self._target_branch() or await self._ask(f"Branch to {verb}")

    async def _terminating_if_asked(self: "StackyardApp", what: str, call) -> Any:
        """Run ``call(terminate=False)``; if sessions block the copy, offer to end them and retry."""
        try:
            return await call(terminate=False)
        except ConflictError as e:
            if "--terminate" not in (e.hint or ""):
                raise
            if not await self._confirm(f"{what}: other sessions are connected", e.message + "\n\nEnd those "
                                       "sessions for the copy and try again?", label="End sessions"):
                return None
            return await call(terminate=True)

    def _gone(self: "StackyardApp", env: str) -> None:
        """The environment no longer exists: select another one from a fresh list."""
        self.notify(f"{env} destroyed")
        if self.env == env:
            self.env = None
        self.load_envs()

    def _done(self: "StackyardApp", text: str) -> None:
        self.notify(text)
        self.action_refresh_all()  # lists, details and a fresh health probe

    # environments ------------------------------------------------------------------------------
    @work(group="action", exit_on_error=False, name="up")
    async def action_env_up(self: "StackyardApp") -> None:
        env = self.env
        st = await self.ws.up(env)
        self._done(f"{env} is {st['state']}")

    @work(group="action", exit_on_error=False, name="down")
    async def action_env_down(self: "StackyardApp") -> None:
        env = self.env
        st = await self.ws.down(env)
        if st.get("state") == "destroyed":  # ephemeral profiles remove the data on down
            self._gone(env)
        else:
            self._done(f"{env} is {st['state']}")

    @work(group="action", exit_on_error=False, name="destroy")
    async def action_env_destroy(self: "StackyardApp") -> None:
        env = self.env
        if await self._confirm(f"Destroy {env}?", f"Stops every service of {env!r} and deletes all of its data.",
                               label="Destroy"):
            await self.ws.destroy(env)
            self._gone(env)

    @work(group="action", exit_on_error=False, name="create environment")
    async def action_env_create(self: "StackyardApp") -> None:
        name = await self._ask("New environment name", help="lowercase letters, digits, - and _")
        if not name:
            return
        profile = await self._ask("Profile", value="dev", help="dev, staging, prod, feature, ci or a project profile")
        if not profile:
            return
        await self.ws.up(name, profile=profile, must_create=True)
        self.env = name
        self._done(f"{name} created")

    @work(group="action", exit_on_error=False, name="clone environment")
    async def action_env_clone(self: "StackyardApp") -> None:
        src = self.env
        name = await self._ask(f"Clone {src} as", value=f"{src}-copy")
        if name:
            await self.ws.clone_env(src, name)
            self._done(f"{src} cloned to {name}")

    # branches ----------------------------------------------------------------------------------
    @work(group="action", exit_on_error=False, name="branch create")
    async def action_branch_create(self: "StackyardApp") -> None:
        env, parent = self.env, self._target_branch()
        name = await self._ask(f"New branch of {parent or 'the active branch'}")
        if name and await self._terminating_if_asked(
                f"Create {name}", lambda **kw: self.ws.branch_create(env, name, parent=parent, **kw)):
            self._done(f"branch {name} created")

    @work(group="action", exit_on_error=False, name="branch switch")
    async def action_branch_switch(self: "StackyardApp") -> None:
        env, name = self.env, await self._branch_or_ask("switch to")
        if name:
            await self.ws.branch_switch(env, name)
            self._done(f"{env} now uses branch {name}")

    @work(group="action", exit_on_error=False, name="branch reset")
    async def action_branch_reset(self: "StackyardApp") -> None:
        env, name = self.env, await self._branch_or_ask("reset")
        if name and await self._confirm(f"Reset {name}?", f"Throws away every change on {name!r} and copies its "
                                        "parent again.", label="Reset"):
            if await self._terminating_if_asked(f"Reset {name}", lambda **kw: self.ws.branch_reset(env, name, **kw)):
                self._done(f"branch {name} reset")

    @work(group="action", exit_on_error=False, name="branch delete")
    async def action_branch_delete(self: "StackyardApp") -> None:
        env, name = self.env, await self._branch_or_ask("delete")
        if not name:
            return
        children = [b["name"] for b in self.branches or [] if b.get("parent") == name]
        body = f"Deletes branch {name!r} and its database."
        if children:
            body += f"\nIts children are deleted too: {', '.join(children)}."
        if await self._confirm(f"Delete {name}?", body, label="Delete"):
            await self.ws.branch_delete(env, name, cascade=bool(children))
            self._done(f"branch {name} deleted")

    @work(group="action", exit_on_error=False, name="branch merge")
    async def action_branch_merge(self: "StackyardApp") -> None:
        env, name = self.env, await self._branch_or_ask("merge")
        if not name:
            return
        diff = await self.ws.branch_diff(env, name)
        plan = await self.ws.branch_merge(env, name, dry_run=True)
        into = plan.get("into") or "its parent"
        if plan.get("status") == "up_to_date":
            self.notify(f"{name} has no schema changes against {into}")
            return
        if await self._confirm(f"Merge {name} into {into}?", "These schema changes are written as a migration "
                               "file and applied to the target (proven on a copy first).", label="Merge",
                               destructive=False, preview=merge_preview(diff, plan)):
            result = await self.ws.branch_merge(env, name)
            written = Path(result["file"]).name if result.get("file") else "no file"
            self._done(f"merged {name} into {result.get('into', into)} ({written})")

    @work(group="action", exit_on_error=False, name="snapshot")
    async def action_snapshot(self: "StackyardApp") -> None:
        env, source = self.env, self._target_branch()
        name = await self._ask(f"Snapshot name (of {source or 'the active branch'})")
        if name and await self._terminating_if_asked(
                f"Snapshot {name}", lambda **kw: self.ws.snapshot_create(env, name, source=source, **kw)):
            self._done(f"snapshot {name} created")

    # database ------------------------------------------------------------------------------------
    @work(group="action", exit_on_error=False, name="migrate")
    async def action_migrate(self: "StackyardApp") -> None:
        result = await self.ws.migrate_up(self.env)
        self._done(f"migrations: {summarize(result)}")

    @work(group="action", exit_on_error=False, name="seed")
    async def action_seed(self: "StackyardApp") -> None:
        result = await self.ws.db_seed(self.env)
        self._done(f"seed: {summarize(result)}")

    @work(group="action", exit_on_error=False, name="copy DATABASE_URL")
    async def action_copy_database_url(self: "StackyardApp") -> None:
        url = await self.ws.database_url(self.env)
        self.copy_to_clipboard(url)
        self.notify(f"DATABASE_URL of {self.env} copied")

    @work(group="action", exit_on_error=False, name="psql")
    async def action_psql(self: "StackyardApp") -> None:
        from core.pg.binaries import find_binaries

        url = await self.ws.database_url(self.env)
        try:
            psql = find_binaries().tool("psql")
        except Exception:
            psql = shutil.which("psql")
        if not psql:
            raise FileNotFoundError("no psql found (install postgresql-client)")
        # The terminal belongs to psql until it exits; the app draws again afterwards.
        try:
            with self.suspend():
                subprocess.run([psql, url], check=False)
        except SuspendNotSupported:
            raise StackyardError("psql needs the app to run in a real terminal",
                                 hint=f"run `stackyard db psql --env {self.env}` instead") from None


def summarize(result: Any) -> str:
    """A short human line for an operation's result dict."""
    if isinstance(result, dict):
        for key in ("applied", "files", "rows", "count"):
            if key in result:
                value = result[key]
                return f"{len(value) if isinstance(value, list) else value} {key}"
        return ", ".join(f"{k}={v}" for k, v in list(result.items())[:3]) or "done"
    if isinstance(result, list):
        return f"{len(result)} applied" if result else "nothing pending"
    return "done"


def merge_preview(diff: Any, plan: Any) -> Group:
    """The diff and the migration SQL a merge will write, as shown in the confirm dialog."""
    parts: list[Any] = [Text("Changes", style="bold"), Text(_as_text(diff))]
    sql = None
    if isinstance(plan, dict):
        sql = plan.get("sql") or plan.get("migration_sql") or plan.get("statements")
    if isinstance(sql, list):
        sql = ";\n".join(sql) + ";"
    parts.append(Text("\nMigration", style="bold"))
    parts.append(Syntax(sql, "sql", word_wrap=True, theme="ansi_dark") if sql else Text(_as_text(plan)))
    return Group(*parts)


def _as_text(value: Any) -> str:
    if isinstance(value, dict) and isinstance(value.get("text"), str):
        return value["text"]
    if isinstance(value, str):
        return value
    return json.dumps(value, indent=2, default=str)
