"""The Workspace: one project on disk (.stackyard/), its config, state, locks and journal.

Lifecycle, observation and feature operations are mixed into ``core.api.Workspace``; this base
holds what they share.
"""

from __future__ import annotations

import json
import os
import secrets as pysecrets
import shutil
import socket
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, AsyncIterator, Callable, Awaitable

import psutil

from .config.loader import LoadedProject, load_project
from .config.models import EnvironmentConfig, PostgresService
from .config.profiles import Profile, load_profile, list_profiles
from .errors import NotFoundError, StackyardError, UsageError
from .events import EventBus
from .locks import EnvLock
from .names import validate_name
from .runtime.base import EnvContext
from .services.postgres import ConnInfo, conninfo, password_key
from .state import EnvRow, OperationRow, StateStore

DEFAULT_ENV = "dev"
ADMIN_DB = "stackyard_admin"

# Reconcilers finish or roll back an operation a crashed process left "running".
# kind -> async fn(workspace, op) -> "done" | "rolled_back" | "failed"
Reconciler = Callable[["WorkspaceBase", OperationRow], Awaitable[str]]
RECONCILERS: dict[str, Reconciler] = {}


def reconciler(kind: str):
    def deco(fn: Reconciler) -> Reconciler:
        RECONCILERS[kind] = fn
        return fn

    return deco


def default_env_name() -> str:
    return os.environ.get("STACKYARD_ENV") or DEFAULT_ENV


