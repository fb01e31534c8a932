"""Schema diff: ordered, dependency-aware DDL that turns one database's schema into another's.

    diff = await diff_databases(source_dsn, target_dsn)
    print(diff.to_text()); sql = diff.to_sql(allow_destructive=False)
"""

from core.pg.schemadiff.changes import Change, SchemaDiff
from core.pg.schemadiff.differ import diff_databases, diff_schemas

__all__ = ["Change", "SchemaDiff", "diff_databases", "diff_schemas"]
