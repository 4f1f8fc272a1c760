"""Command-line tools: ``flask --app wsgi users|commune|demo ...``."""

from __future__ import annotations

import contextlib
import json
import secrets
import signal

import click
from cryptography.hazmat.primitives import serialization
from flask import Flask, current_app
from flask.cli import AppGroup
from flask_babel import force_locale

from wardapp.admin.failures import last_failures
from wardapp.audit.log import record
from wardapp.auth.models import User
from wardapp.auth.operations import add_account, check_user_fields
from wardapp.backup.cli import backup_cli
from wardapp.commune.models import Commune
from wardapp.core import clock, months, periods
from wardapp.core.pdf import certificates
from wardapp.core.status import DayStatus
from wardapp.delivery.sender import city_url, poll_statuses, run_forever, send_due
from wardapp.demo.seed import seed
from wardapp.dossiers.cli import dossiers_cli
from wardapp.extensions import db
from wardapp.handover.cli import archive_cli
from wardapp.outbox.models import OutboxEntry
from wardapp.outbox.operations import resend_refused
from wardapp.outbox.refusals import AT_CITY
from wardapp.pdf.operations import month_document_pdf
from wardapp.pdf.service import latest_revisions
from wardapp.permissions import Role
from wardapp.retention.cli import retention_cli
from wardapp.setup.operations import SetupError, set_up_commune
from wardapp.signing import documents, keys
from wardapp.signing.documents import revision_pdf
from wardapp.signing.enrolment import enrolment_file
from wardapp.signing.models import ReportRevision

users_cli = AppGroup("users", help="Manage user accounts.")
commune_cli = AppGroup("commune", help="Set up the commune of this installation.")


def _commune_or_exit() -> Commune:
    commune = Commune.current()
    if commune is None:
        raise click.ClickException("No commune is set up yet: run 'flask --app wsgi commune setup CODE' first.")
    return commune


@users_cli.command("create")
@click.option("--username", required=True)
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--full-name", required=True)
@click.option("--position", default="")
@click.option("--password", help="Leave out to have one generated and printed.")
def create_user_command(username, role, full_name, position, password):
    """Create a user account."""
    commune = _commune_or_exit()
    generated = password is None
    data = {
        "username": username.strip().lower(),
        "role": role,
        "full_name": " ".join(full_name.split()),
        "position": position.strip(),
        "password": password or secrets.token_urlsafe(12),
    }
    errors = check_user_fields(data, creating=True)
    if errors:
        raise click.ClickException("; ".join(f"{k}: {v}" for k, v in errors.items()))
    add_account(data, commune.id)
    click.echo(f"Created {data['username']} ({role}).")
    if generated:
        click.echo(f"Password: {data['password']}")


@users_cli.command("list")
def list_users_command():
    for user in db.session.scalars(db.select(User).order_by(User.username)):
        click.echo(f"{user.username}\t{user.role}\t{'active' if user.active else 'inactive'}\t{user.full_name}")


@commune_cli.command("setup")
@click.argument("code")
def setup_commune_command(code):
    """Set up the commune from the official list by its 5-digit code."""
    try:
        commune = set_up_commune(code.strip())
    except SetupError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"{commune.code} {commune.name}, {commune.province_name}")


@click.command("demo")
@click.option("--password", help="Password for all demo users; generated and printed when left out.")
@click.option("--days", default=90, show_default=True, help="Days of history to generate.")
@click.option("--if-empty", is_flag=True, help="Do nothing (and succeed) when a commune already exists.")
def demo_command(password, days, if_empty):
    """Create the demo commune Phường Hải Châu (20242) with users and history."""
    if Commune.current() is not None:
        if if_empty:
            click.echo("A commune is already set up; demo data left as it is.")
            return
        raise click.ClickException("A commune is already set up in this database: the demo needs an empty one.")
    passwords = seed(clock.today(), password=password, days=days)
    click.echo(f"Demo commune ready: Phường Hải Châu (20242), {days} days of history.")
    for username, secret in passwords.items():
        click.echo(f"  {username:<9} {'(the password you gave)' if password else secret}")


keys_cli = AppGroup("keys", help="The commune's Ed25519 signing keys.")
outbox_cli = AppGroup("outbox", help="Signed reports on their way to the city.")


