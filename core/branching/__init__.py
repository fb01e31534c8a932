"""Database branching: copy-on-write branches and snapshots inside an environment's Postgres.

The environment's main database is branch ``main``; every other branch or snapshot is a
database of the same cluster made with ``CREATE DATABASE … TEMPLATE parent``. Operations are
added to ``core.api.Workspace`` by the :class:`core.branching.api.BranchOps` mixin.
"""
