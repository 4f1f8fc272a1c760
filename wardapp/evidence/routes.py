from __future__ import annotations

import functools

from flask import (
    Blueprint,
    abort,
    after_this_request,
    current_app,
    flash,
    redirect,
    render_template,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from htmx_flask import request

from wardapp.audit.access import PHOTO, THUMBNAIL, record_access
from wardapp.commune.access import current_commune
from wardapp.core.images import EXTENSIONS, PhotoRejected, megabytes
from wardapp.core.text import form_problems
from wardapp.evidence import storage
from wardapp.evidence.models import Photo, PhotoCategory
from wardapp.evidence.operations import (
    CategoryEdit,
    NewCategory,
    add_photo,
    categories,
    checklist,
    next_category,
    photos_of,
    remove_photo,
    save_categories,
    settle,
    settle_after_answer,
    upload_choices,
)
from wardapp.extensions import db
from wardapp.platform.lanes import heavy
from wardapp.reports.access import report_for_reading, report_for_writing
from wardapp.reports.operations import get_report
from wardapp.web import allowed, login_required, page_or_partial

bp = Blueprint("evidence", __name__)

CAPTION_MAX = 300


def _photo_or_404(photo_id: int) -> Photo:
    """A photo of this commune's reports (another commune's id is as good as a missing one)."""
    photo = db.session.get(Photo, photo_id)
    if photo is None or photo.removed_at is not None or photo.report.commune_id != current_commune().id:
        abort(404)
    if photo.purged_at is not None:
        abort(404)  # its bytes were deleted at the end of the retention period
    return photo


def _context(day, report, errors=None, form=None, added: int = 0) -> dict:
    commune = current_commune()
    photos = photos_of(report)
    return {
        "day": day,
        "report": report,
        "photos": photos,
        "checklist": checklist(commune.id, photos, day),
        "categories": upload_choices(commune.id, day),
        "errors": errors or {},
        "form": form or {},
        "can_edit": current_user.may("edit_day") and not (report is not None and report.frozen),
        "max_mb": megabytes(current_app.config["PHOTO_MAX_BYTES"]),
        "max_bytes": current_app.config["PHOTO_MAX_BYTES"],
        "added": added_message(added) if added else "",
    }


def added_message(n: int) -> str:
    return _("Đã thêm ảnh.") if n == 1 else _("Đã thêm %(n)s ảnh.", n=n)


def _render(context: dict, status: int = 200):
    return page_or_partial("evidence/photos.html", "evidence/_photos.html", status, **context)


@bp.get("/reports/<day>/photos")
@login_required
def photos(day: str):
    date, report = report_for_reading(day)
    # After an upload the next photo's category is chosen for the user (next_category).
    return _render(_context(date, report, form={"category": request.args.get("category", "")}))


@bp.post("/reports/<day>/photos")
@heavy
@login_required
def upload(day: str):
    report = report_for_writing(day)
    form = request.form
    errors = form_problems(form)
    category = db.session.get(PhotoCategory, form.get("category", type=int) or 0)
    if (
        category is None
        or category.commune_id != report.commune_id
        or category not in upload_choices(report.commune_id, report.date)
    ):
        errors["category"] = _("Chọn loại ảnh.")
    caption = " ".join(form.get("caption", "").split())
    if len(caption) > CAPTION_MAX:
        errors["caption"] = _("Chú thích tối đa %(n)s ký tự.", n=CAPTION_MAX)
    # Several photos may come in one form (a browser without our script); the script sends
    # them one per request, each with its own progress.
    uploads = [u for u in request.files.getlist("photo") if u.filename or u.content_length]
    if not uploads:
        errors["photo"] = _("Chọn hoặc chụp một ảnh.")
    added, refused = [], []
    if not errors and category is not None:
        # Each photo is added (committed) or refused on its own, as when sent one by one.
        for upload in uploads:
            try:
                added.append(add_photo(report, upload.read(), upload.filename or "", category, caption, current_user))
            except PhotoRejected as refusal:
                refused.append(f"{upload.filename}: {refusal}" if len(uploads) > 1 else str(refusal))
    if refused:
        errors["photo"] = " ".join(refused)
    if errors or category is None:
        # Read before the rollback: a row created for this upload is gone after it.
        date, commune_id = report.date, report.commune_id
        db.session.rollback()
        return _render(_context(date, get_report(commune_id, date), errors, form), 422)
    for photo in added:
        if photo.pending:
            _decode_after_answer(photo.id)
    following = next_category(report.commune_id, report, category)
    if not request.htmx:
        flash(added_message(len(added)), "success")
        return redirect(url_for("evidence.photos", day=report.date.isoformat(), category=following.id), code=303)
    return _render(_context(report.date, report, form={"category": str(following.id)}, added=len(added)))


def _decode_after_answer(photo_id: int) -> None:
    """Decode the photo and make its thumbnail once the answer has gone out: the WSGI server
    closes the response after sending it, in this same worker, and the uploader is not kept
    waiting for the decode (docs/PERFORMANCE.md, uploads)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]

    @after_this_request
    def schedule(response):
        response.call_on_close(functools.partial(settle_after_answer, app, photo_id))
        return response


@bp.post("/reports/<day>/photos/<int:photo_id>/remove")
@login_required
def remove(day: str, photo_id: int):
    report = report_for_writing(day)
    photo = _photo_or_404(photo_id)
    if photo.report_id != report.id:
        abort(404)
    remove_photo(photo, current_user)
    if request.htmx:
        return _render(_context(report.date, report))
    flash(_("Đã gỡ ảnh khỏi báo cáo."), "success")
    return redirect(url_for("evidence.photos", day=report.date.isoformat()), code=303)


def _send(path, **kwargs):
    """A stored file for a signed-in person: never kept by any cache (see core/security)."""
    if not path.is_file():  # e.g. a database restored without its photos
        current_app.logger.warning("Photo file missing: %s", path.name)
        abort(404)
    return send_file(path, conditional=True, **kwargs)


@bp.get("/photos/<int:photo_id>")
@allowed("see_photos")
def original(photo_id: int):
    photo = _photo_or_404(photo_id)
    record_access(PHOTO, photo.sha256)
    return _send(
        storage.original_path(photo.sha256),
        mimetype=photo.content_type,
        download_name=f"{photo.sha256[:16]}.{EXTENSIONS[photo.content_type]}",
    )


@bp.get("/photos/<int:photo_id>/thumb")
@allowed("see_photos")
def thumb(photo_id: int):
    """The thumbnail, made now if the step after the upload's answer has not made it yet."""
    photo = _photo_or_404(photo_id)
    record_access(THUMBNAIL, photo.sha256)
    try:
        settle(photo)  # a stat when the thumbnail is there already
    except OSError:  # the original is gone too (a database restored without its photos)
        current_app.logger.warning("Photo file missing: %s", photo.sha256)
        abort(404)
    if photo.unreadable:
        abort(404)
    return _send(storage.thumbnail_path(photo.sha256), mimetype="image/jpeg")


@bp.route("/settings/photo-categories", methods=["GET", "POST"])
@allowed("administer")
def edit_categories():
    """The admin edits the checklist: labels, required or not, in use or not, new kinds."""
    commune = current_commune()
    existing = categories(commune.id, active_only=False)
    errors: dict[str, str] = {}
    if request.method == "POST":
        form = request.form
        errors = form_problems(form)
        edits: list[CategoryEdit] = []
        for category in existing:
            label = " ".join(form.get(f"label-{category.id}", category.label).split())
            if f"label-{category.id}" in errors:
                continue
            if not label:
                errors[f"label-{category.id}"] = _("Nhập tên loại ảnh.")
                continue
            edits.append(
                CategoryEdit(
                    category,
                    label[:120],
                    required=form.get(f"required-{category.id}") == "1",
                    active=form.get(f"active-{category.id}") == "1",
                )
            )
        new_label = " ".join(form.get("new_label", "").split())
        added = None
        if new_label and "new_label" not in errors:
            added = NewCategory(new_label[:120], required=form.get("new_required") == "1")
        if not errors:
            save_categories(commune.id, existing, edits, added)
            flash(_("Đã lưu danh mục ảnh."), "success")
            return redirect(url_for("evidence.edit_categories"), code=303)
    return render_template("evidence/categories.html", categories=existing, errors=errors, form=request.form), (
        422 if errors else 200
    )


@bp.app_errorhandler(413)
def too_large(error):
    """A request over MAX_CONTENT_LENGTH: on the photo form, say so next to the file field."""
    message = _("Tệp quá lớn: tối đa %(max)s MB.", max=megabytes(current_app.config["PHOTO_MAX_BYTES"]))
    if request.endpoint == "evidence.upload" and current_user.is_authenticated:
        date, report = report_for_reading(request.view_args["day"])
        return _render(_context(date, report, {"photo": message}), 422)
    return render_template("error.html", code=413, title=_("Tệp quá lớn"), message=message), 413
