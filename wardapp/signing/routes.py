from __future__ import annotations

import itertools

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from wardapp.auth.models import User
from wardapp.commune.access import current_commune
from wardapp.core import clock
from wardapp.core.deadline import is_late
from wardapp.core.figures import figures_by_group
from wardapp.core.history import field_label, show_value
from wardapp.core.i18n import fmt_date
from wardapp.core.labels import revision_label
from wardapp.core.rates import RATES
from wardapp.core.status import DayStatus, legend
from wardapp.extensions import db
from wardapp.outbox.models import OutboxEntry
from wardapp.outbox.operations import request_resend, resend_refused
from wardapp.reports.access import report_for_reading
from wardapp.reports.models import FrozenReport
from wardapp.signing.daystatus import (
    correcting_return,
    delivery_pending,
    pending_return,
    refusal_of,
    revision_status,
    status_of,
    statuses_between,
)
from wardapp.signing.documents import certificate_rows
from wardapp.signing.operations import (
    CannotSign,
    build_document,
    changes_between,
    check_photos,
    hidden_text_problems,
    latest_revision,
    open_correction,
    revisions_of,
    sign_report,
)
from wardapp.web import allowed, login_required

bp = Blueprint("signing", __name__)


@bp.app_context_processor
def _day_status_helpers() -> dict:
    """Every day page shows the day's one status and, when the city returned it, the banner."""

    def day_status(report) -> DayStatus:
        return status_of(report.commune_id, report.date) if report is not None else DayStatus.NO_FIGURES

    def day_statuses(first, last) -> dict:
        """Day → status for the commune's days between ``first`` and ``last`` (missing days absent)."""
        return statuses_between(current_commune().id, first, last)

    def delivery_moving(status: DayStatus) -> bool:
        """A day in this status will still move by itself (the outbox is sending it): worth watching."""
        return status in (DayStatus.SIGNED, DayStatus.SENDING) and bool(current_app.config["CITY_URL"])

    def latest_refusal(report):
        if report is None or not report.frozen:
            return None
        return refusal_of(latest_revision(report))

    return {
        "day_status": day_status,
        "day_statuses": day_statuses,
        "delivery_moving": delivery_moving,
        "pending_return": pending_return,
        "correcting_return": correcting_return,
        "latest_refusal": latest_refusal,
        "revision_status": revision_status,
        "delivery_pending": lambda revision: delivery_pending(revision, bool(current_app.config["CITY_URL"])),
        "refusal_of": refusal_of,
        "status_legend": legend,
    }


def _signable_report(day: str):
    if not current_user.may("sign"):
        abort(403)
    _date, report = report_for_reading(day)
    if report is None:
        abort(404)
    return report


@bp.route("/reports/<day>/sign", methods=["GET", "POST"])
@login_required
def sign(day: str):
    """Show exactly what will be signed, then sign it (leader only)."""
    report = _signable_report(day)
    commune = current_commune()
    errors: list[str] = []
    error_field = None
    late_reason = request.form.get("late_reason", "")
    if request.method == "POST":
        if report.frozen:  # signing again is a change to a signed revision, refused like every other
            raise FrozenReport(report)
        try:
            revision = sign_report(commune, report, current_user, late_reason)
        except CannotSign as refusal:
            db.session.rollback()
            errors, error_field = refusal.problems, refusal.field
        except (IntegrityError, StaleDataError):
            db.session.rollback()
            db.session.refresh(report)
            if report.frozen:
                # Two sign requests at once (a double click): the other one signed; this one changes nothing.
                raise FrozenReport(report) from None
            # Another document (another day's, or a month's) took the same register number meanwhile.
            errors = [_("Số văn bản vừa được cấp cho một văn bản khác; báo cáo chưa được ký, hãy bấm ký lại.")]
        else:
            flash(
                _(
                    "Đã ký báo cáo ngày %(date)s (%(what)s). Báo cáo đang được gửi lên thành phố.",
                    date=fmt_date(report.date),
                    what=_("số %(number)s", number=revision.document_number)
                    if revision.document_number
                    else revision_label(revision.revision),
                ),
                "success",
            )
            return redirect(url_for("signing.revisions", day=report.date.isoformat()), code=303)
    if report.frozen and request.method == "GET":
        return redirect(url_for("signing.revisions", day=report.date.isoformat()))
    if request.method == "GET":
        try:
            check_photos(report)  # a photo not decoded yet is decoded now: the preview is what gets signed
        except CannotSign as refusal:
            db.session.rollback()
            errors = refusal.problems
    now = clock.now()
    document = build_document(commune, report, current_user, now, late_reason or None)
    if request.method == "GET":
        errors += hidden_text_problems(document)  # said before the leader tries: each item to correct
    return render_template(
        "signing/confirm.html",
        day=report.date,
        report=report,
        doc=document,
        groups=figures_by_group(),
        rate_defs=RATES,
        late=is_late(report.date, commune.deadline, now),
        deadline=commune.deadline,
        errors=errors,
        error_field=error_field,
        late_reason=late_reason,
        superseded=_superseded_words(report),
    ), (422 if errors else 200)


