"""Branch create / reset / delete times vs raw CREATE DATABASE ... TEMPLATE, on XFS (reflink) and the default fs.

    /work/venv/bin/python benchmarks/branching.py            # 100 MB on both, 1 GB on XFS (~3 min)
    /work/venv/bin/python benchmarks/branching.py --full     # 1 GB on the default fs too (~5 min)
    /work/venv/bin/python benchmarks/branching.py --quick    # 100 MB only
    ... --json                                              # machine-readable results

(a) an XFS loop mount with reflink (made here when running as root with xfsprogs; skipped with
a note otherwise) and (b) the filesystem of --dir (default: a temp dir). Each branch create is
measured next to the raw ``CREATE DATABASE … TEMPLATE`` with the same strategy (and the default
WAL_LOG) in the same run, each after a CHECKPOINT so neither pays for the other's dirty
buffers, in alternating order; medians of --repeat runs. Also the schema diff time on 200 tables.
Targets (issue 3): CoW ≤ 2× raw clone and < 0.2 s for 1 GB; non-CoW ≤ 1.2× raw copy.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.api import Workspace  # noqa: E402
from core.branching.copy import BranchStrategy  # noqa: E402

SCALES = {"100MB": 7, "1GB": 68}  # pgbench scale factor -> ~15 MB per unit
CONFIG = "project: bench\nservices:\n  db:\n    kind: postgres\n    database: app\n"


def mount_xfs(size_gb: int) -> tuple[Path, Path] | str:
    """An XFS (reflink=1) loop mount; returns (mountpoint, image) or why it is not possible."""
    if os.geteuid() != 0:
        return "not root: cannot loop-mount"
    if not shutil.which("mkfs.xfs"):
        return "mkfs.xfs not installed (apt-get install xfsprogs)"
    image = Path("/var/tmp") / f"stackyard-bench-{os.getpid()}.xfs"
    mnt = Path("/mnt") / f"stackyard-bench-xfs-{os.getpid()}"
    subprocess.run(["truncate", "-s", f"{size_gb}G", str(image)], check=True)
    mk = subprocess.run(["mkfs.xfs", "-q", "-f", "-m", "reflink=1", str(image)], capture_output=True, text=True)
    if mk.returncode != 0:
        image.unlink(missing_ok=True)
        return f"mkfs.xfs failed: {mk.stderr.strip()}"
    mnt.mkdir(parents=True, exist_ok=True)
    m = subprocess.run(["mount", "-o", "loop", str(image), str(mnt)], capture_output=True, text=True)
    if m.returncode != 0:
        image.unlink(missing_ok=True)
        return f"loop mount failed: {m.stderr.strip()}"
    mnt.chmod(0o755)
    return mnt, image


def unmount(mnt: Path, image: Path) -> None:
    subprocess.run(["umount", str(mnt)], capture_output=True)
    image.unlink(missing_ok=True)
    shutil.rmtree(mnt, ignore_errors=True)


async def timed(coro) -> tuple[float, object]:
    t0 = time.perf_counter()
    r = await coro
    return time.perf_counter() - t0, r


async def checkpoint(dsn: str) -> None:
    async with await psycopg.AsyncConnection.connect(dsn, autocommit=True) as c:
        await c.execute("CHECKPOINT")


async def raw_copy(dsn: str, strategy: BranchStrategy) -> float:
    async with await psycopg.AsyncConnection.connect(dsn, autocommit=True) as c:
        method = "clone" if strategy is BranchStrategy.CLONE else "copy"
        await c.execute(f"SET file_copy_method = {method}")
        kw = "WAL_LOG" if strategy is BranchStrategy.WAL_LOG else "FILE_COPY"
        await c.execute("CHECKPOINT")
        t0 = time.perf_counter()
        await c.execute(f"CREATE DATABASE bench_raw TEMPLATE app STRATEGY {kw}")
        dt = time.perf_counter() - t0
        await c.execute("DROP DATABASE bench_raw")
        return dt


def med(xs: list[float]) -> float:
    return round(statistics.median(xs), 4)


async def bench_fs(label: str, base: Path, sizes: list[str], repeat: int) -> list[dict]:
    """Per size: create/reset/delete through the Workspace API next to raw copies, same cluster."""
    root = Path(tempfile.mkdtemp(prefix="bench-", dir=base))
    (root / "stackyard.yaml").write_text(CONFIG)
    results = []
    async with Workspace.open(root) as ws:
        try:
            await ws.up("dev")
            ci = ws.conninfo("dev", "main")
            admin = ws.admin_dsn("dev")
            bindir = ws.state.services("dev")[0].info["bin_dir"]
            for size in sizes:
                subprocess.run([f"{bindir}/pgbench", "-i", "-q", "-s", str(SCALES[size]), "-h", ci.host, "-p",
                                str(ci.port), "-U", ci.user, ci.dbname], env=dict(os.environ, PGPASSWORD=ci.password),
                               check=True, capture_output=True)
                async with await psycopg.AsyncConnection.connect(admin, autocommit=True) as c:
                    await c.execute("CHECKPOINT")
                    nbytes = (await (await c.execute("SELECT pg_database_size('app')")).fetchone())[0]
                row = {"fs": label, "size": size, "bytes": nbytes, "create": [], "create_core": [], "raw_same": [],
                       "raw_wal_log": [], "reset": [], "delete": []}
                n = repeat
                for i in range(n):
                    if i % 2:  # alternate which goes first
                        row["raw_same"].append(await raw_copy(admin, BranchStrategy(row["strategy"])))
                    await checkpoint(admin)
                    dt, r = await timed(ws.branch_create("dev", "b", ttl="never"))
                    row["strategy"] = r["strategy"]
                    row["create"].append(dt)
                    row["create_core"].append(r["seconds"])
                    if not i % 2:
                        row["raw_same"].append(await raw_copy(admin, BranchStrategy(r["strategy"])))
                    if i == 0 or size == "100MB":  # 13 s per GB: once is enough
                        row["raw_wal_log"].append(await raw_copy(admin, BranchStrategy.WAL_LOG))
                    await checkpoint(admin)
                    row["reset"].append((await timed(ws.branch_reset("dev", "b")))[0])
                    await checkpoint(admin)
                    row["delete"].append((await timed(ws.branch_delete("dev", "b")))[0])
                for k in ("create", "create_core", "raw_same", "raw_wal_log", "reset", "delete"):
                    row[k] = med(row[k])
                row["ratio_vs_raw_same"] = round(row["create"] / row["raw_same"], 2) if row["raw_same"] else None
                results.append(row)
                print(f"  {label:<8} {size:<6} {row['strategy']:<9} create {row['create']:.3f}s "
                      f"(raw same strategy {row['raw_same']:.3f}s, x{row['ratio_vs_raw_same']}; raw WAL_LOG "
                      f"{row['raw_wal_log']:.3f}s)  reset {row['reset']:.3f}s  delete {row['delete']:.3f}s",
                      file=sys.stderr)
        finally:
            await ws.destroy("dev")
    shutil.rmtree(root, ignore_errors=True)
    return results


async def bench_diff(base: Path, tables: int = 200) -> dict:
    root = Path(tempfile.mkdtemp(prefix="bench-diff-", dir=base))
    (root / "stackyard.yaml").write_text(CONFIG)
    async with Workspace.open(root) as ws:
        try:
            await ws.up("dev")
            ddl = ";".join(f"CREATE TABLE t{i} (id bigint PRIMARY KEY, name text NOT NULL, n int DEFAULT 0,"
                           f" created timestamptz DEFAULT now()); CREATE INDEX ON t{i} (name)" for i in range(tables))
            async with await psycopg.AsyncConnection.connect(ws.conninfo("dev", "main").url, autocommit=True) as c:
                await c.execute(ddl)
            await ws.branch_create("dev", "d")
            async with await psycopg.AsyncConnection.connect(ws.conninfo("dev", "d").url, autocommit=True) as c:
                await c.execute(";".join(f"ALTER TABLE t{i} ADD COLUMN extra text" for i in range(0, tables, 20)))
            times = [(await timed(ws.branch_diff("dev", "d")))[0] for _ in range(3)]
            r = await ws.branch_diff("dev", "d")
            out = {"tables": tables, "changes": len(r["schema"]["changes"]), "seconds": med(times)}
            print(f"  schema diff on {tables} tables ({out['changes']} changes): {out['seconds']:.3f}s", file=sys.stderr)
            return out
        finally:
            await ws.destroy("dev")
            shutil.rmtree(root, ignore_errors=True)


async def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="100 MB only")
    ap.add_argument("--full", action="store_true", help="1 GB on the default filesystem too")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()), help="where the default-fs run lives")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--no-fsync", action="store_true",
                    help="run the clusters with fsync off (what many dev setups use): shows the floor "
                         "without per-file fsync and checkpoint flush costs")
    args = ap.parse_args()
    global CONFIG
    if args.no_fsync:
        CONFIG += "    settings: {fsync: false}\n"
    cow_sizes = ["100MB"] if args.quick else ["100MB", "1GB"]
    sizes = ["100MB", "1GB"] if args.full else ["100MB"]
    out: dict = {"date": time.strftime("%Y-%m-%d"), "fsync": not args.no_fsync, "machine": f"{os.uname().sysname} {os.uname().release}, "
                 f"{os.cpu_count()} cores", "results": [], "notes": []}
    xfs = mount_xfs(4 if args.quick else 6)
    if isinstance(xfs, str):
        out["notes"].append(f"XFS reflink run skipped: {xfs}")
        print(f"  xfs: skipped ({xfs})", file=sys.stderr)
    else:
        try:
            out["results"] += await bench_fs("xfs", xfs[0], cow_sizes, args.repeat)
        finally:
            unmount(*xfs)
    fs_type = subprocess.run(["df", "--output=fstype", str(args.dir)], capture_output=True, text=True).stdout.split()[-1]
    out["results"] += await bench_fs(fs_type, args.dir, sizes, args.repeat)
    out["diff"] = await bench_diff(args.dir)
    if args.json:
        print(json.dumps(out, indent=2))
    else:
        print(f"{'fs':<6} {'size':<6} {'strategy':<9} {'create':>8} {'raw':>8} {'ratio':>6} {'WAL_LOG':>8} "
              f"{'reset':>8} {'delete':>8}")
        for r in out["results"]:
            print(f"{r['fs']:<6} {r['size']:<6} {r['strategy']:<9} {r['create']:>8.3f} {r['raw_same']:>8.3f} "
                  f"{r['ratio_vs_raw_same']:>6} {r['raw_wal_log']:>8.3f} {r['reset']:>8.3f} {r['delete']:>8.3f}")
        print(f"schema diff, {out['diff']['tables']} tables: {out['diff']['seconds']:.3f}s")
        print(f"fsync: {'on' if out['fsync'] else 'off'}; {out['date']}; {out['machine']}")
        for n in out["notes"]:
            print("note:", n)


if __name__ == "__main__":
    asyncio.run(main())
