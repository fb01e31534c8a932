"""Environment lifecycle timings: up cold (initdb included), up warm, down, destroy.

Median of N runs (default 5) through the public API, next to the raw cost of the same steps
done by hand (initdb + pg_ctl start, pg_ctl start, pg_ctl stop) in the same run, so the
overhead stackyard adds is visible. Usage: python benchmarks/lifecycle.py [--runs 5]
"""

from __future__ import annotations

import argparse
import asyncio
import platform
import shutil
import statistics
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from core.api import Workspace
from core.pg import cluster
from core.pg.binaries import find_binaries


def timed(fn):
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


async def stackyard_round(root: Path) -> dict[str, float]:
    out = {}
    async with Workspace.open(root) as ws:
        t = time.perf_counter(); await ws.up("dev", wait=True); out["up_cold"] = time.perf_counter() - t
        t = time.perf_counter(); await ws.down("dev"); out["down"] = time.perf_counter() - t
        t = time.perf_counter(); await ws.up("dev", wait=True); out["up_warm"] = time.perf_counter() - t
        t = time.perf_counter(); await ws.destroy("dev"); out["destroy"] = time.perf_counter() - t
    return out


def raw_round(root: Path) -> dict[str, float]:
    bins = find_binaries()
    data, log = root / "data", root / "pg.log"
    port = cluster.free_port()
    out = {}
    t = time.perf_counter()
    cluster.initdb(bins, data, "pw")
    cluster.write_settings(data, port)
    cluster.start(bins, data, log, port)
    out["up_cold"] = time.perf_counter() - t
    out["down"] = timed(lambda: cluster.stop(bins, data))
    out["up_warm"] = timed(lambda: cluster.start(bins, data, log, port))
    out["destroy"] = timed(lambda: (cluster.stop(bins, data), shutil.rmtree(data)))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    ours, raw = [], []
    for _ in range(args.runs):
        root = Path(tempfile.mkdtemp(prefix="stackyard-bench-"))
        (root / "stackyard.yaml").write_text("project: bench\nservices:\n  db: {kind: postgres}\n")
        ours.append(asyncio.run(stackyard_round(root)))
        shutil.rmtree(root, ignore_errors=True)
        root = Path(tempfile.mkdtemp(prefix="stackyard-bench-raw-"))
        raw.append(raw_round(root))
        shutil.rmtree(root, ignore_errors=True)
    targets = {"up_cold": 3.0, "up_warm": 1.0, "destroy": 1.0, "down": None}
    print(f"# lifecycle benchmark {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, {platform.node()}, "
          f"{platform.machine()}, runs={args.runs}, PostgreSQL {find_binaries().version}")
    print("| step | stackyard median (s) | raw pg_ctl median (s) | ratio | target |")
    print("|---|---|---|---|---|")
    for k in ("up_cold", "up_warm", "down", "destroy"):
        a = statistics.median(r[k] for r in ours)
        b = statistics.median(r[k] for r in raw)
        tgt = f"< {targets[k]} s {'met' if a < targets[k] else 'MISSED'}" if targets[k] else "-"
        print(f"| {k} | {a:.3f} | {b:.3f} | {a / b:.2f}x | {tgt} |")


if __name__ == "__main__":
    main()
