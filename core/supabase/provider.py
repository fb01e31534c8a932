"""Which extensions a server really has, shims for what it lacks, and SQL-only stand-ins.

Three layers, from most to least faithful:

1. the real extension (probed by actually creating it: a listed extension can still fail to load);
2. *stand-ins*: SQL-only extensions shipped in ``core/supabase/extensions/`` and served to the server
   through PostgreSQL 18's ``extension_control_path`` from a per-cluster folder that holds only the
   stand-ins the server lacks (so a real extension is never shadowed);
3. *shims*: the pgcrypto / uuid-ossp stand-in functions installed as plain functions in schema
   ``extensions`` by the bootstrap, when neither of the above can provide them.

Every stand-in says what it is: a ``_stackyard_standin_<ext>`` marker table listing each object as
exact / approximate / stand-in / unsupported, a control-file comment starting "stackyard stand-in",
and SQLSTATE ``SY001`` when a function that cannot be emulated is called.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import time
from collections.abc import Iterable
from importlib import resources
from pathlib import Path

import psycopg
from psycopg import sql

from ..errors import StackyardError, TimeoutError_, UnreachableError

STANDIN_SQLSTATE = "SY001"
"""SQLSTATE raised by stand-in functions that cannot be emulated on this server."""

# Extensions Supabase preinstalls (or dumps create) that stackyard has a stand-in for.
_PACKAGE = "core.supabase.extensions"

# The ones whose functions the bootstrap can install as plain functions in schema extensions.
SHIMMABLE = ("pgcrypto", "uuid-ossp")


def standin_names() -> list[str]:
    """Names of the extensions stackyard ships a stand-in for."""
    return sorted(
        p.name[: -len(".control")]
        for p in resources.files(_PACKAGE).iterdir()
        if p.name.endswith(".control")
    )


def standin_files(name: str) -> dict[str, str]:
    """File name -> text of one stand-in (its control file and its install script)."""
    base = resources.files(_PACKAGE)
    control = base / f"{name}.control"
    if not control.is_file():
        raise StackyardError(f"no stand-in for extension {name!r}", hint=f"stand-ins exist for: {', '.join(standin_names())}")
    text = control.read_text()
    m = re.search(r"^default_version\s*=\s*'([^']+)'", text, re.M)
    if not m:
        raise StackyardError(f"stand-in control file for {name} has no default_version")
    script = f"{name}--{m.group(1)}.sql"
    return {f"{name}.control": text, script: (base / script).read_text()}


def shim_sql(name: str, schema: str = "extensions") -> str:
    """The install script of a shimmable stand-in, targeted at ``schema`` (no extension object)."""
    if name not in SHIMMABLE:
        raise StackyardError(f"no shim for extension {name!r}")
    files = standin_files(name)
    script = next(text for fname, text in files.items() if fname.endswith(".sql"))
    return script.replace("@extschema@", sql.Identifier(schema).as_string(None))


def write_standins(target_dir: Path, names: Iterable[str]) -> Path:
    """Write the stand-ins for ``names`` into ``target_dir/extension`` and return ``target_dir``.

    Pass only the extensions the server lacks (see :func:`probe_extensions`): the folder comes first
    in ``extension_control_path`` and would shadow a real extension of the same name. Files of
    stand-ins not named are removed, so re-running with a new probe result converges.
    """
    from ..pg.cluster import give_to_server, server_os_user

    wanted = sorted(set(names))
    ext_dir = Path(target_dir) / "extension"
    ext_dir.mkdir(parents=True, exist_ok=True)
    keep: set[str] = set()
    for name in wanted:
        for fname, text in standin_files(name).items():
            (ext_dir / fname).write_text(text)
            (ext_dir / fname).chmod(0o644)
            keep.add(fname)
    for p in ext_dir.iterdir():
        if p.name not in keep and p.is_file():
            p.unlink()
    Path(target_dir).chmod(0o755)
    ext_dir.chmod(0o755)
    # the server may run as its own OS user (when stackyard runs as root): let it read the folder
    give_to_server(Path(target_dir), server_os_user(), recursive=True)
    return Path(target_dir)


def standin_settings(target_dir: Path) -> dict[str, str]:
    """Server settings that serve the stand-ins in ``target_dir`` before the server's own extensions.

    PostgreSQL appends ``/extension`` to each element; ``$system`` must be its own element.
    Reloadable (superuser GUC): ``pg_reload_conf()`` is enough, no restart.
    """
    return {"extension_control_path": f"{Path(target_dir)}:$system"}


async def probe_extensions(dsn: str, names: Iterable[str], *, system_only: bool = False) -> dict[str, bool]:
    """Whether each extension can really be created here: tries ``CREATE EXTENSION`` and rolls back.

    An extension already installed in the database counts as available. Needs a role allowed to
    create the extensions (a superuser for untrusted ones). ``system_only`` ignores stand-ins
    already served (``SET extension_control_path = '$system'`` for the probing session): the
    answer is then what the server build itself has.
    """
    result: dict[str, bool] = {}
    try:
        conn = await psycopg.AsyncConnection.connect(dsn)
    except psycopg.OperationalError as e:
        raise UnreachableError(f"cannot connect to probe extensions: {e}") from e
    async with conn:
        if system_only:
            await conn.execute("set extension_control_path = '$system'")
        cur = await conn.execute("select extname from pg_extension")
        installed = set() if system_only else {r[0] for r in await cur.fetchall()}
        for name in dict.fromkeys(names):
            if name in installed:
                result[name] = True
                continue
            try:
                async with conn.transaction(force_rollback=True):
                    await conn.execute(sql.SQL("create extension {} cascade").format(sql.Identifier(name)))
                result[name] = True
            except psycopg.Error:
                result[name] = False
    return result


async def list_standins(dsn: str) -> list[dict]:
    """Every stand-in object in a database: extension, schema, object, status, note."""
    async with await psycopg.AsyncConnection.connect(dsn) as conn:
        cur = await conn.execute(
            "select n.nspname, c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace "
            "where c.relkind = 'r' and c.relname like '\\_stackyard\\_standin\\_%' order by 1, 2"
        )
        tables = await cur.fetchall()
        out: list[dict] = []
        for schema, table in tables:
            ext = table[len("_stackyard_standin_"):]
            cur = await conn.execute(
                sql.SQL("select object, status, note from {}.{} order by object").format(
                    sql.Identifier(schema), sql.Identifier(table)
                )
            )
            for obj, status, note in await cur.fetchall():
                out.append({"extension": ext.replace("uuid_ossp", "uuid-ossp"), "schema": schema,
                            "object": obj, "status": status, "note": note})
        return out


async def serve_standins(dsn: str, target_dir: Path) -> set[str]:
    """Probe the server, write the stand-ins it lacks into ``target_dir`` and serve them now.

    Uses ``ALTER SYSTEM SET extension_control_path`` + ``pg_reload_conf()`` (no restart), so it
    only fits servers that can read ``target_dir`` (the local runtime). Returns the names served.
    Prefer writing :func:`standin_settings` into the server's config when you control it.
    """
    have = await probe_extensions(dsn, standin_names(), system_only=True)
    missing = {n for n, ok in have.items() if not ok}
    folder = write_standins(target_dir, missing)
    value = standin_settings(folder)["extension_control_path"]
    async with await psycopg.AsyncConnection.connect(dsn, autocommit=True) as conn:
        await conn.execute(sql.SQL("alter system set extension_control_path = {}").format(sql.Literal(value)))
        await conn.execute("select pg_reload_conf()")
    # the postmaster applies the reload asynchronously: wait until new sessions see the value
    deadline = time.monotonic() + 10
    while True:
        async with await psycopg.AsyncConnection.connect(dsn) as conn:
            cur = await conn.execute("select current_setting('extension_control_path')")
            if (await cur.fetchone())[0] == value:
                return missing
        if time.monotonic() > deadline:
            raise TimeoutError_("the server did not pick up extension_control_path after pg_reload_conf()")
        await asyncio.sleep(0.05)


async def served_standins(dsn: str) -> set[str]:
    """Extensions the server currently offers through a stackyard stand-in (by control comment)."""
    async with await psycopg.AsyncConnection.connect(dsn) as conn:
        cur = await conn.execute(
            "select name from pg_available_extensions where comment like 'stackyard stand-in%'"
        )
        return {r[0] for r in await cur.fetchall()}


def remove_standins(target_dir: Path) -> None:
    """Delete a stand-in folder written by :func:`write_standins`."""
    shutil.rmtree(Path(target_dir) / "extension", ignore_errors=True)
