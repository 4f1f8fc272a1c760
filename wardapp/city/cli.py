"""``flask --app wardapp.city city enrol|users ...``"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import click
from cryptography.hazmat.primitives import hashes, serialization
from flask.cli import AppGroup

from wardapp.city import backup as city_backup
from wardapp.city.accounts import scope
from wardapp.city.accounts.operations import AccountError, create_user, set_password
from wardapp.city.archive.cli import archive_cli
from wardapp.city.documents import signing
from wardapp.city.enrolment.operations import (
    EnrolError,
    enrol_ca,
    enrol_file,
    enrol_many,
    entries_from_csv,
    entries_from_folder,
    read_file,
)
from wardapp.city.extensions import city_db as db
from wardapp.city.intake import flag_store
from wardapp.city.models import CityAudit, CityUser, IntakeLog, ReceivedFigures
from wardapp.core.clock import as_local
from wardapp.platform.backup_cli import backup_group

city_cli = AppGroup("city", help="The city intake.")


@city_cli.command("enrol")
@click.argument("code_or_file")
@click.argument("file", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--confirm",
    "--add-key",
    "confirm",
    is_flag=True,
    help="Add this key or CA to a commune that already has one (e.g. after a rotation or a new CA).",
)
@click.option(
    "--ca-cert",
    type=click.File("rb"),
    help="PEM of the CA, for an older key-only file (a file from `keys export` carries its CA).",
)
def enrol_command(code_or_file, file, confirm, ca_cert):
    """Enrol a commune from its enrolment file: `city enrol FILE` (the output of
    `flask --app wsgi keys export` at the commune: its code, its public key and the CA its PDF
    signatures chain to). `city enrol CODE FILE` also takes an older key-only JWK file."""
    code, path = (code_or_file.strip(), file) if file is not None else (None, Path(code_or_file))
    if not path.is_file():
        raise click.ClickException(f"no such file: {path}")
    try:
        done = enrol_file(read_file(path.read_bytes()), code, actor="cli", confirmed=confirm)
        roots = done.new_cas
        if ca_cert is not None:
            roots += enrol_ca(done.code, ca_cert.read(), actor="cli", confirmed=True)
            done.warnings.clear()
    except EnrolError as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"Enrolled {done.code} with key {done.key.kid}")
    for root in roots:
        click.echo(f"Trusted for its PDFs: {root.subject.rfc4514_string()}")
    for warning in done.warnings:
        click.echo(f"Warning: {warning}", err=True)


@city_cli.command("enrol-bulk")
@click.argument("source", type=click.Path(exists=True, path_type=Path))
def enrol_bulk_command(source: Path):
    """Enrol many communes: a folder of enrolment files (or older JWK files, the code in the file
    name or a "code" member) or a CSV with the columns code and jwk (or x). Prints what was
    enrolled and what was refused."""
    try:
        entries = entries_from_folder(source) if source.is_dir() else entries_from_csv(source.read_text("utf-8-sig"))
    except (EnrolError, UnicodeDecodeError) as error:
        raise click.ClickException(str(error)) from error
    results = enrol_many(entries, scope.served(), actor="cli")
    db.session.commit()
    for r in results:
        click.echo(f"{'enrolled' if r.enrolled else 'REFUSED '}\t{r.source}\t{r.code}\t{r.detail}")
    refused = sum(1 for r in results if not r.enrolled)
    click.echo(f"{len(results) - refused} enrolled, {refused} refused")
    if refused:
        raise SystemExit(1)


@city_cli.command("create-user")
@click.option("--username", required=True)
@click.option("--full-name", required=True)
@click.option(
    "--role",
    type=click.Choice(["reviewer", "admin", "director", "deputy_director"]),
    default="reviewer",
    help="director / deputy_director: also signs the department's consolidated report.",
)
@click.option("--provinces", default="", help="Province codes the user may see, e.g. 79,48 (default: all served).")
@click.option("--password", help="Generated and printed when left out.")
@click.option("--if-missing", is_flag=True, help="Do nothing when the username exists.")
def create_user_command(username, full_name, role, provinces, password, if_missing):
    """Create a city reviewer account (the commune's account policy: username of 3 to 64 of
    a-z 0-9 . _ -, a password of at least 8 characters)."""
    if if_missing and db.session.scalar(db.select(CityUser).filter_by(username=username.strip().lower())):
        return
    secret = password or secrets.token_urlsafe(12)
    try:
        user = create_user(username, full_name, role, scope.parse_codes(provinces), secret, actor="cli")
    except AccountError as error:
        raise click.ClickException(f"{error.field}: {error}") from None
    db.session.commit()
    click.echo(f"Created {user.username} ({role})" + ("" if password else f", password: {secret}"))


@city_cli.command("set-password")
@click.option("--username", required=True)
@click.option("--password", help="Generated and printed when left out.")
def set_password_command(username, password):
    """Set an account's password (the account policy applies; its sessions end). An account made
    before the policy keeps its old password until this is run."""
    secret = password or secrets.token_urlsafe(12)
    try:
        user = set_password(username, secret, actor="cli")
    except AccountError as error:
        raise click.ClickException(f"{error.field}: {error}") from None
    click.echo(f"Password set for {user.username}" + ("" if password else f": {secret}"))


backup_cli = backup_group(city_backup.BACKUPS, server="intake", revisions="received reports")


@city_cli.command("failures")
@click.option("--limit", default=20, show_default=True, help="How many lines.")
def failures_command(limit: int) -> None:
    """The last refused pushes and sign-ins, newest first (times in Vietnam time)."""
    refused = db.session.scalars(
        db.select(IntakeLog).filter(IntakeLog.status >= 400).order_by(IntakeLog.id.desc()).limit(limit)
    ).all()
    rows = [
        (r.at, "push", f"{r.status} {r.error} {r.report_id or '-'} from {r.ip or '-'}: {r.detail[:200]}")
        for r in refused
    ]
    logins = db.session.scalars(
        db.select(CityAudit)
        .filter(CityAudit.action.like("login.%"), CityAudit.action != "login")
        .order_by(CityAudit.id.desc())
        .limit(limit)
    ).all()
    rows += [(a.at, "login", f"{a.action} {a.target or '-'} from {a.ip or '-'}") for a in logins]
    for at, kind, detail in sorted(rows, key=lambda r: r[0], reverse=True)[:limit]:
        click.echo(f"{as_local(at):%Y-%m-%d %H:%M:%S} {kind:6} {detail}")
    if not rows:
        click.echo("No failures recorded.")


signing_cli = AppGroup("signing-key", help="The department's key for the consolidated report (in the database).")
city_cli.add_command(signing_cli)


@signing_cli.command("import")
@click.argument("pkcs12_file", type=click.File("rb"))
@click.option("--password-env", default="", help="Read the file's password from this environment variable.")
def signing_import_command(pkcs12_file, password_env: str) -> None:
    """Sign consolidated reports with a CA's certificate from now on (a .p12/.pfx file).

    The key is stored in the database, encrypted with this server's CITY_SIGNING_KEY_PASSPHRASE
    (or its secret key): every intake server with the same settings then signs with it."""
    password = os.environ.get(password_env, "") if password_env else click.prompt("Password", hide_input=True)
    try:
        cert = signing.import_pkcs12(pkcs12_file.read(), password.encode() or None, actor="cli")
    except ValueError as error:
        raise click.ClickException(f"cannot read this PKCS#12 with that password: {error}") from error
    click.echo(f"Consolidated reports are signed by: {cert.subject.rfc4514_string()}")


@signing_cli.command("show")
def signing_show_command() -> None:
    """The department's certificate (PEM) and its SHA-256 fingerprint."""
    cert = signing.department_certificate()
    click.echo(f"{cert.subject.rfc4514_string()}\nSHA-256 {cert.fingerprint(hashes.SHA256()).hex()}")
    click.echo(cert.public_bytes(serialization.Encoding.PEM).decode("ascii"), nl=False)


