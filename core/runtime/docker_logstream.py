"""Docker's log endpoint read in large blocks and demultiplexed here.

The SDK's stream reads every frame with two small socket reads, which caps ``logs -f`` at the
SDK's per-frame cost; reading up to 64 KiB at a time and splitting frames in one pass is several
times cheaper, and keeps which stream (stdout/stderr) each frame came from.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator

_HEADER = struct.Struct(">BxxxL")
_STREAMS = {0: "stdout", 1: "stdout", 2: "stderr"}


class RawLogStream:
    """One container's log stream: ``frames()`` yields ``(stream, payload)``; ``close()`` from any
    thread ends it."""

    def __init__(self, client, container_id: str, *, follow: bool, tail: int | None, tty: bool = False) -> None:
        api = client.api
        params = {"stdout": 1, "stderr": 1, "timestamps": 1, "follow": int(follow),
                  "tail": "all" if tail is None else max(int(tail), 0)}
        self._resp = api._get(api._url("/containers/{0}/logs", container_id), params=params, stream=True)
        api._raise_for_status(self._resp)
        self._sock = api._get_raw_response_socket(self._resp)
        api._disable_socket_timeout(self._sock)  # a quiet container is not an error
        self._tty = tty
        self._closed = False

    def frames(self) -> Iterator[tuple[str, bytes]]:
        raw = self._resp.raw
        buf = b""
        while True:
            try:
                data = raw.read1(65536)
            except Exception:
                if self._closed:  # close() from another thread ends a blocked read this way
                    return
                raise
            if not data:
                return
            if self._tty:  # no multiplexing on a tty
                yield "stdout", data
                continue
            buf = buf + data if buf else data
            off, end = 0, len(buf)
            while end - off >= 8:
                kind, size = _HEADER.unpack_from(buf, off)
                if end - off - 8 < size:
                    break
                yield _STREAMS.get(kind, "stdout"), buf[off + 8:off + 8 + size]
                off += 8 + size
            buf = buf[off:]

    def close(self) -> None:
        """Shut the socket down (a blocked read returns at once), then close the response."""
        from docker.types.daemon import CancellableStream  # knows where each transport keeps its socket

        self._closed = True
        try:
            CancellableStream(iter(()), self._resp).close()
        except Exception:
            try:
                self._resp.close()
            except Exception:
                pass
