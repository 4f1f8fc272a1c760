"""``flask --app wardapp.city.app archive export YEAR -o FILE`` and ``archive verify FILE``."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from wardapp.city import scope
from wardapp.city.archive import operations
from wardapp.city.extensions import city_db as db
from wardapp.core import handover

archive_cli = AppGroup("archive", help="The archival hand-over package of a year's signed reports.")


@archive_cli.command("export")
@click.argument("year", type=click.IntRange(2000, 2999))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--provinces", default="", help="Province codes, e.g. 48 (default: every province served).")
def export_command(year: int, output: Path, provinces: str) -> None:
    """Write YEAR's consolidated reports and received commune reports as a BagIt package (a ZIP)."""
    chosen = scope.parse_codes(provinces) or None
    unknown = [code for code in chosen or () if code not in scope.served()]
    if unknown:
        raise click.ClickException(f"not a province this intake serves: {', '.join(unknown)}")
    try:
        exported = operations.export_year(year, output, provinces=chosen, actor="cli")
    except handover.HandoverError as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"Wrote {exported.path}: {exported.documents} signed documents, {exported.bytes} bytes.")


@archive_cli.command("verify")
@click.argument("package", type=click.Path(exists=True, path_type=Path))
def verify_command(package: Path) -> None:
    """Check a package (the ZIP or its unpacked folder) offline: the bag, every PDF signature and
    JWS against the package's trust groups, and those groups against this city's enrolled CAs and
    keys and the department's certificate."""
    try:
        checked = handover.verify(package, trusted=operations.untrusted)
    except handover.HandoverError as error:
        raise click.ClickException(str(error)) from None
    for line in handover.report_lines(checked):
        click.echo(line)
    if not checked.ok:
        raise click.ClickException(f"the package is not whole: {len(checked.problems)} problem(s)")
    click.echo("The package is whole: every file matches its manifest and every signature verifies.")
