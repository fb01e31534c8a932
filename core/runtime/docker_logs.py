"""Container logs as an async iterator: a thread reads the blocking SDK stream into an asyncio.Queue.

Closing the iterator (or cancelling its consumer) closes the HTTP stream, which ends the thread.
Each line keeps the stream it came from (stdout or stderr).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from datetime import datetime, timezone

from ..logs import LogLine, parse_level
from .docker_logstream import RawLogStream

_MAX_BUFFERED = 20_000  # raw lines held for a slow consumer


_SECONDS: dict[str, datetime] = {}  # "2026-11-25T18:47:23" -> datetime; lines share their second


def _stamp(stamp: str) -> datetime | None:
    """Docker's RFC 3339 nanosecond timestamp, to microseconds (None if it is not one)."""
    head, _, frac = stamp[:-1].partition(".")
    base = _SECONDS.get(head)
    if base is None:
        try:
            base = datetime.fromisoformat(head).replace(tzinfo=timezone.utc)
        except ValueError:
            return None
        if len(_SECONDS) > 1000:
            _SECONDS.clear()
        _SECONDS[head] = base
    micro = frac[:6].ljust(6, "0")
    return base.replace(microsecond=int(micro)) if micro.isdigit() else base


def _parse(service: str, env: str, raw: bytes, stream: str = "stdout") -> LogLine:
    text = raw.decode("utf-8", "replace").rstrip("\r")
    stamp, sep, rest = text.partition(" ")
    ts = None
    if sep and len(stamp) >= 20 and stamp[4] == "-" and stamp[-1] == "Z":
        ts = _stamp(stamp)
        if ts is not None:
            text = rest
    return LogLine(service, text, ts or datetime.now(timezone.utc), env, stream, parse_level(text))


async def container_logs(client, container_id: str, service: str, env: str, *, follow: bool,
                         tail: int | None, tty: bool = False) -> AsyncIterator[LogLine]:
    """Lines of one container's output (stdout and stderr), oldest first; ``follow`` keeps reading.

    The reader thread appends raw lines to a shared buffer and wakes the event loop only when the
    consumer has drained it, so a fast container costs one wake-up per batch, not per line; the
    buffer is bounded (the thread waits when it is full)."""
    loop = asyncio.get_running_loop()
    stream = await asyncio.to_thread(RawLogStream, client, container_id, follow=follow, tail=tail, tty=tty)
    cond = threading.Condition()
    buf: list = []
    state = {"notified": False, "closing": False, "done": False, "error": None}
    wake = asyncio.Event()

    def publish(lines: list | None = None, *, done: bool = False, error: BaseException | None = None) -> bool:
        with cond:
            while lines and len(buf) >= _MAX_BUFFERED and not state["closing"]:
                cond.wait(0.5)
            if state["closing"]:
                return False
            if lines:
                buf.extend(lines)
            if done:
                state["done"], state["error"] = True, error
            if not state["notified"]:
                state["notified"] = True
                loop.call_soon_threadsafe(wake.set)
        return True

    def reader() -> None:
        pending = {"stdout": b"", "stderr": b""}  # frames of the two streams interleave
        try:
            for kind, data in stream.frames():
                *lines, pending[kind] = (pending[kind] + data).split(b"\n")
                if lines and not publish([(kind, line) for line in lines]):
                    return
            publish([(k, p) for k, p in pending.items() if p] or None, done=True)
        except Exception as e:  # surfaced to the consumer
            publish(done=True, error=e)
        except BaseException:
            publish(done=True)

    thread = threading.Thread(target=reader, name=f"logs-{service}", daemon=True)
    thread.start()
    try:
        while True:
            await wake.wait()
            wake.clear()
            with cond:
                items, buf[:] = list(buf), []
                state["notified"] = False
                done, error = state["done"], state["error"]
                cond.notify_all()
            for kind, raw in items:
                yield _parse(service, env, raw, kind)
            if done:
                if error is not None:
                    raise error
                return
    finally:
        with cond:
            state["closing"] = True
            cond.notify_all()
        try:
            stream.close()
        except Exception:
            pass
