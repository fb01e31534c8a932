"""Catalog introspection of a PostgreSQL database's user schema (psycopg 3, no parsers)."""

from core.pg.introspect.inspect import DEFAULT_EXCLUDED_SCHEMAS, inspect_schema
from core.pg.introspect.model import DbObject, Schema

__all__ = ["DEFAULT_EXCLUDED_SCHEMAS", "DbObject", "Schema", "inspect_schema"]
