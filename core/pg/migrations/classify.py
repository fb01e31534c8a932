"""Which statements can run inside a transaction block, and which need a note.

PostgreSQL refuses some commands inside BEGIN ... COMMIT ("cannot run inside a transaction
block"); the runner sends those standalone, after the file's transactional part.
"""

from __future__ import annotations

from enum import Enum

from .splitter import Statement


class StatementKind(str, Enum):
    TRANSACTIONAL = "transactional"
    NON_TRANSACTIONAL = "non_transactional"  # must run outside a transaction block
    TRANSACTION_CONTROL = "transaction_control"  # BEGIN/COMMIT written in the file: skipped


_TX_CONTROL = {"BEGIN", "COMMIT", "END", "START"}


def classify(stmt: Statement) -> StatementKind:
    """Classify one statement by its leading words (comments and strings already ignored)."""
    w = list(stmt.words)
    if not w:
        return StatementKind.TRANSACTIONAL
    head = w[0]
    if head in _TX_CONTROL and (head != "START" or w[1:2] == ["TRANSACTION"]):
        # BEGIN ATOMIC only appears inside CREATE FUNCTION, never first.
        return StatementKind.TRANSACTION_CONTROL
    if head == "CREATE":
        rest = w[1:]
        if rest[:1] == ["UNIQUE"]:
            rest = rest[1:]
        if rest[:2] == ["INDEX", "CONCURRENTLY"]:
            return StatementKind.NON_TRANSACTIONAL
        if rest[:1] in (["DATABASE"], ["TABLESPACE"], ["SUBSCRIPTION"]):
            return StatementKind.NON_TRANSACTIONAL
    if head == "DROP" and w[1:3] == ["INDEX", "CONCURRENTLY"]:
        return StatementKind.NON_TRANSACTIONAL
    if head == "DROP" and w[1:2] in (["DATABASE"], ["TABLESPACE"], ["SUBSCRIPTION"]):
        return StatementKind.NON_TRANSACTIONAL
    if head == "REINDEX" and ("CONCURRENTLY" in w[:5] or w[1:2] in (["DATABASE"], ["SYSTEM"])):
        return StatementKind.NON_TRANSACTIONAL
    if head == "VACUUM":
        return StatementKind.NON_TRANSACTIONAL
    if head == "ALTER" and w[1:2] == ["SYSTEM"]:
        return StatementKind.NON_TRANSACTIONAL
    if head == "ALTER" and w[1:2] == ["TABLE"] and "DETACH" in w and "CONCURRENTLY" in w:
        return StatementKind.NON_TRANSACTIONAL
    if head == "CLUSTER" and (len(w) == 1 or w[1:] == ["VERBOSE"]):
        return StatementKind.NON_TRANSACTIONAL  # CLUSTER of the whole database
    return StatementKind.TRANSACTIONAL


def note_for(stmt: Statement) -> str | None:
    """A caution worth telling the user about a statement that runs fine, or None."""
    w = stmt.words
    if w[:2] == ("ALTER", "TYPE") and "ADD" in w and "VALUE" in w:
        return (
            "ALTER TYPE ... ADD VALUE runs inside the file's transaction (PostgreSQL 12+), but the "
            "new value cannot be used until that transaction commits: use it in a later migration"
        )
    return None
