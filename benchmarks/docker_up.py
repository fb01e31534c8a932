"""Docker runtime numbers: `up --wait` of postgres+redis+app on docker vs local, `destroy`, and
`logs -f` throughput from a container that prints fast (vs reading the raw SDK stream).

Run: /work/venv/bin/python benchmarks/docker_up.py [--runs 3] [--lines 200000]
Needs dockerd (bash .ci/docker.sh) and redis-server; images are built from local files.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import docker  # noqa: E402

from core.api import Workspace  # noqa: E402
from tests.images import builder  # noqa: E402

os.environ.setdefault("STACKYARD_DOCKER_NETWORK", "host")
os.environ.setdefault("STACKYARD_DOCKER_PULL", "never")

APP = "exec python3 -m http.server $PORT --bind 127.0.0.1"


def project(base: Path, name: str, runtime: str, images: dict) -> Path:
    root = base / name
    root.mkdir()
    img = (lambda k: f', image: "{images[k]}"') if runtime == "docker" else (lambda k: "")
    (root / "stackyard.yaml").write_text(
        "project: bench\nservices:\n"
        f"  db: {{kind: postgres{img('postgres')}}}\n"
        f"  cache: {{kind: redis{img('redis')}}}\n"
        f"  web: {{kind: app, command: \"{APP}\"{img('app')}}}\n"
        f"environments:\n  dev: {{runtime: {runtime}}}\n")
    return root


async def up_destroy(root: Path) -> tuple[float, float]:
    async with Workspace.open(root) as ws:
        t0 = time.perf_counter()
        await ws.up("dev", wait=True, timeout=120)
        t1 = time.perf_counter()
        await ws.destroy("dev")
        return t1 - t0, time.perf_counter() - t1


async def log_throughput(base: Path, images: dict, lines: int) -> tuple[float, float]:
    root = base / "logs"
    root.mkdir()
    cmd = f"import sys\\nw=sys.stdout.write\\nfor i in range({lines}): w('line %d of the benchmark output\\\\n' % i)\\nsys.stdout.flush()\\nimport time\\ntime.sleep(600)"
    (root / "stackyard.yaml").write_text(
        "project: bench\nservices:\n"
        f"  talker: {{kind: app, listens: false, image: \"{images['app']}\", command: [\"python3\", \"-c\", \"{cmd}\"]}}\n"
        "environments:\n  dev: {runtime: docker}\n")
    async with Workspace.open(root) as ws:
        await ws.up("dev")
        try:
            cid = ws.state.services("dev")[0].container_id
            client = docker.from_env()
            deadline = time.monotonic() + 60  # wait until everything is printed, then read it all
            while time.monotonic() < deadline:
                tail = client.api.logs(cid, tail=1).decode()
                if f"line {lines - 1} " in tail:
                    break
                await asyncio.sleep(0.2)
            t0 = time.perf_counter()
            n = 0
            stream = ws.logs("dev", ["talker"], follow=True, tail=None)
            async for _line in stream:
                n += 1
                if n >= lines:
                    break
            await stream.aclose()
            ours = n / (time.perf_counter() - t0)
            t0 = time.perf_counter()
            raw = client.api.logs(cid, stream=True, follow=True, timestamps=True)
            m, pending = 0, b""
            for chunk in raw:
                pending += chunk
                m += pending.count(b"\n")
                pending = pending[pending.rfind(b"\n") + 1:]
                if m >= lines:
                    break
            raw.close()
            sdk = m / (time.perf_counter() - t0)
            client.close()
            return ours, sdk
        finally:
            await ws.destroy("dev")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--lines", type=int, default=200_000)
    a = ap.parse_args()
    client = docker.from_env()
    images = {"postgres": builder.build_postgres(client), "redis": builder.build_redis(client),
              "app": builder.build_app(client)}
    client.close()
    res: dict[str, list[tuple[float, float]]] = {"docker": [], "local": []}
    with tempfile.TemporaryDirectory(prefix="sy-bench-") as tmp:
        base = Path(tmp)
        for i in range(a.runs):
            for rt in ("local", "docker"):
                res[rt].append(asyncio.run(up_destroy(project(base, f"{rt}{i}", rt, images))))
        ours, sdk = asyncio.run(log_throughput(base, images, a.lines))
    print(f"up --wait postgres+redis+app, destroy (median of {a.runs}):")
    med = {rt: (statistics.median(u for u, _ in v), statistics.median(d for _, d in v)) for rt, v in res.items()}
    for rt, (u, d) in med.items():
        print(f"  {rt:<7} up {u:6.2f} s   destroy {d:6.2f} s")
    print(f"  docker/local up ratio: {med['docker'][0] / med['local'][0]:.2f}x")
    print(f"logs -f throughput ({a.lines} lines): stackyard {ours:,.0f} lines/s, raw SDK stream {sdk:,.0f} lines/s "
          f"(ratio {ours / sdk:.2f})")


if __name__ == "__main__":
    main()