@keys_cli.command("export")
@click.option("--key-only", is_flag=True, help="Only the public key as a JWK (the older format, without the CA).")
def export_key_command(key_only):
    """Print the enrolment file to give the city: the commune's code, its public signing key and the
    CA its PDF signatures chain to, bound together by the key (`city enrol FILE` at the city)."""
    if key_only:
        row = keys.ensure_key()
        db.session.commit()
        click.echo(json.dumps(row.public_jwk, indent=2))
        return
    commune = _commune_or_exit()
    document = enrolment_file(commune)
    db.session.commit()
    click.echo(json.dumps(document, indent=2, ensure_ascii=False))


@keys_cli.command("rotate")
def rotate_key_command():
    """Make a new signing key; the old public key stays known so old reports still verify."""
    row = keys.rotate()
    db.session.commit()
    click.echo(json.dumps(row.public_jwk, indent=2))


@outbox_cli.command("send")
def outbox_send_command():
    """Send everything due now, once."""
    if city_url() is None:
        raise click.ClickException("No city URL: set WARDAPP_CITY_URL or CITY_URL in instance/config.py.")
    counts = send_due()
    poll_statuses()
    click.echo(", ".join(f"{k}: {v}" for k, v in sorted(counts.items())) or "nothing due")


@outbox_cli.command("status")
def outbox_status_command():
    """List outbox entries with their state (times in Vietnam time)."""
    for entry in db.session.scalars(db.select(OutboxEntry).order_by(OutboxEntry.id)):
        when = ""
        if entry.state == "retrying" or (entry.state == "rejected" and entry.refusal in AT_CITY):
            when = clock.as_local(entry.next_attempt_at).strftime("%Y-%m-%d %H:%M:%S")
        click.echo(
            f"{entry.revision.report_key}\t{entry.state}\tattempts={entry.attempts}\t"
            f"{entry.receipt_id or ''}\t{when}\t{entry.refusal or ''}\t{entry.last_error[:80]}"
            f"{_city_decision(entry.revision)}"
        )


def _city_decision(revision) -> str:
    """The city reviewer's decision once it is known, in the dashboard's words ("Thành phố đã
    duyệt", "Thành phố trả lại" and the comment); nothing while the city has not decided."""
    if revision.city_state == "accepted":
        return f"\tcity=accepted ({DayStatus.ACCEPTED.label})"
    if revision.city_state == "returned":
        return f"\tcity=returned ({DayStatus.RETURNED.label}: {revision.city_comment[:200]})"
    return ""


@outbox_cli.command("resend-refused")
def outbox_resend_refused_command():
    """Send every refused day again now (once the cause at the city or here is fixed)."""
    count = resend_refused(None)
    click.echo(f"{count} refused report(s) will be sent again now.")


@outbox_cli.command("worker")
@click.option("--interval", type=float, default=None, help="Seconds between passes.")
def outbox_worker_command(interval):
    """Keep sending while the app runs (started by `make run`)."""
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    click.echo("outbox worker started")
    with contextlib.suppress(KeyboardInterrupt):
        run_forever(interval or current_app.config["OUTBOX_INTERVAL"], stop=lambda: bool(stopping))


pdf_cli = AppGroup("pdf", help="PDF documents.")
cert_cli = AppGroup("pdf-cert", help="The commune's certificate for signing PDFs.")


def _write_output(data: bytes, output) -> None:
    with open(output, "wb") as fh:
        fh.write(data)
    click.echo(f"{output}: {len(data):,} bytes")


@pdf_cli.command("daily")
@click.argument("day")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False))
def pdf_daily_command(day, output):
    """The signed PDF of a day (latest revision)."""
    date = clock.parse_iso_date(day)
    if date is None:
        raise click.BadParameter("use YYYY-MM-DD", param_hint="DAY")
    commune = _commune_or_exit()
    revision = latest_revisions(commune.id, date, date).get(date)
    if revision is None:
        raise click.ClickException(f"No signed report for {day}.")
    with force_locale("vi"):
        _write_output(revision_pdf(revision), output)


@pdf_cli.command("month")
@click.argument("month")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False))
@click.option("--late-list", is_flag=True, help="The month's late dossiers and explanations instead.")
def pdf_month_command(month, output, late_list):
    """The month summary (or, with --late-list, the late dossiers) of YYYY-MM: the signed file once
    the leader signed the month, the draft before."""
    first = periods.parse_month(month)
    if first is None:
        raise click.BadParameter("use YYYY-MM", param_hint="MONTH")
    commune = _commune_or_exit()
    data, _name = month_document_pdf(commune, first, months.LATE_LIST if late_list else months.SUMMARY)
    _write_output(data, output)


