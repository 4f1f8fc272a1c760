"""``flask --app wsgi dossiers import FILE``: import an exported dossier log from the command line."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from wardapp.audit.log import COMMAND_LINE
from wardapp.commune.models import Commune
from wardapp.dossiers.operations import WithdrawProblem, import_file, import_of_commune, withdraw_import

dossiers_cli = AppGroup("dossiers", help="Import the one-stop dossier log.")


@dossiers_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--source", default="", help="Preset key or 'map:NAME' (default: recognised by its columns).")
def import_command(file: Path, source: str) -> None:
    """Import FILE (.xlsx or .csv); nothing is stored when a row is bad."""
    commune = Commune.current()
    if commune is None:
        raise click.ClickException("No commune is set up yet: run 'flask --app wsgi commune setup CODE' first.")
    outcome = import_file(commune.id, file.name, file.read_bytes(), COMMAND_LINE, source)
    if not outcome.ok:
        for line in outcome.errors:
            click.echo(line, err=True)
        raise click.ClickException(f"Nothing imported: {outcome.error_count} problem(s).")
    record = outcome.record
    assert record is not None  # ok means stored
    click.echo(
        f"Imported {record.rows} dossiers ({record.created} new, {record.updated} updated) as import {record.id},"
        f" sha256 {record.sha256}."
    )
    if outcome.dropped:
        click.echo("Columns not read (personal data is never stored): " + ", ".join(outcome.dropped))


@dossiers_cli.command("withdraw")
@click.argument("import_id", type=int)
@click.option("--reason", required=True, help="Why the import is taken back (kept in the audit log).")
def withdraw_command(import_id: int, reason: str) -> None:
    """Withdraw import IMPORT_ID (the number the import page lists): its dossiers are taken back out."""
    commune = Commune.current()
    record = None if commune is None else import_of_commune(import_id, commune.id)
    if record is None:
        raise click.ClickException(f"No import {import_id}.")
    try:
        done = withdraw_import(record, reason, COMMAND_LINE)
    except WithdrawProblem as problem:
        raise click.ClickException(str(problem)) from None
    click.echo(f"Withdrew import {import_id}: {done.removed} dossiers removed, {done.restored} restored.")
