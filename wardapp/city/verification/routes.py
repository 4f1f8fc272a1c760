"""Checking a document (see ``operations``). Blueprint ``city_verify``: the reviewers' check of a
dropped PDF or a QR code's URL. Blueprint ``public_check``: the page a document's QR code opens for
anyone, without an account."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from wardapp.city.accounts.access import reviewer_required
from wardapp.city.verification.operations import (
    MAX_PDF,
    SHA256,
    Finding,
    MonthFinding,
    allowed,
    examine_pdf,
    examine_qr,
    public_answer,
)
from wardapp.core import clock
from wardapp.core.i18n import gettext as _
from wardapp.core.pdf import verification

bp = Blueprint("city_verify", __name__)
public_bp = Blueprint("public_check", __name__)


@bp.route("/verify", methods=["GET", "POST"])
@reviewer_required
def verify():
    finding: Finding | MonthFinding | None = None
    error = None
    if request.method == "POST":
        upload = request.files.get("pdf")
        data = upload.read(MAX_PDF + 1) if upload else b""
        if not data:
            error = _("Chọn tệp PDF cần kiểm tra.")
        elif len(data) > MAX_PDF or not data.startswith(b"%PDF-"):
            error = _("Tệp này không phải là PDF (hoặc lớn hơn 50 MB).")
        else:
            try:
                finding = examine_pdf(data)
            except verification.TooLarge as too_large:
                error = _(
                    "Tệp đính kèm %(name)s trong PDF lớn hơn %(mb)s MB khi giải nén: không văn bản ký số nào "
                    "của hệ thống có tệp như vậy, tệp không được kiểm tra.",
                    name=too_large.name[:80],
                    mb=too_large.limit // 1000 // 1000,
                )
    month = finding if isinstance(finding, MonthFinding) else None
    day = finding if isinstance(finding, Finding) else None
    return render_template("city/verify.html", finding=day, month=month, error=error, source="pdf", tz=clock.TZ), (
        422 if error else 200
    )


@bp.get("/verify/<report_id>")
@reviewer_required
def verify_qr(report_id: str):
    sha256 = request.args.get("sha256", "").strip().lower() or None
    if sha256 is not None and not SHA256.fullmatch(sha256):
        sha256 = None
    finding = examine_qr(report_id, sha256)
    return render_template("city/verify.html", finding=finding, month=None, error=None, source="qr", tz=clock.TZ)


@public_bp.get("/xac-thuc/<document_id>")
def check(document_id: str):
    """Public: no session needed (the QR code of a document printed or forwarded)."""
    if not allowed(request.remote_addr or ""):
        return render_template("city/public_check.html", answer=None, limited=True), 429
    answer = public_answer(document_id, (request.args.get("sha256") or "").strip().lower())
    status = 200 if answer.verdict == "authentic" else 404
    return render_template("city/public_check.html", answer=answer, document_id=document_id, limited=False), status
