"""stackyard core: the async engine shared by the CLI and the TUI. Never imports textual."""

__version__ = "0.1.0"
