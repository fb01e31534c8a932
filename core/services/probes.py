"""Protocol probes for the service kinds (tcp and postgres live in core.health)."""

from __future__ import annotations

import asyncio
import time

from ..health import ProbeResult, probe_tcp


def _ms(t0: float) -> float:
    return round((time.perf_counter() - t0) * 1000, 2)


async def _exchange(host: str, port: int, send: bytes, until: bytes, timeout: float) -> bytes:
    r, w = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
    try:
        if send:
            w.write(send)
            await w.drain()
        data = b""
        while until not in data:
            chunk = await asyncio.wait_for(r.read(4096), timeout)
            if not chunk:
                break
            data += chunk
        return data
    finally:
        w.close()


async def probe_http(service: str, port: int, path: str = "/", timeout: float = 2.0) -> ProbeResult:
    """GET http://127.0.0.1:port/path; healthy when the status is below 500."""
    t0 = time.perf_counter()
    req = f"GET {path} HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n".encode()
    try:
        data = await _exchange("127.0.0.1", port, req, b"\r\n", timeout)
        line = data.split(b"\r\n", 1)[0].decode("latin-1")
        parts = line.split()
        status = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0
        if 0 < status < 500:
            return ProbeResult(service, "http", True, _ms(t0), details={"status": status})
        return ProbeResult(service, "http", False, None, f"GET {path}: {line or 'no answer'}")
    except (OSError, asyncio.TimeoutError) as e:
        return ProbeResult(service, "http", False, None, f"127.0.0.1:{port}: {e or 'timeout'}")


async def probe_redis(service: str, port: int, password: str, timeout: float = 2.0) -> ProbeResult:
    """AUTH then PING; healthy on +PONG."""
    t0 = time.perf_counter()
    pw = password.encode()
    cmd = b"*2\r\n$4\r\nAUTH\r\n$%d\r\n%s\r\n*1\r\n$4\r\nPING\r\n" % (len(pw), pw)
    try:
        data = await _exchange("127.0.0.1", port, cmd, b"PONG", timeout)
    except (OSError, asyncio.TimeoutError) as e:
        return ProbeResult(service, "redis", False, None, f"127.0.0.1:{port}: {e or 'timeout'}")
    if b"+PONG" in data:
        return ProbeResult(service, "redis", True, _ms(t0))
    first = data.decode("latin-1").strip().splitlines()
    return ProbeResult(service, "redis", False, None, f"redis answered {first[-1] if first else 'nothing'!r}")


async def probe_nats(service: str, port: int, timeout: float = 2.0) -> ProbeResult:
    """A NATS server greets every client with an INFO line."""
    t0 = time.perf_counter()
    try:
        data = await _exchange("127.0.0.1", port, b"", b"\r\n", timeout)
    except (OSError, asyncio.TimeoutError) as e:
        return ProbeResult(service, "nats", False, None, f"127.0.0.1:{port}: {e or 'timeout'}")
    if data.startswith(b"INFO"):
        return ProbeResult(service, "nats", True, _ms(t0))
    return ProbeResult(service, "nats", False, None, "no NATS INFO greeting")


async def probe_exec(service: str, argv: list[str], timeout: float = 5.0) -> ProbeResult:
    """Run a command on this machine; healthy on exit 0."""
    t0 = time.perf_counter()
    try:
        proc = await asyncio.create_subprocess_exec(*argv, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
        out, _ = await asyncio.wait_for(proc.communicate(), timeout)
    except asyncio.TimeoutError:
        proc.kill()
        return ProbeResult(service, "exec", False, None, f"{argv[0]}: timed out after {timeout:.0f}s")
    except OSError as e:
        return ProbeResult(service, "exec", False, None, f"{argv[0]}: {e}")
    if proc.returncode == 0:
        return ProbeResult(service, "exec", True, _ms(t0))
    text = out.decode(errors="replace").strip().splitlines()
    return ProbeResult(service, "exec", False, None, f"exit {proc.returncode}: {text[-1] if text else ''}")


__all__ = ["probe_http", "probe_redis", "probe_nats", "probe_exec", "probe_tcp"]
