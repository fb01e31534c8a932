"""Migration engine: Supabase-compatible files and history, checksums, locking, safe execution.

Public API:
- :class:`MigrationEngine` — new/status/up/down/verify/repair/baseline/squash/lint.
- Building blocks for other features (branch merge, db reset, seeds):
  :func:`apply_sql_file_in_transaction`, :func:`apply_sql_in_transaction`, :func:`split_sql`,
  :func:`migration_lock`, :func:`fingerprint` (cache key over all migration files),
  :func:`ensure_migrated_template` (a migrated template database to clone for fast resets).
"""

from .apply import AppliedMigration
from .engine import DEFAULT_DIR, SUPABASE_MANAGED_SCHEMAS, MigrationEngine, VerifyItem, VerifyReport
from .executor import (
    SqlPlan,
    apply_sql_file_in_transaction,
    apply_sql_in_transaction,
    connect,
    migration_lock,
    plan_statements,
)
from .files import MigrationFile, checksum_of, fingerprint, scan
from .splitter import Statement, split_sql
from .status import MigrationState, MigrationStatus
from .template import ensure_migrated_template, prune_templates, template_name

__all__ = [
    "AppliedMigration", "DEFAULT_DIR", "SUPABASE_MANAGED_SCHEMAS", "MigrationEngine", "MigrationFile", "MigrationState", "MigrationStatus",
    "SqlPlan", "Statement", "VerifyItem", "VerifyReport", "apply_sql_file_in_transaction",
    "apply_sql_in_transaction", "checksum_of", "connect", "fingerprint", "migration_lock", "plan_statements",
    "scan", "split_sql", "ensure_migrated_template", "prune_templates", "template_name",
]
