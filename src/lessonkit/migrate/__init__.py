"""Migrating lessons from the styles (Jekyll) format to the Workbench format."""

from lessonkit.migrate.migrate import Migration, MigrationError, migrate

__all__ = ["Migration", "MigrationError", "migrate"]
