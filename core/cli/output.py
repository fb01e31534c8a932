"""Rendering at the edge: data to stdout (text or JSON), diagnostics and progress to stderr."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import Enum
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from ..errors import ConfigError, ExitCode, SQLError, StackyardError
from ..events import EventBus, Message, OperationFinished, OperationProgress, OperationStarted


def _default(o: Any):
    if isinstance(o, (datetime, date)):
        return o.isoformat()
    if isinstance(o, Path):
        return str(o)
    if isinstance(o, Enum):
        return o.value
    if hasattr(o, "model_dump"):
        return o.model_dump(mode="json")
    if hasattr(o, "to_dict"):
        return o.to_dict()
    if isinstance(o, (set, frozenset)):
        return sorted(o)
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


def to_json(data: Any) -> str:
    return json.dumps(data, default=_default, indent=2)


@dataclass
class Output:
    """What every command gets: how to print data and talk to the user."""

    json: bool = False
    quiet: bool = False
    verbose: bool = False
    out: Console = field(default_factory=lambda: Console(file=sys.stdout, highlight=False, soft_wrap=True))
    err: Console = field(default_factory=lambda: Console(file=sys.stderr, highlight=False, soft_wrap=True))

    def data(self, data: Any, text: str | None = None) -> None:
        """Print the command's result: JSON when --json, else ``text`` (or JSON if no text)."""
        if self.json or text is None:
            sys.stdout.write(to_json(data) + "\n")
        else:
            self.out.print(text, markup=False)
        sys.stdout.flush()

    def json_line(self, data: Any) -> None:
        sys.stdout.write(json.dumps(data, default=_default) + "\n")
        sys.stdout.flush()

    def say(self, text: str, style: str | None = None) -> None:
        if not self.quiet:
            self.err.print(text, style=style, markup=False, highlight=False)

    def warn(self, text: str) -> None:
        self.err.print(f"warning: {text}", style="yellow", markup=False)

    def debug(self, text: str) -> None:
        if self.verbose:
            self.err.print(text, style="dim", markup=False)

    def error(self, e: StackyardError) -> int:
        if self.json:
            sys.stdout.write(to_json(e.to_dict()) + "\n")
        self.err.print(f"error: {e.message}", style="bold red", markup=False)
        if isinstance(e, SQLError) and e.statement and not isinstance(e, ConfigError):
            self.err.print("statement:\n  " + e.statement.strip().replace("\n", "\n  "), style="dim", markup=False)
        if e.hint:
            self.err.print(f"hint: {e.hint}", style="cyan", markup=False)
        return int(e.exit_code)

    def attach(self, bus: EventBus) -> "ProgressRenderer":
        r = ProgressRenderer(self)
        bus.on(r)
        return r


class ProgressRenderer:
    """Turns core events into a rich progress display on stderr (silent with --quiet)."""

    def __init__(self, output: Output) -> None:
        self.o = output
        self.progress: Progress | None = None
        self.tasks: dict[int, int] = {}

    def _ensure(self) -> Progress:
        if self.progress is None:
            self.progress = Progress(
                SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
                TimeElapsedColumn(), console=self.o.err, transient=True,
            )
            self.progress.start()
        return self.progress

    def __call__(self, ev) -> None:
        if isinstance(ev, Message):
            if ev.level == "warning":
                self.o.warn(ev.text)
            elif ev.level == "error":
                self.o.err.print(ev.text, style="red", markup=False)
            else:
                self.o.say(ev.text)
            return
        if self.o.quiet or not self.o.err.is_terminal:
            if isinstance(ev, OperationProgress) and self.o.verbose:
                self.o.debug(ev.message)
            return
        if isinstance(ev, OperationStarted):
            p = self._ensure()
            self.tasks[ev.op_id] = p.add_task(ev.kind + (f" {ev.target}" if ev.target else ""), total=None)
        elif isinstance(ev, OperationProgress) and ev.op_id in self.tasks:
            p = self._ensure()
            p.update(self.tasks[ev.op_id], description=ev.message, completed=ev.done or 0, total=ev.total)
        elif isinstance(ev, OperationFinished) and ev.op_id in self.tasks:
            p = self._ensure()
            p.remove_task(self.tasks.pop(ev.op_id))
            if not self.tasks:
                p.stop()
                self.progress = None

    def close(self) -> None:
        if self.progress is not None:
            self.progress.stop()
            self.progress = None


__all__ = ["Output", "ExitCode", "to_json"]
