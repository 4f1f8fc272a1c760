"""Request-wide behaviour of the commune app: security headers, error pages, who may open a view."""

from __future__ import annotations

import functools
from urllib.parse import urlsplit

from flask import Flask, abort, render_template, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from htmx_flask import request
from sqlalchemy import String, event
from sqlalchemy import inspect as inspect_row
from sqlalchemy.orm import Session, attributes

from wardapp.core import text
from wardapp.core.history import field_label
from wardapp.core.security import apply_headers
from wardapp.extensions import db, login_manager
from wardapp.permissions import Action, may

# Tables whose text never reaches a signed report and may hold what someone else sent: the audit
# log and sign-in attempts (what was typed at the login form), the outbox's answers from the city,
# the signed revisions themselves, and the imported dossier log (checked by its own importer).
UNGUARDED_TABLES = frozenset(
    {
        "audit_events",
        "login_attempts",
        "outbox_entries",
        "send_attempts",
        "report_revisions",
        "signing_keys",
        "register_entries",
        "month_documents",
        "dossier_imports",
        "dossiers",
        "dossier_column_mappings",
    }
)


def allowed(action: Action):
    """Let in only signed-in users who may do ``action`` (anonymous → login page, others → 403)."""

    def decorator(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                if request.headers.get("HX-Request"):
                    # A live check or a partial after the session ended: a login page swapped into
                    # the form would read as an answer; the page says the session ended instead.
                    return _("Phiên làm việc đã kết thúc."), 401
                return login_manager.unauthorized()
            if not may(current_user, action):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


login_required = allowed("read")


def page_or_partial(page: str, partial: str, status: int = 200, /, **context: object) -> tuple[str, int]:
    """One URL, two answers: the whole page, or for htmx (``request.htmx``) the partial it swaps in.

    The page ``{% include %}``s the partial, so both render from the same context.
    """
    # A history restore (back button, page not in htmx's cache) needs the whole page.
    partial_wanted = request.htmx and not request.htmx.history_restore_request
    return render_template(partial if partial_wanted else page, **context), status


def form_page(template: str, errors: dict | None, form, can_edit: bool, status: int, /, **context: object):
    """A page with a form, shown fresh or come back refused: what was typed (``form``) and what was
    wrong with it (``errors``), both empty when fresh; ``can_edit``: whether the user may submit it."""
    return render_template(template, errors=errors or {}, form=form or {}, can_edit=can_edit, **context), status


def error_page(code: int, title: str, message: str):
    return render_template("error.html", code=code, title=title, message=message), code


class HiddenTextRefused(Exception):
    """Text with a forbidden character (core/text) about to be stored: refused at the flush."""

    def __init__(self, table: str, column: str, codes: list[str]):
        super().__init__(f"{table}.{column}: {', '.join(codes)}")
        self.table, self.column, self.codes = table, column, codes


def _changed_text(row: object, new: bool):
    """(column, value) of every text column of ``row`` being written by this flush."""
    state = inspect_row(row)
    for column in state.mapper.columns:
        if not isinstance(column.type, String) or column.key not in state.mapper.column_attrs:
            continue
        if new:
            values = [getattr(row, column.key)]
        else:
            values = list(attributes.get_history(row, column.key).added or ())
        for value in values:
            if isinstance(value, str):
                yield column, value


def _refuse_hidden_text(session: Session, _context, _instances) -> None:
    """The backstop of the one text rule: whatever form or operation forgot to check, no text
    with a forbidden character is stored where a signed report reads it (signing would then refuse
    the whole day, every day). Forms check first and show the message beside the field; this
    answers 422 (``hidden_text_refused``) for one that did not, and nothing is written."""
    for row, new in [(r, True) for r in session.new] + [(r, False) for r in session.dirty]:
        table = getattr(row, "__tablename__", "")
        if not isinstance(row, db.Model) or table in UNGUARDED_TABLES:
            continue
        for column, value in _changed_text(row, new):
            if codes := text.forbidden_characters(value):
                raise HiddenTextRefused(table, column.key, codes)


def guard_stored_text() -> None:
    if not event.contains(db.session, "before_flush", _refuse_hidden_text):
        event.listen(db.session, "before_flush", _refuse_hidden_text)


def _headers(response):
    signed_in = bool(current_user and current_user.is_authenticated) or "Authorization" in request.headers
    apply_headers(response.headers, logged_in=signed_in)
    # The same URL answers with a page or, for htmx, a fragment: caches must keep them apart.
    response.vary.add("HX-Request")
    return response


# A form marked ``data-keep`` keeps what is typed in the browser (static/js/app.js) until the
# server says it was saved: a successful POST (a redirect anywhere but the login page) carrying its
# ``_kept`` name is noted in the session and told to the next page, which forgets the copy.
KEPT_FIELD = "_kept"


def _note_kept_form_saved(response):
    if request.method != "POST" or response.status_code not in (302, 303):
        return response
    name = request.form.get(KEPT_FIELD, "")[:300]
    if name and current_user.is_authenticated and not response.location.startswith(url_for("auth.login")):
        session["kept_saved"] = [*session.get("kept_saved", [])[-9:], name]
    return response


def kept_forms_saved() -> list[str]:
    """The kept forms saved since the last page (read once, by base.html)."""
    return session.pop("kept_saved", []) if "kept_saved" in session else []


def _resubmittable_fields() -> tuple[list[tuple[str, str]], bool] | None:
    """The fields of a POST refused for its token, if they may be offered back for resending.

    Not for a request from another site (echoing its fields back with a valid token would hand a
    forger the token), nor for a form with a password (never written into a page), nor for htmx.
    """
    if request.method != "POST" or request.headers.get("HX-Request") or not current_user.is_authenticated:
        return None
    origin = request.headers.get("Origin") or request.headers.get("Referer") or ""
    if urlsplit(origin).netloc != request.host:
        return None
    fields = [(name, value) for name, values in request.form.lists() if name != "csrf_token" for value in values]
    if not fields or any("password" in name for name, _value in fields):
        return None
    return fields, bool(request.files)


def init_app(app: Flask) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Vui lòng đăng nhập để tiếp tục.")
    login_manager.login_message_category = "info"
    app.after_request(_headers)
    app.after_request(_note_kept_form_saved)
    app.add_template_global(kept_forms_saved)
    guard_stored_text()

    @app.get("/healthz")
    def healthz():
        """Trivial route: liveness probe, and the benchmark's baseline."""
        return {"ok": True}

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        # Typical cause: the page was open across a restart or a logout. Keep what was typed and
        # offer to send it again with a fresh token, when that is safe; else say how to recover.
        kept = _resubmittable_fields()
        if kept is not None:
            fields, files = kept
            return render_template("resubmit.html", action=request.path, fields=fields, files=files), 400
        if not current_user.is_authenticated and request.method == "POST" and request.form.get(KEPT_FIELD):
            # Signed out meanwhile, from a kept form: what was typed waits in this browser;
            # signing in again leads back to the form, where it is filled in again.
            page = request.form[KEPT_FIELD].split("|")[0]  # the page the form was on
            back = page if page.startswith("/") and not page.startswith("//") else request.path
            return render_template("signed_out.html", action=back), 400
        return error_page(
            400,
            _("Phiên làm việc đã hết hạn"),
            _("Biểu mẫu không được gửi vì phiên làm việc đã thay đổi. Hãy quay lại, tải lại trang và gửi lại."),
        )

    @app.errorhandler(HiddenTextRefused)
    def hidden_text_refused(error: HiddenTextRefused):
        db.session.rollback()
        return error_page(
            422,
            _("Chưa lưu: có ký tự ẩn"),
            _(
                "Mục “%(field)s” có ký tự ẩn hoặc ký tự đảo chiều văn bản (%(codes)s), thường do dán từ nơi khác. "
                "Chưa có gì được lưu: hãy quay lại, xóa và gõ lại đoạn đó rồi gửi lại.",
                field=field_label(error.column),
                codes=", ".join(error.codes[:3]),
            ),
        )

    @app.errorhandler(403)
    def forbidden(error):
        return error_page(403, _("Không có quyền"), _("Tài khoản của bạn không được phép làm việc này."))

    @app.errorhandler(404)
    def not_found(error):
        return error_page(404, _("Không tìm thấy"), _("Trang hoặc dữ liệu bạn tìm không tồn tại."))

    @app.errorhandler(405)
    def not_allowed(error):
        return error_page(405, _("Không hỗ trợ"), _("Thao tác này không được hỗ trợ ở địa chỉ này."))
