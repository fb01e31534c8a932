"""Runtimes: where services run. ``local`` (processes on this machine) and ``docker``."""

from .base import EnvContext, Runtime, ServiceState, ServiceStatus, get_runtime

__all__ = ["EnvContext", "Runtime", "ServiceState", "ServiceStatus", "get_runtime"]