def _superseded_words(report) -> str | None:
    """The revision a correction replaces, as a reader names it: "bản ký lần đầu (số 04/BC-UBND)"."""
    previous = latest_revision(report)
    if previous is None:
        return None
    words = revision_label(previous.revision)
    if previous.document_number:
        words += " " + _("(số %(number)s)", number=previous.document_number)
    return words


@bp.get("/reports/<day>/revisions")
@login_required
def revisions(day: str):
    date, report = report_for_reading(day)
    history = revisions_of(report)
    diffs = {}
    for newer, older in itertools.pairwise(history):
        diffs[newer.id] = [
            (field_label(name), show_value(name, before), show_value(name, after))
            for name, before, after in changes_between(older.document, newer.document)
        ]
    return render_template(
        "signing/revisions.html",
        day=date,
        report=report,
        history=history,
        diffs=diffs,
        is_leader=current_user.may("sign"),
    )


@bp.post("/reports/<day>/correct")
@login_required
def correct(day: str):
    report = _signable_report(day)
    try:
        open_correction(report, current_user, request.form.get("reason", ""))
    except CannotSign as refusal:
        db.session.rollback()
        flash(" ".join(refusal.problems), "error")
        return redirect(url_for("signing.revisions", day=report.date.isoformat()), code=303)
    flash(_("Đã mở bản sửa đổi. Sửa nội dung rồi ký lại để gửi phiên bản mới."), "success")
    return redirect(url_for("reports.edit", day=report.date.isoformat()), code=303)


@bp.get("/reports/<day>/revisions/<int:number>/delivery")
@login_required
def delivery(day: str, number: int):
    """One revision's delivery state (htmx polls it while something is pending, then stops)."""
    _date, report = report_for_reading(day)
    revision = next((r for r in revisions_of(report) if r.revision == number), None)
    if revision is None:
        abort(404)
    return render_template("signing/_delivery.html", rev=revision, day=revision.report.date)


@bp.get("/reports/<day>/status")
@login_required
def day_status_badge(day: str):
    """The day's one status (htmx polls it on the dashboard and the day's pages while the signed
    day is on its way to the city, then stops)."""
    date, report = report_for_reading(day)
    return render_template("signing/_day_status.html", day=date, report=report, badge_id=request.args.get("id", ""))


@bp.post("/outbox/resend-refused")
@allowed("resend")
def resend_all_refused():
    """Every refused day goes again now: the one action once the cause (at the city or here) is fixed."""
    count = resend_refused(current_user)
    flash(_("Đã xếp lịch gửi lại ngay %(n)s báo cáo bị từ chối.", n=count), "success")
    return redirect(url_for("dashboard.index"), code=303)


@bp.post("/outbox/<int:entry_id>/resend")
@allowed("resend")
def resend(entry_id: int):
    entry = db.session.get(OutboxEntry, entry_id)
    if entry is None or entry.revision.report.commune_id != current_commune().id:
        abort(404)
    request_resend(entry, current_user)
    flash(_("Đã xếp lịch gửi lại ngay."), "success")
    return redirect(url_for("signing.revisions", day=entry.revision.report.date.isoformat()), code=303)


@bp.get("/admin/certificates")
@allowed("administer")
def certificates():
    """The PDF signing certificates: the commune's and each leader's, and where their keys are."""
    leaders = db.session.scalars(
        db.select(User).filter_by(commune_id=current_commune().id, active=True).order_by(User.username)
    )
    return render_template(
        "signing/certificates.html",
        rows=certificate_rows([u for u in leaders if u.may("sign")]),
        tsa_url=current_app.config.get("PDF_TSA_URL") or "",
        validation_data=bool(current_app.config.get("PDF_VALIDATION_DATA")),
    )
