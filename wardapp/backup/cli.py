"""``flask --app wsgi backup create|verify|restore|check``."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from wardapp.backup import operations
from wardapp.core.backup import BackupError, verify

backup_cli = AppGroup("backup", help="Back up and restore the database and instance files.")


@backup_cli.command("create")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def create_command(file: Path) -> None:
    """Write a consistent snapshot (safe while the app runs) to FILE (.tar.gz)."""
    try:
        made = operations.create(file)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Backup written: {made.path} ({made.files} files, {made.bytes} bytes)")


@backup_cli.command("verify")
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


@backup_cli.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--overwrite", is_flag=True, help="Replace an existing database (stop the app first).")
def restore_command(file: Path, overwrite: bool) -> None:
    """Restore FILE onto this instance (stop the app first), then check it."""
    try:
        manifest = operations.restore(file, overwrite)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Restored {len(manifest['files'])} files from the backup made {manifest['created_at']}")
    _report(operations.check_instance())


@backup_cli.command("check")
def check_command() -> None:
    """Check this instance: every signed revision verifies, every photo matches its hash."""
    _report(operations.check_instance())


def _report(result: operations.Check) -> None:
    for problem in result.problems:
        click.echo(f"PROBLEM {problem}", err=True)
    click.echo(f"{result.revisions} signed revisions and {result.photos} photos checked")
    if result.problems:
        raise click.ClickException(f"{len(result.problems)} problem(s)")
