"""``flask --app wsgi archive export YEAR -o FILE`` and ``archive verify FILE``."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from wardapp.core import handover
from wardapp.handover import operations

archive_cli = AppGroup("archive", help="The archival hand-over package of a year's signed records.")


@archive_cli.command("export")
@click.argument("year", type=click.IntRange(2000, 2999))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path))
def export_command(year: int, output: Path) -> None:
    """Write YEAR's signed documents, photos and metadata as a BagIt package (a ZIP)."""
    try:
        exported = operations.export_year(year, output)
    except operations.NoCommune:
        raise click.ClickException("No commune is set up yet.") from None
    except handover.HandoverError as error:
        raise click.ClickException(str(error)) from None
    click.echo(
        f"Wrote {exported.path}: {exported.documents} signed documents, {exported.photos} photos, "
        f"{exported.bytes} bytes."
    )


def report(checked: handover.Verified) -> None:
    for line in handover.report_lines(checked):
        click.echo(line)


@archive_cli.command("verify")
@click.argument("package", type=click.Path(exists=True, path_type=Path))
def verify_command(package: Path) -> None:
    """Check a package (the ZIP or its unpacked folder) offline: the bag, every PDF signature and JWS."""
    try:
        checked = handover.verify(package)
    except handover.HandoverError as error:
        raise click.ClickException(str(error)) from None
    report(checked)
    if not checked.ok:
        raise click.ClickException(f"the package is not whole: {len(checked.problems)} problem(s)")
    click.echo("The package is whole: every file matches its manifest and every signature verifies.")
