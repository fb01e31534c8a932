"""Supabase projects without Docker: config.toml import, database bootstrap, extension stand-ins,
pre-flight scan of migrations, and running SQL as an API role the way PostgREST does."""

from .bootstrap import BootstrapReport, apply_database_settings, bootstrap, is_bootstrapped
from .config_toml import BucketConfig, SupabaseProject, load_supabase_config, to_stackyard_config_dict
from .provider import (
    STANDIN_SQLSTATE,
    list_standins,
    probe_extensions,
    standin_names,
    standin_settings,
    write_standins,
)
from .rls import exec_as
from .scan import Finding, Support, extension_names_in, raise_for_unsupported, scan_migrations, strip_psql_meta

__all__ = [
    "BootstrapReport", "apply_database_settings", "bootstrap", "is_bootstrapped",
    "BucketConfig", "SupabaseProject", "load_supabase_config", "to_stackyard_config_dict",
    "STANDIN_SQLSTATE", "list_standins", "probe_extensions", "standin_names", "standin_settings", "write_standins",
    "exec_as",
    "Finding", "Support", "extension_names_in", "raise_for_unsupported", "scan_migrations", "strip_psql_meta",
]
