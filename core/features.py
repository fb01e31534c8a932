"""Feature mixins added to core.api.Workspace when their modules are present.

Each mixin subclasses core.workspace.WorkspaceBase and may extend the cooperative hooks
``provision_data`` (schema + data of a new database) and ``gc_extra`` (more things gc removes)
by calling ``super()``.
"""

from __future__ import annotations

import importlib

_FEATURES = [
    ("core.supabase.workspace_ops", "SupabaseOps"),  # bootstrap before migrations (MRO order)
    ("core.dataflow", "DataOps"),
    ("core.branching.api", "BranchOps"),
    ("core.runtime.docker_gc", "DockerGc"),
]

FEATURE_MIXINS: list[type] = []
for _mod, _cls in _FEATURES:
    try:
        FEATURE_MIXINS.append(getattr(importlib.import_module(_mod), _cls))
    except ModuleNotFoundError as e:
        if e.name != _mod and not _mod.startswith(str(e.name)):
            raise
