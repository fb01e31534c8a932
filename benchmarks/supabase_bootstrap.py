"""Supabase bootstrap cost on the embedded PostgreSQL 18 (median of N runs, one fresh server).

Measures, per fresh database: CREATE DATABASE (the baseline), the bootstrap, a re-run of the
bootstrap (idempotency path), the fixture project's migrations + seed, one exec_as round trip;
and, once per cluster, the extension probe for the stand-ins. Run:
    /work/venv/bin/python benchmarks/supabase_bootstrap.py [--runs 7]
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core.pg import cluster  # noqa: E402
from core.pg.binaries import find_binaries  # noqa: E402
from core.supabase import bootstrap, exec_as, load_supabase_config, probe_extensions, standin_names  # noqa: E402
from core.supabase.provider import standin_settings, write_standins  # noqa: E402

PROJECT = ROOT / "tests" / "supabase" / "fixtures" / "project"


def ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()
    bins = find_binaries()
    root = Path(tempfile.mkdtemp(prefix="stackyard-bench-supa-"))
    data = root / "data"
    pw = secrets.token_urlsafe(12)
    cluster.initdb(bins, data, pw)
    port = cluster.free_port()
    cluster.write_settings(data, port, {"fsync": False})
    cluster.start(bins, data, root / "log", port)
    admin = f"postgresql://postgres:{pw}@127.0.0.1:{port}/postgres"
    times: dict[str, list[float]] = {k: [] for k in
                                     ("createdb", "bootstrap", "bootstrap_rerun", "migrate_seed", "exec_as")}
    try:
        t = time.perf_counter()
        missing = {n for n, ok in asyncio.run(probe_extensions(admin, standin_names())).items() if not ok}
        probe = time.perf_counter() - t
        folder = write_standins(root / "standins", missing)
        cluster.write_settings(data, port, {"fsync": False, **standin_settings(folder)})
        with psycopg.connect(admin, autocommit=True) as c:
            c.execute("select pg_reload_conf()")
        sp = load_supabase_config(PROJECT)
        files = sorted((PROJECT / sp.migrations_dir).glob("*.sql")) + [PROJECT / p for p in sp.seed_paths]
        for i in range(args.runs):
            name = f"bench_{i}"
            t = time.perf_counter()
            with psycopg.connect(admin, autocommit=True) as c:
                c.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
            times["createdb"].append(time.perf_counter() - t)
            dsn = f"postgresql://postgres:{pw}@127.0.0.1:{port}/{name}"
            t = time.perf_counter()
            asyncio.run(bootstrap(dsn, buckets=sp.buckets))
            times["bootstrap"].append(time.perf_counter() - t)
            t = time.perf_counter()
            asyncio.run(bootstrap(dsn, buckets=sp.buckets))
            times["bootstrap_rerun"].append(time.perf_counter() - t)
            t = time.perf_counter()
            with psycopg.connect(dsn) as c:
                for f in files:
                    with c.transaction():
                        c.execute(f.read_text().encode())
            times["migrate_seed"].append(time.perf_counter() - t)
            t = time.perf_counter()
            asyncio.run(exec_as(dsn, "select count(*) from public.notes", claims={"sub": "11111111-1111-1111-1111-111111111111"}))
            times["exec_as"].append(time.perf_counter() - t)
    finally:
        cluster.stop(bins, data)
        shutil.rmtree(root, ignore_errors=True)
    base = statistics.median(times["createdb"])
    print(f"PostgreSQL {bins.version} ({bins.provider}), runs={args.runs}, medians in ms")
    print(f"  stand-in probe (once per cluster, {len(standin_names())} extensions): {ms(probe)}")
    for k, v in times.items():
        med = statistics.median(v)
        print(f"  {k:<16} {ms(med):>8}   x{med / base:.2f} of createdb")


if __name__ == "__main__":
    main()
