"""The admin's enrolment page (blueprint ``enrolment``): the communes enrolled, their keys and
CAs, enrolling one from its file or many at once."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from wardapp.city.accounts import scope
from wardapp.city.accounts.access import reviewer_required
from wardapp.city.enrolment.operations import (
    EnrolError,
    Enrolled,
    NeedsConfirmation,
    enrol_checked,
    enrol_many,
    entries_from_csv,
    read_file,
)
from wardapp.city.extensions import city_db as db
from wardapp.city.models import CityCommune, CityKey, CityTrustedCA, CityUser
from wardapp.core import enrolment
from wardapp.core.i18n import gettext as _

bp = Blueprint("enrolment", __name__)


@bp.route("/communes", methods=["GET", "POST"])
@reviewer_required
def communes():
    """Enrol a commune from its enrolment file (the output of `flask --app wsgi keys export`:
    its code, key and PDF CA, uploaded or pasted); or many at once from enrolment files or a CSV of
    public keys, with a report of what was enrolled or refused.

    A further key or CA for an enrolled commune takes a second step: the page shows what the
    commune already has and asks the admin's password again; the addition is audited either way."""
    error = None
    results = None
    confirm: NeedsConfirmation | None = None
    mine = scope.visible()
    form = request.form.to_dict()
    if request.method == "POST":
        if current_user.role != "admin":
            abort(403)
        if request.form.get("bulk") or request.files.get("csv"):
            try:
                results = enrol_many(_bulk_entries(), mine, actor=current_user.username)
            except (UnicodeDecodeError, EnrolError) as problem:
                error = str(problem) if isinstance(problem, EnrolError) else _("Tệp CSV phải được mã hóa UTF-8.")
        else:
            try:
                form["jwk"] = _enrolment_text(form.get("jwk", ""))
                done = _enrol_one(form, mine)
                flash(_("Đã kết nối xã/phường %(code)s.", code=done.code), "success")
                for warning in done.warnings:
                    flash(warning, "warning")
                return redirect(url_for("enrolment.communes"), code=303)
            except NeedsConfirmation as needed:
                confirm = needed
            except EnrolError as problem:
                error = str(problem)
    enrolled = db.session.scalars(
        db.select(CityCommune).filter(CityCommune.province_code.in_(mine)).order_by(CityCommune.code)
    ).all()
    keys = db.session.scalars(
        db.select(CityKey)
        .join(CityCommune, CityKey.commune_code == CityCommune.code)
        .filter(CityCommune.province_code.in_(mine))
        .order_by(CityKey.commune_code, CityKey.id)
    ).all()
    with_ca = set(db.session.scalars(db.select(CityTrustedCA.commune_code).distinct()))
    return render_template(
        "city/communes.html",
        enrolled=enrolled,
        keys=keys,
        added_by=_who_added(keys),
        with_ca=with_ca,
        error=error,
        confirm=confirm,
        form=form,
        results=results,
    ), (422 if error or confirm else 200)


def _who_added(keys) -> dict[str, str]:
    """Who enrolled each key, as a reader names them: an officer's full name; a command run on
    the server ("cli", an internal name) as what it was."""
    usernames = {k.enrolled_by for k in keys if k.enrolled_by}
    names = {
        u.username: u.full_name
        for u in db.session.scalars(db.select(CityUser).filter(CityUser.username.in_(usernames)))
    }
    names["cli"] = _("Cán bộ kỹ thuật, trên máy chủ")
    return names


def _enrolment_text(pasted: str) -> str:
    """The enrolment file's text: the uploaded file when one was chosen, else what was pasted (kept
    in the form either way, so a confirmation step or an error loses nothing)."""
    upload = request.files.get("enrolment_file")
    if upload is not None and upload.filename:
        data = upload.read(enrolment.MAX_BYTES + 1)
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise EnrolError(_("Tệp kết nối phải là văn bản UTF-8.")) from error
    return pasted


def _enrol_one(form: dict[str, str], mine: tuple[str, ...]) -> Enrolled:
    """One enrolment from the form (see ``enrol_checked``)."""
    return enrol_checked(
        read_file(form.get("jwk", "")),
        form.get("code", "").strip() or None,
        mine,
        user=current_user,
        password=form.get("password", ""),
        ca_pem=form.get("ca_pem", "").strip(),
        ip=request.remote_addr,
    )


def _bulk_entries() -> list:
    """The bulk form's files: enrolment files (JSON or JWK), each on its own, or one CSV of keys."""
    entries: list = []
    for upload in [*request.files.getlist("files"), *request.files.getlist("csv")]:
        if not upload.filename:
            continue
        data = upload.read(enrolment.MAX_BYTES + 1)
        if upload.filename.lower().endswith(".csv"):
            entries += entries_from_csv(data.decode("utf-8-sig"))
            continue
        try:
            file = read_file(data)
            entries.append((upload.filename, file.code, file))
        except EnrolError as problem:
            entries.append((upload.filename, "", str(problem)))
    if not entries:
        raise EnrolError(_("Hãy chọn ít nhất một tệp kết nối hoặc một tệp CSV."))
    return entries
