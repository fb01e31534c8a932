"""Synthetic data: fill tables from a YAML spec or from the schema alone, deterministically.

Public API: ``generate()`` (async) and its ``GenerateReport``; ``load_spec()`` to validate a spec.
"""

from .run import GenerateReport, TableReport, generate
from .spec import load_spec

__all__ = ["GenerateReport", "TableReport", "generate", "load_spec"]
