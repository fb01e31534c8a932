"""``BranchOps``: the branching operations mixed into ``core.api.Workspace``.

The TUI and CLI call exactly these (all return JSON-able dicts/lists):
``branch_list``, ``branch_create``, ``branch_switch``, ``branch_reset``, ``branch_delete``,
``snapshot_create``, ``snapshot_list``, ``snapshot_delete``, ``branch_diff``, ``branch_merge``,
``rebuild_branches``; ``gc`` removes expired branches through ``gc_extra``.
"""

from __future__ import annotations

from . import recovery  # noqa: F401  (registers the reconcilers)
from .compare import BranchDiffOps
from .create import BranchCreateOps
from .maintain import BranchMaintainOps
from .merge import BranchMergeOps


class BranchOps(BranchMergeOps, BranchDiffOps, BranchMaintainOps, BranchCreateOps):
    """Branches and snapshots of an environment's main database."""
