"""Container logs as an async iterator: a thread reads the blocking SDK stream into an asyncio.Queue.

Closing the iterator (or cancelling its consumer) closes the HTTP stream, which ends the thread.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from datetime import datetime, timezone

from ..logs import LogLine, parse_level

_END = object()


def _parse(service: str, env: str, raw: bytes) -> LogLine:
    text = raw.decode("utf-8", "replace").rstrip("\r")
    ts = datetime.now(timezone.utc)
    stamp, sep, rest = text.partition(" ")
    if sep and len(stamp) >= 20 and stamp[4] == "-" and stamp.endswith("Z"):
        try:  # RFC3339 with nanoseconds: keep microseconds
            head, _, frac = stamp[:-1].partition(".")
            ts = datetime.fromisoformat(head + ("." + frac[:6] if frac else "")).replace(tzinfo=timezone.utc)
            text = rest
        except ValueError:
            pass
    return LogLine(service, text, ts, env, "log", parse_level(text))


async def container_logs(client, container_id: str, service: str, env: str, *, follow: bool,
                         tail: int | None) -> AsyncIterator[LogLine]:
    """Lines of one container's output (stdout and stderr), oldest first; ``follow`` keeps reading."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue = asyncio.Queue(maxsize=64)
    stream = await asyncio.to_thread(
        client.api.logs, container_id, stdout=True, stderr=True, stream=True, follow=follow,
        timestamps=True, tail="all" if tail is None else max(int(tail), 0),
    )
    closing = threading.Event()

    def put(item) -> bool:
        fut = asyncio.run_coroutine_threadsafe(queue.put(item), loop)
        try:
            fut.result()
            return True
        except Exception:  # loop closed or consumer gone
            return False

    def reader() -> None:
        pending = b""
        try:
            for chunk in stream:
                if closing.is_set():
                    break
                pending += chunk
                *lines, pending = pending.split(b"\n")
                if lines and not put(lines):  # one queue item per chunk: cheap at high line rates
                    break
            if pending and not closing.is_set():
                put([pending])
        except Exception as e:  # surface to the consumer
            if not closing.is_set():
                put(e)
        finally:
            if not closing.is_set():
                put(_END)

    thread = threading.Thread(target=reader, name=f"logs-{service}", daemon=True)
    thread.start()
    try:
        while True:
            item = await queue.get()
            if item is _END:
                return
            if isinstance(item, BaseException):
                raise item
            for raw in item:
                yield _parse(service, env, raw)
    finally:
        closing.set()
        try:
            stream.close()
        except Exception:
            pass
        while not queue.empty():  # unblock a reader waiting on a full queue
            queue.get_nowait()
