"""Typed events on an async bus: the core reports progress; front ends render it.

The CLI turns events into rich progress on stderr (or JSON), the TUI into Textual messages.
Emitting never blocks: subscribers get events through their own unbounded queues.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import asdict, dataclass, field
from typing import Any

_op_ids = itertools.count(1)


@dataclass(frozen=True)
class Event:
    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["event"] = type(self).__name__
        return d


@dataclass(frozen=True)
class OperationStarted(Event):
    op_id: int
    kind: str  # "up", "branch.create", "migration.up", ...
    env: str | None = None
    target: str | None = None
    at: float = field(default_factory=time.time)


@dataclass(frozen=True)
class OperationProgress(Event):
    op_id: int
    message: str
    done: float | None = None  # units done (bytes, rows, files...)
    total: float | None = None
    unit: str = ""


@dataclass(frozen=True)
class OperationFinished(Event):
    op_id: int
    kind: str
    ok: bool
    error: str | None = None
    seconds: float = 0.0


@dataclass(frozen=True)
class ServiceStateChanged(Event):
    env: str
    service: str
    state: str
    detail: str = ""


@dataclass(frozen=True)
class Message(Event):
    """Free-form diagnostic for the user (stderr in the CLI, a notification in the TUI)."""

    level: str  # "info" | "warning" | "error"
    text: str


class EventBus:
    """Fan-out of events to callbacks and async subscribers."""

    def __init__(self) -> None:
        self._callbacks: list[Callable[[Event], None]] = []
        self._queues: list[asyncio.Queue[Event]] = []

    def on(self, callback: Callable[[Event], None]) -> Callable[[], None]:
        """Call ``callback`` for every event; returns an unsubscribe function."""
        self._callbacks.append(callback)
        return lambda: self._callbacks.remove(callback)

    def emit(self, event: Event) -> None:
        for cb in list(self._callbacks):
            cb(event)
        for q in list(self._queues):
            q.put_nowait(event)

    async def subscribe(self) -> AsyncIterator[Event]:
        q: asyncio.Queue[Event] = asyncio.Queue()
        self._queues.append(q)
        try:
            while True:
                yield await q.get()
        finally:
            self._queues.remove(q)

    def operation(self, kind: str, env: str | None = None, target: str | None = None) -> "OperationScope":
        return OperationScope(self, kind, env, target)

    def info(self, text: str) -> None:
        self.emit(Message("info", text))

    def warning(self, text: str) -> None:
        self.emit(Message("warning", text))


class OperationScope:
    """``with bus.operation("up", env="dev") as op: op.progress("initdb")`` emits start/finish."""

    def __init__(self, bus: EventBus, kind: str, env: str | None, target: str | None):
        self.bus, self.kind, self.env, self.target = bus, kind, env, target
        self.op_id = next(_op_ids)
        self._t0 = 0.0

    def __enter__(self) -> "OperationScope":
        self._t0 = time.monotonic()
        self.bus.emit(OperationStarted(self.op_id, self.kind, self.env, self.target))
        return self

    def progress(self, message: str, done: float | None = None, total: float | None = None, unit: str = "") -> None:
        self.bus.emit(OperationProgress(self.op_id, message, done, total, unit))

    def __exit__(self, et, ev, tb) -> None:
        self.bus.emit(
            OperationFinished(
                self.op_id, self.kind, ev is None, None if ev is None else str(ev), time.monotonic() - self._t0
            )
        )


NULL_BUS = EventBus()
