"""``flask --app wsgi backup create|verify|restore|check``."""

from __future__ import annotations

from wardapp.backup import operations
from wardapp.platform.backup_cli import backup_group

backup_cli = backup_group(operations.BACKUPS, server="app", revisions="signed revisions")