review_cli = AppGroup("review", help="The review of received reports.")
city_cli.add_command(review_cli)


@review_cli.command("backfill-flags")
@click.option("--province", "provinces", default="", help="Province codes, comma-separated (default: all served).")
@click.option("--from", "start", type=click.DateTime(["%Y-%m-%d"]), help="First day (default: the first received).")
@click.option("--to", "end", type=click.DateTime(["%Y-%m-%d"]), help="Last day (default: the last received).")
def backfill_flags_command(provinces: str, start, end) -> None:
    """Judge the received days against each commune's own history again and store their flags.

    Run it once after upgrading (the revisions received before flags were stored at intake), and
    after changing CITY_OUTLIER_THRESHOLD, _WEEKS or _MIN_HISTORY: stored flags keep the rule they
    were judged with until then."""
    codes = tuple(scope.normalise(c) for c in provinces.split(",") if c.strip()) or scope.served()
    F = ReceivedFigures
    first, last = db.session.execute(db.select(db.func.min(F.date), db.func.max(F.date))).one()
    if first is None:
        click.echo("No received reports.")
        return
    start_day = start.date() if start else first
    end_day = end.date() if end else last
    stored = flag_store.recompute(codes, start_day, end_day)
    db.session.commit()
    click.echo(f"{stored} flags stored for {start_day:%Y-%m-%d} to {end_day:%Y-%m-%d}, provinces {', '.join(codes)}.")


def register(app) -> None:
    app.cli.add_command(city_cli)
    app.cli.add_command(backup_cli)
    app.cli.add_command(archive_cli)
