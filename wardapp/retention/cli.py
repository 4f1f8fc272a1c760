"""``flask --app wsgi retention run``: delete what is past its retention period (run it daily)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from wardapp.retention import operations

retention_cli = AppGroup("retention", help="Delete photos' bytes and logs past their retention period.")


@retention_cli.command("run")
def run_command() -> None:
    try:
        purged = operations.run()
    except LookupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(
        f"Deleted the bytes of {purged.photos} photos ({purged.photo_bytes} bytes), "
        f"{purged.login_attempts} sign-in attempts and {purged.access_records} access records."
    )
