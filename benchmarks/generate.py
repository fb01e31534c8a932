"""Synthetic data: 1M rows over the 5 FK-linked example tables; SQL seed of 100k rows.

Usage: /work/venv/bin/python benchmarks/generate.py [--rows 1000000] [--runs 1] [--seed-rows 100000]
(``--rows 0`` or ``--seed-rows 0`` skips that part.)

Each run uses a fresh database with seeds/example/schema.sql on a throwaway PG 18 server
(fsync off, like the tests). The example spec's table proportions are scaled to ``--rows``.

Baselines measured in the same process:
- generator vs "server-only": the same row counts produced by hand-written INSERT … SELECT
  generate_series statements (random values, FKs checked) — the speed Postgres reaches with
  no client work at all;
- SQL seed runner vs "one execute": the same file sent as a single simple-query string
  (no splitting, no line tracking, no history row).
Median of ``--runs``. Because wall time on a shared machine depends on its load, the CPU
seconds spent by this process (generation, formatting) and by the Postgres server processes
(parsing, heap, WAL, index builds) are reported too, with the load average.
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

import os

import psutil
import psycopg
import yaml
from psycopg import sql

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.pg import cluster  # noqa: E402
from core.pg.binaries import find_binaries  # noqa: E402
from core.events import EventBus, OperationProgress  # noqa: E402
from core.pg.generate import generate  # noqa: E402
from core.pg.seeds import run_sql_seeds  # noqa: E402
from seeds import builtin_seeds_dir  # noqa: E402

# Share of the total rows per table (sums to 1): a realistic fan-out.
SHARES = {"organizations": 0.01, "users": 0.10, "projects": 0.05, "tasks": 0.34, "comments": 0.50}

SERVER_ONLY = """
INSERT INTO organizations (name, slug, plan)
  SELECT 'org ' || g, 'org-' || g, 'free' FROM generate_series(1, {organizations}) g;
INSERT INTO users (organization_id, email, first_name, last_name)
  SELECT 1 + (random() * ({organizations} - 1))::int, 'user' || g || '@example.com', 'Ann', 'Lee'
  FROM generate_series(1, {users}) g;
UPDATE organizations SET owner_id = 1 + (random() * ({users} - 1))::int;
INSERT INTO projects (organization_id, name, budget, starts_on)
  SELECT 1 + (random() * ({organizations} - 1))::int, 'project ' || g, random() * 1000, date '2024-01-01'
  FROM generate_series(1, {projects}) g;
CREATE TEMP TABLE pids AS SELECT row_number() OVER () AS n, id FROM projects;
INSERT INTO tasks (project_id, title, status, priority)
  SELECT pids.id, 'task ' || g, 'todo', 1 + g % 5
  FROM generate_series(1, {tasks}) g JOIN pids ON pids.n = 1 + (g % {projects});
INSERT INTO comments (task_id, author_id, body)
  SELECT 1 + (random() * ({tasks} - 1))::int, 1 + (random() * ({users} - 1))::int, 'comment ' || g
  FROM generate_series(1, {comments}) g;
