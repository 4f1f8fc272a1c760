"""``flask --app wsgi backup create|verify|restore|check``."""

from __future__ import annotations

from wardapp.backup import operations
from wardapp.platform.backup_cli import backup_group

backup_cli = backup_group(
    create=operations.create,
    restore=operations.restore,
    check_instance=operations.check_instance,
    server="app",
    revisions="signed revisions",
)
