"""Removing docker resources by label: one service, a whole env, and gc's orphan sweep."""

from __future__ import annotations

import asyncio
import shutil
import socket
import time

import psutil

from . import docker_client as dc


async def remove_service(rt, env, row) -> None:
    """Remove the service's container(s), volume and generated files; the env network when it is empty."""
    client = await rt.client()
    root = str(_root(env))
    for c in await rt._call("listing containers", client.containers.list, all=True,
                            filters=dc.selector(root, env.name, row.name)):
        await rt._call(f"removing {row.name}", _remove_container, c)
    for v in await rt._call("listing volumes", client.volumes.list, filters=dc.selector(root, env.name, row.name)):
        await rt._call(f"removing the {row.name} volume", _remove_volume, v)
    shutil.rmtree(env.dir / "docker-files" / row.name, ignore_errors=True)
    left = await rt._call("listing containers", client.containers.list, all=True, filters=dc.selector(root, env.name))
    if not left:
        for n in await rt._call("listing networks", client.networks.list, filters=dc.selector(root, env.name)):
            await rt._call("removing the env network", _remove_network, n)


def _root(env):
    return env.dir.parent.parent.parent.resolve()


def _remove_container(c) -> None:
    import docker.errors as de

    try:
        c.remove(force=True, v=True)
    except de.NotFound:
        pass


def _remove_volume(v) -> None:
    import docker.errors as de

    for _ in range(20):  # a just-removed container can hold the volume for a moment
        try:
            v.remove(force=True)
            return
        except de.NotFound:
            return
        except de.APIError as e:
            if e.status_code != 409:
                raise
            time.sleep(0.1)
    v.remove(force=True)


def _remove_network(n) -> None:
    import docker.errors as de

    try:
        n.remove()
    except de.NotFound:
        pass


def _owner_dead(labels: dict) -> bool:
    """The run that created it is gone (only decidable for resources created on this host)."""
    if labels.get(dc.L_HOST) != socket.gethostname():
        return False
    try:
        return not psutil.pid_exists(int(labels.get(dc.L_PID, "0")))
    except ValueError:
        return True


def orphan_reason(labels: dict, envs: dict, now: float) -> str | None:
    """Why a labelled resource should go, or None to keep it.

    ``envs`` maps env name -> status for this project's state store."""
    env = labels.get(dc.L_ENV, "")
    expires = labels.get(dc.L_EXPIRES, "")
    if env not in envs:
        if _owner_dead(labels) or labels.get(dc.L_HOST) != socket.gethostname():
            return "environment unknown to the state store"
        return None  # an `up` creating it right now
    if envs[env] != "ready" and _owner_dead(labels):
        return f"left by an interrupted run (environment is {envs[env]})"
    if expires and expires.isdigit() and int(expires) < now:
        return "environment expired"
    return None


def sweep(client, root: str, envs: dict, dry_run: bool) -> list[dict]:
    """Find (and unless ``dry_run`` remove) orphaned containers, then volumes, then networks."""
    now = time.time()
    actions: list[dict] = []
    groups = (("container", client.containers.list, {"all": True, "ignore_removed": True}, _remove_container),
              ("volume", client.volumes.list, {}, _remove_volume),
              ("network", client.networks.list, {}, _remove_network))
    for what, lister, extra, remover in groups:
        for res in lister(filters=dc.selector(root), **extra):
            labels = res.attrs.get("Labels") or res.attrs.get("Config", {}).get("Labels") or {}
            reason = orphan_reason(labels, envs, now)
            if reason is None:
                continue
            actions.append({"action": "remove", what: res.name, "env": labels.get(dc.L_ENV),
                            "service": labels.get(dc.L_SERVICE), "reason": reason})
            if not dry_run:
                remover(res)
    return actions


async def sweep_async(client, root: str, envs: dict, dry_run: bool) -> list[dict]:
    return await asyncio.to_thread(sweep, client, root, envs, dry_run)
