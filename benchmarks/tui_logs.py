"""Logs pane under a flood: 50,000 lines/s for 20 s into the real LogsPane (headless run_test).

Reports input latency (key press -> first repaint showing the change), how many lines per
second the pane absorbed, and RSS over time (it must stay flat once the ring buffer is full).
The same key presses are first measured on an idle pane: the baseline of the ratio.

    /work/venv/bin/python benchmarks/tui_logs.py [--rate 50000] [--seconds 20] [--limit 10000]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from textual import events  # noqa: E402
from textual.app import App  # noqa: E402

import tui  # noqa: E402
from core.logs import LogLine, parse_level  # noqa: E402
from tui.panes.logs import LogsPane  # noqa: E402
from tui.panes.logview import LogView  # noqa: E402

STYLES = Path(tui.__file__).parent / "styles"
SERVICES = ["db", "api", "worker", "cache", "search"]
TEXTS = [
    "LOG:  duration: 0.412 ms  statement: SELECT * FROM orders WHERE id = $1",
    "INFO GET /products?page={n} 200 12ms",
    '{{"level": "info", "msg": "job done", "job": {n}, "ms": 31}}',
    "WARNING slow request /cart/{n} (812ms)",
    "ERROR: duplicate key value violates unique constraint \"orders_pkey\" (id={n})",
    "DEBUG heartbeat {n}",
]


class FloodSource:
    """Stands in for ``Workspace.logs``: yields ``rate`` new LogLine objects per second."""

    def __init__(self, rate: int, seconds: float) -> None:
        self.rate, self.seconds = rate, seconds
        self.sent = 0
        self.started = 0.0
        self.finished = asyncio.Event()

    def logs(self, env, services=None, *, follow=True, tail=200):
        return self._gen()

    async def _gen(self):
        self.started = t0 = time.perf_counter()
        total = int(self.rate * self.seconds)
        texts = [(SERVICES[i % len(SERVICES)], t, parse_level(t)) for i, t in enumerate(TEXTS * 5)]
        while self.sent < total:
            due = min(total, int((time.perf_counter() - t0) * self.rate))
            if due > self.sent:
                ts = datetime.now(timezone.utc)
                for i in range(self.sent, due):
                    service, text, level = texts[i % len(texts)]
                    yield LogLine(service, text.format(n=i), ts, "bench", "log", level)
                self.sent = due
            await asyncio.sleep(0.002)
        self.finished.set()
        await asyncio.Event().wait()  # a followed stream never ends by itself


class Bench(App):
    CSS_PATH = [STYLES / "logs.tcss", STYLES / "dialogs.tcss"]

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit

    def compose(self):
        yield LogsPane(limit=self.limit, id="logs")

    def report_worker_state(self, worker) -> None:
        if worker.error is not None:
            raise SystemExit(f"worker failed: {worker.error!r}")


class RepaintProbe:
    """Times a key press until LogView renders a row in the state that key produced."""

    def __init__(self, view: LogView) -> None:
        self.view = view
        self.expect: bool | None = None
        self.t0 = 0.0
        self.seen = asyncio.Event()
        self.latency = 0.0
        original = view.render_line

        def render_line(y: int):
            strip = original(y)
            if self.expect is not None and view.timestamps == self.expect:
                self.latency = time.perf_counter() - self.t0
                self.expect = None
                self.seen.set()
            return strip

        view.render_line = render_line  # type: ignore[method-assign]

    async def press(self, app) -> float:
        """Post the key the way the terminal driver does, then wait for the repaint."""
        self.seen.clear()
        self.expect = not self.view.timestamps
        self.t0 = time.perf_counter()
        app.post_message(events.Key("t", "t"))
        await asyncio.wait_for(self.seen.wait(), 30)
        return self.latency


async def measure(rate: int, seconds: float, limit: int, every: float) -> dict:
    proc = psutil.Process(os.getpid())
    app = Bench(limit)
    async with app.run_test(size=(160, 48)) as pilot:
        view = app.query_one(LogView)
        view.focus()
        probe = RepaintProbe(view)
        idle = [await probe.press(app) for _ in range(15)]
        rss_start = proc.memory_info().rss
        cpu0 = sum(proc.cpu_times()[:2])
        source = FloodSource(rate, seconds)
        app.query_one(LogsPane).start(source, "bench")
        busy: list[float] = []
        rss: list[tuple[float, int]] = []
        while not source.finished.is_set():
            await asyncio.sleep(every)
            busy.append(await probe.press(app))
            rss.append((time.perf_counter() - source.started, proc.memory_info().rss))
        elapsed = time.perf_counter() - source.started
        cpu = sum(proc.cpu_times()[:2]) - cpu0
        await pilot.pause(0.2)
        absorbed = view.model.buffer.dropped + len(view.model.buffer)
    filled = [r for t, r in rss if t >= 2.0] or [r for _t, r in rss]
    return {
        "sent": source.sent, "absorbed": absorbed, "seconds": elapsed, "cpu": cpu,
        "idle_ms": [x * 1000 for x in idle], "busy_ms": [x * 1000 for x in busy],
        "rss_start": rss_start, "rss_after_fill": filled[0], "rss_end": rss[-1][1],
        "rss_peak": max(r for _t, r in rss), "rss_series": rss,
    }


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rate", type=int, default=50_000, help="lines per second (default 50000)")
    ap.add_argument("--seconds", type=float, default=20.0, help="how long to flood (default 20)")
    ap.add_argument("--limit", type=int, default=10_000, help="ring buffer size (default 10000)")
    ap.add_argument("--every", type=float, default=0.25, help="seconds between key presses")
    args = ap.parse_args()
    r = asyncio.run(measure(args.rate, args.seconds, args.limit, args.every))
    mb = 1 / 2**20
    idle_med, busy_med = statistics.median(r["idle_ms"]), statistics.median(r["busy_ms"])
    print(f"tui_logs: {args.rate:,} lines/s for {args.seconds:g} s, ring buffer {args.limit:,} lines")
    print(f"  lines sent {r['sent']:,}, absorbed by the pane {r['absorbed']:,} "
          f"({r['absorbed'] / r['seconds']:,.0f} lines/s over {r['seconds']:.1f} s)")
    print(f"  CPU used {r['cpu']:.1f} s ({r['cpu'] / r['seconds']:.0%} of one cpu): "
          f"{r['cpu'] / r['sent'] * 1e6:.1f} µs per line, generation, buffering and repaints included")
    print(f"  key -> repaint, idle : median {idle_med:.1f} ms, p95 {pct(r['idle_ms'], .95):.1f} ms "
          f"(n={len(r['idle_ms'])})")
    print(f"  key -> repaint, flood: median {busy_med:.1f} ms, p95 {pct(r['busy_ms'], .95):.1f} ms, "
          f"max {max(r['busy_ms']):.1f} ms (n={len(r['busy_ms'])}); ratio flood/idle {busy_med / idle_med:.1f}x")
    print(f"  RSS: before flood {r['rss_start'] * mb:.1f} MB, buffer full (2 s) {r['rss_after_fill'] * mb:.1f} MB, "
          f"end {r['rss_end'] * mb:.1f} MB, peak {r['rss_peak'] * mb:.1f} MB, "
          f"growth after fill {(r['rss_end'] - r['rss_after_fill']) * mb:+.1f} MB")
    marks = [r["seconds"] * f for f in (0.25, 0.5, 0.75, 1.0)]
    series = [next((rss for t, rss in r["rss_series"] if t >= m - 0.3), r["rss_end"]) for m in marks]
    print("  RSS over the flood: " + ", ".join(f"{m:.0f} s {v * mb:.1f} MB" for m, v in zip(marks, series)))
    target = "MET" if pct(r["busy_ms"], .95) < 100 else "MISSED"
    print(f"  target p95 latency < 100 ms under load: {target}")
    print(f"  machine: {os.cpu_count()} cpus, load average {os.getloadavg()[0]:.1f} (other work shares the cpus)")


if __name__ == "__main__":
    main()
