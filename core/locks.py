"""Per-environment file locks so two stackyard runs never interleave on one environment."""

from __future__ import annotations

import asyncio
import fcntl
import json
import os
import time
from pathlib import Path
from typing import Callable

from .errors import LockedError


class EnvLock:
    """An exclusive ``flock`` on .stackyard/locks/<env>.lock, held for one operation.

    ``timeout=None`` waits forever (telling the user once who holds it); ``timeout=0`` fails at
    once. Failing raises LockedError (exit 5). The kernel drops the lock if the process dies, so
    a crashed run never leaves a stale lock behind.
    """

    def __init__(self, path: Path, *, timeout: float | None = None, on_wait: Callable[[str], None] | None = None):
        self.path = path
        self.timeout = timeout
        self.on_wait = on_wait
        self.fd: int | None = None
        self.depth = 0

    def _holder(self) -> str:
        try:
            info = json.loads(self.path.read_text() or "{}")
            return f"pid {info.get('pid')} ({info.get('command', '?')})"
        except (OSError, ValueError):
            return "another stackyard process"

    def _try(self) -> bool:
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            return False

    async def acquire(self) -> None:
        if self.depth:
            self.depth += 1
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        start = time.monotonic()
        told = False
        while not self._try():
            waited = time.monotonic() - start
            if self.timeout is not None and waited >= self.timeout:
                holder = self._holder()
                os.close(self.fd)
                self.fd = None
                raise LockedError(
                    f"environment {self.path.stem!r} is busy: locked by {holder}",
                    hint="wait for it to finish, or raise --lock-timeout",
                )
            if not told and self.on_wait:
                self.on_wait(f"waiting for {self._holder()} to release environment {self.path.stem!r}...")
                told = True
            await asyncio.sleep(0.05)
        os.ftruncate(self.fd, 0)
        os.write(self.fd, json.dumps({"pid": os.getpid(), "command": " ".join(os.sys.argv[:3])}).encode())
        self.depth = 1

    def release(self) -> None:
        if self.depth > 1:
            self.depth -= 1
            return
        if self.fd is not None:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None
        self.depth = 0

    async def __aenter__(self) -> "EnvLock":
        await self.acquire()
        return self

    async def __aexit__(self, *exc) -> None:
        self.release()
