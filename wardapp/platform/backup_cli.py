"""``backup create|verify|restore|check``: the same commands for both apps, on each app's own
``platform.backup.Backups`` (``wardapp.backup.operations``, ``wardapp.city.backup``)."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from wardapp.core.backup import BackupError, verify
from wardapp.platform.backup import Backups, Check


def backup_group(backups: Backups, *, server: str, revisions: str) -> AppGroup:
    """The ``backup`` command group; ``server`` names what runs ("app", "intake"), ``revisions``
    what the check counts ("signed revisions", "received reports")."""
    group = AppGroup("backup", help=f"Back up and restore the {server}'s database and instance files.")

    def report(result: Check) -> None:
        for problem in result.problems:
            click.echo(f"PROBLEM {problem}", err=True)
        click.echo(f"{result.revisions} {revisions} and {result.photos} photos checked")
        if result.problems:
            raise click.ClickException(f"{len(result.problems)} problem(s)")

    @group.command("create")
    @click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
    def create_command(file: Path) -> None:
        """Write a consistent snapshot (safe while it runs) to FILE (.tar.gz)."""
        try:
            made = backups.create(file)
        except BackupError as error:
            raise click.ClickException(str(error)) from error
        click.echo(f"Backup written: {made.path} ({made.files} files, {made.bytes} bytes)")

    @group.command("verify")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    def verify_command(file: Path) -> None:
        """Check FILE against its manifest of SHA-256 hashes."""
        try:
            manifest, problems = verify(file)
        except (BackupError, OSError, ValueError) as error:
            raise click.ClickException(f"not a readable backup: {error}") from error
        for problem in problems:
            click.echo(f"PROBLEM {problem}", err=True)
        if problems:
            raise click.ClickException(f"{len(problems)} problem(s) in {file}")
        click.echo(f"OK: {len(manifest['files'])} files of the {manifest['app']} app, made {manifest['created_at']}")

    @group.command("restore")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--overwrite", is_flag=True, help=f"Replace an existing database (stop the {server} first).")
    def restore_command(file: Path, overwrite: bool) -> None:
        """Restore FILE onto this instance (stop it first), then check it."""
        try:
            manifest = backups.restore(file, overwrite)
        except BackupError as error:
            raise click.ClickException(str(error)) from error
        click.echo(f"Restored {len(manifest['files'])} files from the backup made {manifest['created_at']}")
        report(backups.check_instance())

    @group.command("check")
    def check_command() -> None:
        """Check this instance: every signed report verifies, every photo matches its hash."""
        report(backups.check_instance())

    return group