class WorkspaceBase:
    def __init__(self, project: LoadedProject, *, bus: EventBus | None = None, lock_timeout: float | None = None):
        self.project = project
        self.root = project.root
        self.config = project.config
        self.dir = self.root / ".stackyard"
        self.bus = bus or EventBus()
        self.lock_timeout = lock_timeout
        self._locks: dict[str, EnvLock] = {}
        self._runtimes: dict[str, Any] = {}
        self._profiles: dict[str, Profile] = {}
        self.dir.mkdir(parents=True, exist_ok=True)
        self._ensure_gitignore()
        self.state = StateStore(self.dir / "state.db")
        if self.state.rebuilt_from is not None:
            self.bus.warning(
                f"the state database was corrupted; kept it as {self.state.rebuilt_from.name} and rebuilt state from disk"
            )

    @classmethod
    def open(cls, root: Path | None = None, *, bus: EventBus | None = None, lock_timeout: float | None = None,
             require_config: bool = False):
        """Open the project at ``root`` (or the nearest one above cwd); without a config, use defaults."""
        project = load_project(root, required=require_config)
        ws = cls(project, bus=bus, lock_timeout=lock_timeout)
        if project.source is None:
            ws.bus.info(f"no stackyard.yaml: using defaults (one postgres service) in {project.root}")
        return ws

    async def __aenter__(self):
        await self.reconcile()
        return self

    async def __aexit__(self, *exc) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        for rt in self._runtimes.values():
            await rt.close()
        self._runtimes.clear()
        self.state.close()

    def _ensure_gitignore(self) -> None:
        gi = self.dir / ".gitignore"
        if not gi.exists():
            gi.write_text("# stackyard's local state: data, secrets, logs\n*\n")

    # paths ---------------------------------------------------------------------------------
    def env_dir(self, env: str) -> Path:
        return self.dir / "envs" / env

    @property
    def migrations_dir(self) -> Path:
        return self.root / self.config.migrations.dir

    # locks and journal ---------------------------------------------------------------------
    def lock(self, env: str) -> EnvLock:
        if env not in self._locks:
            self._locks[env] = EnvLock(self.dir / "locks" / f"{env}.lock", timeout=self.lock_timeout,
                                       on_wait=self.bus.info)
        return self._locks[env]

    @asynccontextmanager
    async def journal(self, kind: str, env: str | None, target: str | None = None,
                      detail: dict | None = None) -> AsyncIterator[Any]:
        """Journal an operation before it acts; mark it done or failed after; emit start/finish events."""
        op_id = self.state.begin_op(kind, env, target, detail)
        with self.bus.operation(kind, env=env, target=target) as op:
            op.journal_id = op_id
            try:
                yield op
            except BaseException as e:
                self.state.end_op(op_id, "failed", error=str(e)[:2000] or type(e).__name__)
                raise
            self.state.end_op(op_id, "done")

    # runtimes ------------------------------------------------------------------------------
    def runtime(self, name: str):
        if name not in self._runtimes:
            from .runtime.base import get_runtime

            self._runtimes[name] = get_runtime(name)
        return self._runtimes[name]

    # environments ----------------------------------------------------------------------------
    def env_config(self, env: str) -> EnvironmentConfig | None:
        return self.config.environments.get(env)

    def resolve_profile_name(self, env: str, profile: str | None) -> str:
        if profile:
            return profile
        ec = self.env_config(env)
        if ec:
            return ec.profile
        return env if env in list_profiles(self.root) else "dev"

    def load_profile(self, name: str) -> Profile:
        """A resolved profile; parsed once per Workspace (status and list ask for it on every call)."""
        if name not in self._profiles:
            self._profiles[name] = load_profile(name, self.root, self.project.env)
        return self._profiles[name]

    def require_env(self, env: str) -> EnvRow:
        validate_name(env, "environment name")
        row = self.state.get_env(env)
        if row is None or row.status == "creating":
            known = [e.name for e in self.state.list_envs() if e.status == "ready"]
            raise NotFoundError(
                f"no environment {env!r}",
                hint=f"create it with `stackyard up {env}`" + (f"; known: {', '.join(known)}" if known else ""),
            )
        return row

    def secrets_path(self, env: str) -> Path:
        return self.env_dir(env) / "secrets.json"

    def read_secrets(self, env: str) -> dict[str, str]:
        try:
            return json.loads(self.secrets_path(env).read_text())
        except FileNotFoundError:
            return {}

    def write_secrets(self, env: str, values: dict[str, str]) -> None:
        p = self.secrets_path(env)
        p.parent.mkdir(parents=True, exist_ok=True)
        tmp = p.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            json.dump(values, f)
        os.replace(tmp, p)

    def ensure_secrets(self, env: str) -> dict[str, str]:
        values = self.read_secrets(env)
        changed = False
        for name, svc in self.config.services.items():
            key = password_key(name)
            if key not in values:
                values[key] = pysecrets.token_urlsafe(24)
                changed = True
        if changed:
            self.write_secrets(env, values)
        return values

    def context(self, row: EnvRow, profile: Profile | None = None) -> EnvContext:
        return EnvContext(self.config.project, row.name, self.env_dir(row.name),
                          profile or self.load_profile(row.profile), self.ensure_secrets(row.name), self.bus,
                          row.expires_at)

    def write_manifest(self, env: str) -> None:
        """Mirror an env's state rows to envs/<env>/env.json (rebuild source for a lost state db)."""
        row = self.state.get_env(env)
        if row is None:
            return
        data = {"env": row.to_dict(), "services": [s.to_dict() for s in self.state.services(env)]}
        p = self.env_dir(env) / "env.json"
        p.parent.mkdir(parents=True, exist_ok=True)
        tmp = p.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, indent=2))
        os.replace(tmp, p)

    # connections -----------------------------------------------------------------------------
    def primary_postgres(self) -> tuple[str, PostgresService]:
        pg = self.config.postgres()
        if pg is None:
            raise UsageError("this project has no postgres service", hint="add one under services: in stackyard.yaml")
        return pg

    def branch_database(self, env: str, branch: str | None) -> str:
        row = self.state.get_env(env) or self.require_env(env)  # an env being created counts
        name = branch or row.active_branch
        if name == "main":
            return self.primary_postgres()[1].database
        r = self.state.db.execute("SELECT database FROM branches WHERE env = ? AND name = ?", (env, name)).fetchone()
        if r is None:
            raise NotFoundError(f"no branch {name!r} in environment {env!r}", hint="see `stackyard branch list`")
        return r[0]

    def conninfo(self, env: str, branch: str | None = None, *, database: str | None = None) -> ConnInfo:
        """Connection info of the env's primary postgres, on a branch (default: the active one)."""
        name, _svc = self.primary_postgres()
        rows = {s.name: s for s in self.state.services(env)}
        if name not in rows:
            raise NotFoundError(f"environment {env!r} has no {name} service yet", hint=f"run `stackyard up {env}`")
        dbname = database or self.branch_database(env, branch)
        return conninfo(rows[name], self.read_secrets(env), dbname)

    async def database_url(self, env: str | None = None, branch: str | None = None) -> str:
        return self.conninfo(env or default_env_name(), branch).url

    def admin_dsn(self, env: str) -> str:
        """Superuser DSN to stackyard's maintenance database (CREATE/DROP DATABASE run from here).

        Not ``postgres``: Supabase projects use that as their main database (branch ``main``), and
        a session cannot drop or rename the database it is connected to.
        """
        return self.conninfo(env, database=ADMIN_DB).url

    # cooperative hooks (feature mixins extend them and call super()) ------------------------
    async def provision_data(self, env: str, profile: Profile, op: Any) -> None:
        """Schema and data for a freshly created database (migrations, seeds)."""

    async def gc_extra(self, dry_run: bool) -> list[dict]:
        """More things `gc` removes (expired branches, orphan containers...)."""
        return []

    # reconcile -------------------------------------------------------------------------------
    async def reconcile(self) -> list[dict]:
        """Finish or roll back operations whose process died; rebuild state from manifests if lost."""
        actions: list[dict] = []
        self._import_manifests(actions)
        host = socket.gethostname()
        for op in self.state.running_ops():
            if op.pid == os.getpid() or (op.host == host and psutil.pid_exists(op.pid) and _is_stackyard(op.pid)):
                continue  # still running elsewhere
            if op.host != host:
                continue
            fn = RECONCILERS.get(op.kind)
            outcome = "failed"
            if fn is not None:
                try:
                    if op.env:
                        async with self.lock(op.env):
                            outcome = await fn(self, op)
                    else:
                        outcome = await fn(self, op)
                except StackyardError as e:
                    self.bus.warning(f"could not reconcile interrupted {op.kind} #{op.id}: {e.message}")
                    continue
            self.state.end_op(op.id, outcome, error="interrupted: the process running it died")
            actions.append({"operation": op.id, "kind": op.kind, "env": op.env, "outcome": outcome})
            self.bus.warning(f"an interrupted `{op.kind}` on {op.env or 'the project'} was {outcome.replace('_', ' ')}")
        return actions

    def _import_manifests(self, actions: list[dict]) -> None:
        envs_dir = self.dir / "envs"
        if not envs_dir.is_dir():
            return
        known = {e.name for e in self.state.list_envs()}
        from .state import ServiceRow

        for mf in sorted(envs_dir.glob("*/env.json")):
            if mf.parent.name in known:
                continue
            try:
                data = json.loads(mf.read_text())
                row = EnvRow(**data["env"])
                services = [ServiceRow(**s) for s in data["services"]]
            except (ValueError, KeyError, TypeError):
                continue
            if row.status != "ready":
                continue
            self.state.upsert_env(row)
            for s in services:
                self.state.upsert_service(s)
            actions.append({"env": row.name, "outcome": "imported from manifest"})
            self.bus.warning(f"environment {row.name!r} was missing from the state db; restored it from {mf}")


def _is_stackyard(pid: int) -> bool:
    try:
        cmd = " ".join(psutil.Process(pid).cmdline())
    except psutil.Error:
        return False
    return "stackyard" in cmd or "pytest" in cmd or "core.cli" in cmd or "python" in cmd


def remove_tree(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
