"""Ports of a service: chosen once per environment, kept, moved only when taken (port_policy)."""

from __future__ import annotations

from ..errors import ConflictError
from ..pg.cluster import free_port, port_free


def choose_ports(names: tuple[str, ...], fixed: dict[str, int], previous: dict[str, int] | None,
                 policy: str) -> dict[str, int]:
    """A port per name: the fixed one when the policy is ``fixed``, else the one kept from before,
    else a fixed one, else a free one."""
    previous = previous or {}
    out: dict[str, int] = {}
    for n in names:
        if policy == "fixed" and n in fixed:
            out[n] = fixed[n]
        else:
            out[n] = previous.get(n) or fixed.get(n) or free_port()
    return out


def ensure_free(service: str, ports: dict[str, int], policy: str, warn) -> tuple[dict[str, int], bool]:
    """Before starting: move taken ports (policy auto) or fail with exit 5. Returns (ports, moved)."""
    out, moved = dict(ports), False
    for n, p in ports.items():
        if port_free(p):
            continue
        if policy == "auto":
            new = free_port()
            warn(f"{service}: port {p} ({n}) is taken by another program; moving to port {new}")
            out[n], moved = new, True
        else:
            raise ConflictError(
                f"{service}: port {p} on 127.0.0.1 is already in use by another program",
                hint=f"stop that program, or use a profile with port_policy: auto (this one is {policy})",
            )
    return out, moved
