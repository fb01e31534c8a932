"""`db reset`: cold (builds the migrated+seeded template) vs cached (clones it), next to a replay.

A project with N migrations (default 200) and a 10k-row SQL seed. Baseline in the same run:
drop the database, create it empty, replay every migration and the seed (what a reset without
the template cache would cost). Usage: python benchmarks/db_reset.py [--migrations 200] [--runs 5]
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

import psycopg
from psycopg import sql

from core.api import Workspace


def make_project(root: Path, n: int) -> None:
    (root / "stackyard.yaml").write_text(
        "project: bench\nservices:\n  db: {kind: postgres}\nmigrations: {dir: migrations}\nseeds: {paths: [seeds/*.sql]}\n")
    mig = root / "migrations"
    mig.mkdir()
    for i in range(n):
        body = (f"create table t{i}(id bigint generated always as identity primary key, name text not null, "
                f"created_at timestamptz not null default now());\ncreate index on t{i}(name);\n")
        if i % 10 == 9:
            body += f"alter table t{i} add column ref bigint references t{i - 1}(id);\n"
        (mig / f"{20260101000000 + i}_t{i}.sql").write_text(body)
    (root / "seeds").mkdir()
    (root / "seeds" / "seed.sql").write_text(
        "insert into t0(name) select 'name ' || g from generate_series(1, 10000) g;\n")


async def replay(ws: Workspace) -> float:
    admin = ws.admin_dsn("dev")
    db = ws.branch_database("dev", None)
    t = time.perf_counter()
    async with await psycopg.AsyncConnection.connect(admin, autocommit=True) as c:
        await c.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(db)))
        await c.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(db)))
    dsn = await ws.database_url("dev")
    await ws.migration_engine(dsn, "dev").up()
    await ws._seed_dsn(dsn)
    return time.perf_counter() - t


async def run(n: int, runs: int) -> None:
    root = Path(tempfile.mkdtemp(prefix="stackyard-bench-reset-"))
    try:
        make_project(root, n)
        async with Workspace.open(root) as ws:
            await ws.up("dev")
            cold, cached, raw = [], [], []
            for _ in range(runs):
                from core.pg.migrations.template import prune_templates

                await prune_templates(ws.admin_dsn("dev"))
                r = await ws.db_reset("dev")
                assert r["template_built"]
                cold.append(r["seconds"])
                r = await ws.db_reset("dev")
                assert not r["template_built"]
                cached.append(r["seconds"])
                raw.append(await replay(ws))
            await ws.destroy("dev")
        print(f"# db reset benchmark {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, {platform.node()}, "
              f"{n} migrations + 10k-row seed, median of {runs}")
        print("| variant | median (s) | vs replay |")
        print("|---|---|---|")
        base = statistics.median(raw)
        for label, xs in (("replay (drop, create, migrate, seed)", raw), ("db reset, cold (builds template)", cold),
                          ("db reset, cached template", cached)):
            m = statistics.median(xs)
            print(f"| {label} | {m:.3f} | {m / base:.2f}x |")
    finally:
        shutil.rmtree(root, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--migrations", type=int, default=200)
    ap.add_argument("--runs", type=int, default=5)
    a = ap.parse_args()
    asyncio.run(run(a.migrations, a.runs))


if __name__ == "__main__":
    main()
