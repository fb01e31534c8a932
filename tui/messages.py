"""Typed messages the app's data workers post; handlers on the app own the widgets' state."""

from __future__ import annotations

from textual.message import Message

from core.events import Event


class EnvsLoaded(Message):
    """``ws.list_envs()`` answered."""

    def __init__(self, envs: list[dict]) -> None:
        super().__init__()
        self.envs = envs


class EnvLoaded(Message):
    """Status, branches (None without branching) and .env values of one environment."""

    def __init__(self, env: str, status: dict, branches: list[dict] | None, env_values: dict[str, str]) -> None:
        super().__init__()
        self.env, self.status, self.branches, self.env_values = env, status, branches, env_values


class CoreEvent(Message):
    """An event from the core's bus (operation progress, service state, diagnostics)."""

    def __init__(self, event: Event) -> None:
        super().__init__()
        self.event = event


class ActionFailed(Message):
    """A worker failed; the error router already told the user."""

    def __init__(self, worker_name: str, error: BaseException) -> None:
        super().__init__()
        self.worker_name, self.error = worker_name, error
