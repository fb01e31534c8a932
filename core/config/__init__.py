"""Project configuration: pydantic models, YAML loading with positions, profiles, schema export."""

from .loader import find_project_root, load_project
from .models import PostgresService, ProjectConfig, ServiceConfig
from .profiles import Profile, load_profile, list_profiles

__all__ = [
    "ProjectConfig", "PostgresService", "ServiceConfig", "Profile",
    "load_project", "find_project_root", "load_profile", "list_profiles",
]
