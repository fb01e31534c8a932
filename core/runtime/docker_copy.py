"""Copying a service's volume to another environment (``env clone``) under the docker runtime."""

from __future__ import annotations


from ..errors import StackyardError
from . import docker_client as dc


async def copy_volume(rt, src, src_row, dst, dst_row) -> str:
    """Copy the source service's named volume into a new volume labelled for ``dst``.

    Postgres is stopped for the copy (a file copy of a running cluster is not consistent) and
    started again; the copy runs in a throw-away container of the service's own image, as root
    (``cp -a`` keeps owners), without network."""
    client = await rt.client()
    src_root, dst_root = str(rt.root_of(src)), str(rt.root_of(dst))
    vol = await rt._call("listing volumes", dc.find_volume, client, src_root, src.name, src_row.name)
    for key in ("ports", "volume"):  # the copy gets its own ports and volume
        dst_row.info.pop(key, None)
    dst_row.info["fresh"] = False
    if vol is None:
        return "nothing to copy"
    container = await rt._container(src, src_row.name)
    image = container.image.id if container is not None else None
    if image is None:
        raise StackyardError(f"{src_row.name}: no container to take the image from", hint=f"run `stackyard up {src.name}`")
    new = await rt._call("listing volumes", dc.find_volume, client, dst_root, dst.name, dst_row.name)
    if new is None:
        import secrets

        name = f"sy-{dc.short_hash(dst_root, 6)}-{dst.name}-{dst_row.name}-{secrets.token_hex(3)}"
        new = await rt._call("creating a volume", client.volumes.create, name=name,
                             labels=dc.labels_for(dst, dst_row.name, dst_row.kind, dst_root))
    st = await rt._call("inspecting a container", dc.container_state, container)
    pause = src_row.kind == "postgres" and st.get("Running")
    if pause:
        await rt._call(f"stopping {src_row.name} for the copy", container.stop, timeout=30)
    try:
        await rt._call("copying the volume", client.containers.run, image, entrypoint=["sh", "-c", "cp -a /from/. /to/"],
                       command=[], user="0:0", network_mode="none", remove=True,
                       volumes={vol.name: {"bind": "/from", "mode": "ro"}, new.name: {"bind": "/to", "mode": "rw"}},
                       labels=dc.labels_for(dst, dst_row.name, dst_row.kind, dst_root))
    finally:
        if pause:
            await rt._call(f"starting {src_row.name} again", container.start)
            await rt._wait_ready(src, None, src_row, container, 60)
    return "a volume copy" + (" (source stopped during the copy)" if pause else "")


