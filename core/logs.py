"""Log lines, per-source async iterators, merging and a bounded ring buffer."""

from __future__ import annotations

import asyncio
import re
from collections import deque
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

_LEVEL_RE = re.compile(
    r"\b(PANIC|FATAL|ERROR|WARNING|WARN|NOTICE|INFO|LOG|DEBUG\d?|STATEMENT|DETAIL|HINT|CRITICAL|TRACE)\b:?"
)
_LEVEL_NORMAL = {
    "PANIC": "critical", "FATAL": "critical", "CRITICAL": "critical", "ERROR": "error",
    "WARNING": "warning", "WARN": "warning", "NOTICE": "info", "INFO": "info", "LOG": "info",
    "STATEMENT": "info", "DETAIL": "info", "HINT": "info", "TRACE": "debug",
}
_PG_TS_RE = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)?) (UTC|[+-]\d\d)")


def parse_level(text: str) -> str | None:
    """Best-effort level of a log line: critical, error, warning, info, debug or None."""
    m = _LEVEL_RE.search(text[:200])
    if not m:
        return None
    word = m.group(1)
    return _LEVEL_NORMAL.get(word, "debug" if word.startswith("DEBUG") else None)


def _parse_ts(text: str) -> datetime | None:
    m = _PG_TS_RE.match(text)
    if not m:
        return None
    try:
        ts = datetime.fromisoformat(m.group(1))
    except ValueError:
        return None
    return ts.replace(tzinfo=timezone.utc)


@dataclass(frozen=True, slots=True)
class LogLine:
    """One line of one service's log."""

    service: str
    text: str
    ts: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    env: str = ""
    stream: str = "log"  # "stdout" | "stderr" | "log"
    level: str | None = None

    @classmethod
    def parse(cls, service: str, text: str, *, env: str = "", stream: str = "log") -> "LogLine":
        text = text.rstrip("\n")
        ts = _parse_ts(text) or datetime.now(timezone.utc)
        return cls(service, text, ts, env, stream, parse_level(text))

    def to_dict(self) -> dict:
        return {
            "ts": self.ts.isoformat(), "env": self.env, "service": self.service,
            "stream": self.stream, "level": self.level, "text": self.text,
        }


class RingBuffer:
    """Keeps the newest ``maxlen`` lines; memory stays flat however long the stream runs."""

    def __init__(self, maxlen: int = 10_000) -> None:
        self._lines: deque[LogLine] = deque(maxlen=maxlen)
        self.dropped = 0

    @property
    def maxlen(self) -> int:
        return self._lines.maxlen or 0

    def append(self, line: LogLine) -> None:
        if len(self._lines) == self._lines.maxlen:
            self.dropped += 1
        self._lines.append(line)

    def extend(self, lines: Iterable[LogLine]) -> None:
        for line in lines:
            self.append(line)

    def __len__(self) -> int:
        return len(self._lines)

    def __iter__(self):
        return iter(self._lines)

    def __getitem__(self, i: int) -> LogLine:
        return self._lines[i]


def _tail_lines(path: Path, n: int) -> tuple[list[str], int]:
    """Last ``n`` lines of a file and the offset where reading stopped."""
    try:
        with open(path, "rb") as f:
            f.seek(0, 2)
            end = f.tell()
            if n <= 0:
                return [], end
            block, data, pos = 65536, b"", end
            while pos > 0 and data.count(b"\n") <= n:
                step = min(block, pos)
                pos -= step
                f.seek(pos)
                data = f.read(step) + data
    except FileNotFoundError:
        return [], 0
    lines = data.decode("utf-8", "replace").splitlines()
    return lines[-n:], end


async def tail_file(
    path: Path, service: str, *, env: str = "", follow: bool = False, tail: int | None = 100,
    poll: float = 0.1,
) -> AsyncIterator[LogLine]:
    """Lines of a log file: the last ``tail`` (all if None), then new ones while ``follow``."""
    if tail is None:
        try:
            text = await asyncio.to_thread(path.read_text, errors="replace")
        except FileNotFoundError:
            text = ""
        first, offset = text.splitlines(), len(text.encode())
    else:
        first, offset = await asyncio.to_thread(_tail_lines, path, tail)
    for raw in first:
        yield LogLine.parse(service, raw, env=env)
    if not follow:
        return
    pending = b""
    while True:
        try:
            with open(path, "rb") as f:
                size = f.seek(0, 2)
                if size < offset:  # truncated or replaced
                    offset = 0
                f.seek(offset)
                chunk = f.read()
                offset = f.tell()
        except FileNotFoundError:
            chunk = b""
        if chunk:
            pending += chunk
            *complete, pending = pending.split(b"\n")
            for raw in complete:
                yield LogLine.parse(service, raw.decode("utf-8", "replace"), env=env)
        else:
            await asyncio.sleep(poll)


async def merge(sources: list[AsyncIterator[LogLine]]) -> AsyncIterator[LogLine]:
    """Interleave several log streams as lines arrive; cancelling closes every source."""
    queue: asyncio.Queue[LogLine | BaseException | None] = asyncio.Queue(maxsize=10_000)

    async def pump(src: AsyncIterator[LogLine]) -> None:
        try:
            async for line in src:
                await queue.put(line)
        except asyncio.CancelledError:
            raise
        except BaseException as e:  # surface a source's failure to the consumer
            await queue.put(e)
        finally:
            await queue.put(None)

    tasks = [asyncio.create_task(pump(s)) for s in sources]
    remaining = len(tasks)
    try:
        while remaining:
            item = await queue.get()
            if item is None:
                remaining -= 1
            elif isinstance(item, BaseException):
                raise item
            else:
                yield item
    finally:
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