"""


def create_db(admin: str, schema: str) -> str:
    name = "bench_" + secrets.token_hex(4)
    with psycopg.connect(admin, autocommit=True) as c:
        c.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    dsn = admin.rsplit("/", 1)[0] + "/" + name
    if schema:
        with psycopg.connect(dsn, autocommit=True) as c:
            c.execute(schema)
    return dsn


def scaled_spec(total: int, out: Path) -> dict[str, int]:
    spec = yaml.safe_load((builtin_seeds_dir() / "example.yaml").read_text())
    counts = {t: max(1, round(total * share)) for t, share in SHARES.items()}
    for t, n in counts.items():
        spec["tables"][t]["rows"] = n
    out.write_text(yaml.safe_dump(spec, sort_keys=False))
    return counts


class ServerCpu:
    """CPU seconds used by the postmaster and its children (backends that exit are kept)."""

    def __init__(self, admin: str):
        with psycopg.connect(admin) as c:
            self.postmaster = psutil.Process(c.execute("SELECT pg_backend_pid()").fetchone()[0]).parent()
        self.seen: dict[int, float] = {}

    def sample(self) -> float:
        for p in [self.postmaster, *self.postmaster.children()]:
            try:
                t = p.cpu_times()
                self.seen[p.pid] = t.user + t.system
            except psutil.NoSuchProcess:
                pass
        return sum(self.seen.values())


def bench_generate(admin: str, total: int, runs: int, work: Path) -> None:
    schema = (builtin_seeds_dir() / "example" / "schema.sql").read_text()
    spec = work / "spec.yaml"
    counts = scaled_spec(total, spec)
    gen_times, base_times = [], []
    for _ in range(runs):
        dsn = create_db(admin, schema)
        server = ServerCpu(admin)
        s0, c0 = server.sample(), time.process_time()
        bus = EventBus()
        bus.on(lambda e: server.sample() if isinstance(e, OperationProgress) else None)
        report = asyncio.run(generate(dsn, spec, seed=42, bus=bus))
        client_cpu, server_cpu = time.process_time() - c0, server.sample() - s0
        gen_times.append(report.seconds)
        per_table = ", ".join(f"{t.table} {t.rows} in {t.seconds:.2f}s" for t in report.tables)
        print(f"  generator: {report.total_rows} rows in {report.seconds:.2f}s wall, CPU: client "
              f"{client_cpu:.1f}s + server ≥{server_cpu:.1f}s, load avg {os.getloadavg()[0]:.1f} "
              f"({per_table})")
        dsn = create_db(admin, schema)
        t0 = time.perf_counter()
        with psycopg.connect(dsn) as c:
            c.execute(SERVER_ONLY.format(**counts))
        base_times.append(time.perf_counter() - t0)
        print(f"  server-only INSERT…SELECT: {base_times[-1]:.2f}s")
    g, b = statistics.median(gen_times), statistics.median(base_times)
    print(f"generate {sum(counts.values())} rows over 5 FK-linked tables: median {g:.2f}s "
          f"({sum(counts.values()) / g:,.0f} rows/s); server-only baseline {b:.2f}s; ratio {g / b:.2f}x")


def bench_sql_seed(admin: str, rows: int, runs: int, work: Path) -> None:
    schema = "CREATE TABLE contacts (id int PRIMARY KEY, name text NOT NULL, email text, note text);"
    styles = {
        "one INSERT per row": "\n".join(
            f"INSERT INTO contacts VALUES ({i}, 'Name {i}', 'user{i}@example.com', 'it''s row {i}; ok');"
            for i in range(1, rows + 1)),
        "INSERTs of 1000 rows": "\n".join(
            "INSERT INTO contacts VALUES\n" + ",\n".join(
                f"  ({i}, 'Name {i}', 'user{i}@example.com', 'it''s row {i}; ok')"
                for i in range(s, min(s + 1000, rows + 1))) + ";"
            for s in range(1, rows + 1, 1000)),
        "COPY FROM stdin": "COPY contacts (id, name, email, note) FROM stdin;\n" + "".join(
            f"{i}\tName {i}\tuser{i}@example.com\tit's row {i}; ok\n" for i in range(1, rows + 1)) + "\\.\n",
    }
    for style, text in styles.items():
        (work / "seed.sql").write_text(text + "\n")
        ours, base = [], []
        for _ in range(runs):
            dsn = create_db(admin, schema)
            t0 = time.perf_counter()
            asyncio.run(run_sql_seeds(dsn, [Path("seed.sql")], root=work))
            ours.append(time.perf_counter() - t0)
            if style != "COPY FROM stdin":  # a plain execute cannot send COPY data
                dsn = create_db(admin, schema)
                t0 = time.perf_counter()
                with psycopg.connect(dsn) as c:
                    c.execute(text)
                base.append(time.perf_counter() - t0)
        o = statistics.median(ours)
        line = f"sql seed {rows} rows, {style}: median {o:.2f}s ({rows / o:,.0f} rows/s)"
        if base:
            b = statistics.median(base)
            line += f"; one-execute baseline {b:.2f}s; ratio {o / b:.2f}x"
        print(line)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000, help="total generated rows (default 1M)")
    ap.add_argument("--seed-rows", type=int, default=100_000, help="rows in the SQL seed file")
    ap.add_argument("--runs", type=int, default=1, help="runs per measurement (median)")
    args = ap.parse_args()
    bins = find_binaries()
    root = Path(tempfile.mkdtemp(prefix="stackyard-bench-gen-"))
    data, password = root / "data", secrets.token_urlsafe(12)
    cluster.initdb(bins, data, password)
    port = cluster.free_port()
    cluster.write_settings(data, port, {"fsync": False, "max_wal_size": "4GB"})
    cluster.start(bins, data, root / "postgres.log", port)
    admin = f"postgresql://postgres:{password}@127.0.0.1:{port}/postgres"
    try:
        if args.rows:
            bench_generate(admin, args.rows, args.runs, root)
        if args.seed_rows:
            bench_sql_seed(admin, args.seed_rows, args.runs, root)
    finally:
        cluster.stop(bins, data)
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
