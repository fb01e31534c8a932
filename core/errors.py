"""Error types and exit codes. Errors are raised as types and rendered once, at the edge."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Documented process exit codes (docs/cli.md)."""

    OK = 0
    FAILED = 1
    USAGE = 2  # bad arguments, bad config, bad input file
    UNREACHABLE = 3  # a service or the docker daemon cannot be reached
    TIMEOUT = 4  # --wait/--timeout expired
    CONFLICT = 5  # locked by another run, name taken, port taken, has connections
    INTERRUPTED = 130


class StackyardError(Exception):
    """Base error: a message, an optional hint, and the exit code it maps to."""

    exit_code: ExitCode = ExitCode.FAILED

    def __init__(self, message: str, *, hint: str | None = None, exit_code: ExitCode | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint
        if exit_code is not None:
            self.exit_code = exit_code

    def to_dict(self) -> dict:
        return {
            "error": type(self).__name__,
            "message": self.message,
            "hint": self.hint,
            "exit_code": int(self.exit_code),
        }


class UsageError(StackyardError):
    exit_code = ExitCode.USAGE


class ConfigError(StackyardError):
    """A problem in a config file, located at file:line:col."""

    exit_code = ExitCode.USAGE

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        line: int | None = None,
        col: int | None = None,
        hint: str | None = None,
    ):
        self.path, self.line, self.col = path, line, col
        loc = ""
        if path:
            loc = path
            if line is not None:
                loc += f":{line}"
                if col is not None:
                    loc += f":{col}"
            loc += ": "
        super().__init__(loc + message, hint=hint)
        self.reason = message

    def to_dict(self) -> dict:
        d = super().to_dict()
        d.update({"path": self.path, "line": self.line, "col": self.col})
        return d


class NotFoundError(StackyardError):
    exit_code = ExitCode.USAGE


class ConflictError(StackyardError):
    exit_code = ExitCode.CONFLICT


class LockedError(ConflictError):
    pass


class UnreachableError(StackyardError):
    exit_code = ExitCode.UNREACHABLE


class TimeoutError_(StackyardError):
    exit_code = ExitCode.TIMEOUT


class SQLError(StackyardError):
    """A failing SQL statement: the exact statement, where it came from, and the server's words."""

    def __init__(
        self,
        message: str,
        *,
        statement: str | None = None,
        path: str | None = None,
        line: int | None = None,
        hint: str | None = None,
        sqlstate: str | None = None,
        exit_code: ExitCode | None = None,
    ):
        self.statement, self.path, self.line, self.sqlstate = statement, path, line, sqlstate
        loc = f"{path}:{line}: " if path and line else (f"{path}: " if path else "")
        super().__init__(loc + message, hint=hint, exit_code=exit_code)

    def to_dict(self) -> dict:
        d = super().to_dict()
        d.update(
            {"statement": self.statement, "path": self.path, "line": self.line, "sqlstate": self.sqlstate}
        )
        return d
