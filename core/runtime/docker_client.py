"""The docker SDK behind stackyard's errors: connecting, labels, finding resources, images.

Every call here is blocking; the runtime runs them with ``asyncio.to_thread``.
"""

from __future__ import annotations

import hashlib
import os
import socket
import time
from typing import Any

from ..errors import NotFoundError, StackyardError, UnreachableError

LABEL = "dev.stackyard"
L_PROJECT, L_ROOT, L_ENV, L_SERVICE = f"{LABEL}.project", f"{LABEL}.root", f"{LABEL}.env", f"{LABEL}.service"
L_PROFILE, L_KIND, L_HASH = f"{LABEL}.profile", f"{LABEL}.kind", f"{LABEL}.config-hash"
L_HOST, L_PID, L_EXPIRES = f"{LABEL}.owner-host", f"{LABEL}.owner-pid", f"{LABEL}.expires-at"

DAEMON_HINT = (
    "start the Docker engine (`sudo systemctl start docker`, Docker Desktop, or `dockerd &`), "
    "check DOCKER_HOST, or use `--runtime local`"
)


class LoopBus:
    """An event bus for worker threads: forwards every event to the bus on the event loop's thread."""

    def __init__(self, bus, loop) -> None:
        self.bus, self.loop = bus, loop

    def emit(self, event) -> None:
        self.loop.call_soon_threadsafe(self.bus.emit, event)

    def operation(self, kind: str, env: str | None = None, target: str | None = None):
        from ..events import OperationScope

        return OperationScope(self, kind, env, target)


def connect():
    """A docker client for DOCKER_HOST or the default socket; UnreachableError (exit 3) if none answers."""
    try:
        import docker
    except ImportError:  # pragma: no cover - a dependency
        raise StackyardError("the docker runtime needs the `docker` Python package", hint="pip install docker")
    where = os.environ.get("DOCKER_HOST") or "unix:///var/run/docker.sock"
    try:
        client = docker.from_env(timeout=60)
        client.ping()
    except Exception as e:  # DockerException, requests ConnectionError, FileNotFoundError...
        raise UnreachableError(
            f"the Docker daemon at {where} is not reachable ({_short(e)})", hint=DAEMON_HINT
        ) from None
    return client


def _short(e: BaseException) -> str:
    text = str(e).strip().splitlines()
    text = text[-1] if text else type(e).__name__
    return text if len(text) < 200 else text[:200] + "..."


def wrap(e: BaseException, what: str) -> StackyardError:
    """Turn an SDK exception into a stackyard error (the daemon going away is exit 3)."""
    import docker.errors as de
    import requests

    if isinstance(e, (requests.exceptions.ConnectionError, ConnectionError, FileNotFoundError)):
        return UnreachableError(f"lost the Docker daemon while {what} ({_short(e)})", hint=DAEMON_HINT)
    if isinstance(e, de.APIError):
        return StackyardError(f"docker refused {what}: {e.explanation or _short(e)}")
    return StackyardError(f"{what} failed: {_short(e)}")


def labels_for(env, service: str | None, kind: str | None, root: str) -> dict[str, str]:
    """The labels every container, volume and network of ``env`` carries."""
    out = {
        L_PROJECT: env.project, L_ROOT: root, L_ENV: env.name, L_PROFILE: env.profile.name,
        L_HOST: socket.gethostname(), L_PID: str(os.getpid()),
        L_EXPIRES: str(int(env.expires_at)) if env.expires_at else "",
    }
    if service:
        out[L_SERVICE] = service
    if kind:
        out[L_KIND] = kind
    return out


def selector(root: str, env: str | None = None, service: str | None = None) -> dict[str, list[str]]:
    """A docker ``filters`` dict selecting stackyard resources of a project (and env, service)."""
    wanted = [f"{L_ROOT}={root}"]
    if env:
        wanted.append(f"{L_ENV}={env}")
    if service:
        wanted.append(f"{L_SERVICE}={service}")
    return {"label": wanted}


def short_hash(text: str, n: int = 8) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:n]


def find_container(client, root: str, env: str, service: str):
    """The service's container (newest if several), or None."""
    found = client.containers.list(all=True, filters=selector(root, env, service), ignore_removed=True)
    if not found:
        return None
    found.sort(key=lambda c: c.attrs.get("Created", ""), reverse=True)
    return found[0]


def find_volume(client, root: str, env: str, service: str):
    found = client.volumes.list(filters=selector(root, env, service))
    return found[0] if found else None


def ensure_image(client, image: str, bus, env: str, pull_policy: str) -> None:
    """Make ``image`` present: use the local one, else pull it (progress as a ``docker.pull``
    operation on ``bus``) unless the policy forbids; missing and not pullable is a NotFoundError
    that says how to provide it."""
    import docker.errors as de

    if pull_policy != "always":
        try:
            client.images.get(image)
            return
        except de.ImageNotFound:
            pass
    how = (
        f"provide it with `docker load -i FILE.tar` (an image saved with `docker save`), "
        f"`docker import ROOTFS.tar {image}`, `docker build -t {image} .`, or set `image:` for this "
        f"service in stackyard.yaml to an image you have (`docker images` lists them)"
    )
    if pull_policy == "never":
        raise NotFoundError(f"docker image {image!r} is not available locally (pulling is off: STACKYARD_DOCKER_PULL=never)", hint=how)
    if "@" in image:  # pinned by digest
        repo, tag = image, None
    elif ":" in image.rsplit("/", 1)[-1]:
        repo, _, tag = image.rpartition(":")
    else:
        repo, tag = image, "latest"
    try:
        with bus.operation("docker.pull", env=env, target=image) as op:
            _pull(client, repo, tag, image, op)
    except StackyardError as e:
        raise NotFoundError(f"docker image {image!r} is not available locally and could not be pulled ({e.message})", hint=how) from None
    except Exception as e:
        raise NotFoundError(f"docker image {image!r} is not available locally and could not be pulled ({_short(e)})", hint=how) from None


def _pull(client, repo: str, tag: str | None, image: str, op) -> None:
    """Pull with per-layer byte progress (reported at most every 0.2 s)."""
    layers: dict[str, tuple[int, int]] = {}
    last = 0.0
    for ev in client.api.pull(repo, tag=tag, stream=True, decode=True):
        if "error" in ev:
            raise StackyardError(ev["error"])
        detail = ev.get("progressDetail") or {}
        if ev.get("id") and detail.get("total"):
            layers[ev["id"]] = (int(detail.get("current", 0)), int(detail["total"]))
        now = time.monotonic()
        if now - last > 0.2:
            done, total = sum(c for c, _ in layers.values()), sum(t for _, t in layers.values())
            op.progress(f"pulling {image}", done or None, total or None, "B")
            last = now


def container_state(c) -> dict[str, Any]:
    """The State block of a container (refreshed)."""
    c.reload()
    return c.attrs.get("State") or {}


def tail_text(c, n: int = 15) -> list[str]:
    """The last ``n`` log lines of a container (for error messages)."""
    try:
        raw = c.logs(tail=n, stdout=True, stderr=True)
    except Exception:
        return []
    return raw.decode("utf-8", "replace").splitlines()[-n:]
