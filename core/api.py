"""The async facade both front ends call. ``async with Workspace.open() as ws: await ws.up("dev")``."""

from __future__ import annotations

from .lifecycle import EnvLifecycle
from .observe import EnvObservation
from .workspace import DEFAULT_ENV, default_env_name

__all__ = ["Workspace", "DEFAULT_ENV", "default_env_name"]

_mixins: list[type] = [EnvLifecycle, EnvObservation]
try:  # features that land later add their operations as mixins
    from .features import FEATURE_MIXINS
except ImportError:
    FEATURE_MIXINS = []


class Workspace(*FEATURE_MIXINS, *_mixins):  # type: ignore[misc]
    """One project: environments, services, branches, migrations. Open with ``Workspace.open()``."""
