"""Pure pieces of the docker runtime: stats arithmetic, log line parsing, gc's orphan rules."""

from __future__ import annotations

import socket
import time

from core.runtime import docker_client as dc
from core.runtime.docker_cleanup import orphan_reason
from core.runtime.docker_logs import _parse
from core.runtime.docker_stats import stats_from


def test_cpu_percent_from_two_samples_and_memory_without_page_cache():
    s = {"cpu_stats": {"cpu_usage": {"total_usage": 3_000_000}, "system_cpu_usage": 20_000_000, "online_cpus": 2},
         "precpu_stats": {"cpu_usage": {"total_usage": 1_000_000}, "system_cpu_usage": 10_000_000},
         "memory_stats": {"usage": 50_000, "limit": 1_000_000, "stats": {"inactive_file": 10_000}}}
    st = stats_from(s)
    assert st.cpu_percent == 40.0  # 2e6 of 1e7 system ns, times 2 cpus
    assert st.memory_bytes == 40_000 and st.memory_limit == 1_000_000


def test_cpu_percent_without_previous_sample_is_average_since_start():
    started = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(time.time() - 10)) + ".123456789Z"
    s = {"cpu_stats": {"cpu_usage": {"total_usage": 5_000_000_000}}, "precpu_stats": {}, "memory_stats": {}}
    st = stats_from(s, started)
    assert 40 <= st.cpu_percent <= 55  # 5 s of CPU in ~10 s
    assert st.memory_bytes is None


def test_log_line_timestamp_and_level():
    line = _parse("db", "dev", b"2026-11-25T18:47:23.648123456Z 2026-11-25 18:47:23.648 UTC [1] ERROR:  boom")
    assert line.ts.isoformat().startswith("2026-11-25T18:47:23.648123")
    assert line.text.startswith("2026-11-25 18:47:23.648 UTC") and line.level == "error"
    assert (line.service, line.env) == ("db", "dev")
    plain = _parse("app", "dev", b"no timestamp here")
    assert plain.text == "no timestamp here" and plain.level is None


def _labels(env: str, pid: int, host: str | None = None, expires: str = "") -> dict:
    return {dc.L_ENV: env, dc.L_PID: str(pid), dc.L_HOST: host or socket.gethostname(), dc.L_EXPIRES: expires}


def test_orphan_rules():
    import os

    now = time.time()
    dead, alive = 999_999_999, os.getpid()
    envs = {"dev": "ready", "ci": "creating"}
    assert orphan_reason(_labels("dev", dead), envs, now) is None  # a ready env's resources stay
    assert orphan_reason(_labels("ghost", dead), envs, now) == "environment unknown to the state store"
    assert orphan_reason(_labels("ghost", alive), envs, now) is None  # an up creating it right now
    assert "interrupted" in orphan_reason(_labels("ci", dead), envs, now)
    assert orphan_reason(_labels("ci", alive), envs, now) is None
    assert orphan_reason(_labels("dev", dead, expires=str(int(now - 5))), envs, now) == "environment expired"
    assert orphan_reason(_labels("dev", dead, host="elsewhere"), envs, now) is None
