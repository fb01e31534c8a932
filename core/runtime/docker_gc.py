"""gc for docker resources: orphans of crashed runs, unknown or expired envs (feature mixin)."""

from __future__ import annotations

import os

from ..errors import StackyardError
from ..workspace import WorkspaceBase


class DockerGc(WorkspaceBase):
    async def gc_extra(self, dry_run: bool) -> list[dict]:
        """Also remove labelled containers, volumes and networks nothing owns any more."""
        actions = await super().gc_extra(dry_run)
        uses_docker = any(e.runtime == "docker" for e in self.state.list_envs()) or os.environ.get("DOCKER_HOST") \
            or os.path.exists("/var/run/docker.sock")
        if not uses_docker:
            return actions
        from .docker_cleanup import sweep_async

        try:
            client = await self.runtime("docker").client()
        except StackyardError:
            if any(e.runtime == "docker" for e in self.state.list_envs()):
                raise
            return actions  # no daemon and no docker env: nothing of ours can exist
        envs = {e.name: e.status for e in self.state.list_envs()}
        actions += await sweep_async(client, str(self.root.resolve()), envs, dry_run)
        return actions