def _party_folder(leader: str | None):
    """The commune's certificate folder, or a leader's (by username) with --leader."""
    if leader is None:
        return documents.cert_dir(), "commune"
    user = db.session.scalar(db.select(User).filter_by(username=leader.strip().lower()))
    if user is None or not user.may("sign"):
        raise click.ClickException(f"{leader} is not a user who signs reports.")
    return documents.leader_dir(user), user.username


@cert_cli.command("import")
@click.argument("pkcs12_file", type=click.File("rb"))
@click.option("--password", default=None, help="The PKCS#12 password (prompted when the file needs one).")
@click.option("--leader", default=None, help="A leader's username: import that leader's personal certificate.")
def pdf_cert_import_command(pkcs12_file, password, leader):
    """Sign PDFs with a certificate from a real CA (PKCS#12 file: .p12 / .pfx), the commune's or a leader's."""
    folder, party = _party_folder(leader)
    data = pkcs12_file.read()
    try:
        cert = certificates.import_pkcs12(folder, data, password.encode() if password else None)
    except ValueError as error:
        raise click.ClickException(f"Cannot use this file: {error}") from error
    record(
        "pdf_cert.imported",
        target_type="certificate",
        target_id=format(cert.serial_number, "x")[:64],
        summary=f"{party}: {cert.subject.rfc4514_string()}"[:300],
    )
    db.session.commit()
    click.echo(f"Imported: {cert.subject.rfc4514_string()} (valid until {cert.not_valid_after_utc:%Y-%m-%d})")


@click.command("failures")
@click.option("--limit", default=20, show_default=True, help="How many lines.")
def failures_command(limit: int) -> None:
    """The last failed sends to the city and refused sign-ins, newest first (times in Vietnam time)."""
    rows = last_failures(limit)
    for failure in rows:
        click.echo(f"{clock.as_local(failure.at):%Y-%m-%d %H:%M:%S} {failure.kind:6} {failure.detail}")
    if not rows:
        click.echo("No failures recorded.")


@cert_cli.command("use-token")
@click.option("--module", required=True, type=click.Path(exists=True, dir_okay=False), help="The PKCS#11 library.")
@click.option("--token-label", required=True)
@click.option("--key-label", required=True, help="The label of the signing key (and its certificate) on the token.")
@click.option("--cert-label", default=None, help="The certificate's label, when not the key's.")
@click.option("--pin-env", default=None, help="An environment variable holding the user PIN (else none is stored).")
@click.option("--chain", type=click.File("rb"), default=None, help="PEM of the issuing CA chain.")
@click.option("--leader", default=None, help="A leader's username: that leader's token.")
def pdf_cert_token_command(module, token_label, key_label, cert_label, pin_env, chain, leader):
    """Sign with a key on a PKCS#11 token (a USB token): the key never leaves it."""
    folder, party = _party_folder(leader)
    config = certificates.TokenConfig(module, token_label, key_label, cert_label=cert_label, pin_env=pin_env)
    certificates.use_token(folder, config)
    if chain is not None:
        (folder / certificates.CHAIN_FILE).write_bytes(chain.read())
    record("pdf_cert.token", target_type="certificate", target_id=party, summary=f"{token_label}/{key_label}")
    db.session.commit()
    click.echo(f"{party} signs with key {key_label!r} on token {token_label!r}.")


@cert_cli.command("export-roots")
def pdf_cert_export_roots_command():
    """Print the CA certificates this commune's PDF signatures chain to (for the city's enrolment)."""
    _commune_or_exit()
    roots = documents.trust_roots()
    if not roots:
        raise click.ClickException("No certificate yet: run 'flask --app wsgi commune setup CODE' first.")
    click.echo(b"".join(c.public_bytes(serialization.Encoding.PEM) for c in roots).decode(), nl=False)


@pdf_cli.command("repair")
def pdf_repair_command():
    """Build the signed PDF of every revision that has none (signed before PDFs were built at
    signing, or interrupted between the commit and the file's rename)."""
    _commune_or_exit()
    built = 0
    with force_locale("vi"):
        for revision in db.session.scalars(db.select(ReportRevision).order_by(ReportRevision.id)):
            if not documents.pdf_path(revision).exists():
                documents.signed_pdf_file(revision)
                built += 1
    click.echo(f"Built {built} PDF(s).")


def register_cli(app: Flask) -> None:
    for group in (
        dossiers_cli,
        failures_command,
        pdf_cli,
        cert_cli,
        users_cli,
        commune_cli,
        demo_command,
        keys_cli,
        outbox_cli,
        backup_cli,
        archive_cli,
        retention_cli,
    ):
        app.cli.add_command(group)
