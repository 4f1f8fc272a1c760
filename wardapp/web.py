"""Request-wide behaviour of the commune app: security headers, error pages, who may open a view."""

from __future__ import annotations

import functools
from urllib.parse import urlsplit

from flask import Flask, abort, render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from htmx_flask import request

from wardapp.core.security import apply_headers
from wardapp.extensions import login_manager
from wardapp.permissions import Action, may


def allowed(action: Action):
    """Let in only signed-in users who may do ``action`` (anonymous → login page, others → 403)."""

    def decorator(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
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


def error_page(code: int, title: str, message: str):
    return render_template("error.html", code=code, title=title, message=message), code


def _headers(response):
    signed_in = bool(current_user and current_user.is_authenticated) or "Authorization" in request.headers
    apply_headers(response.headers, logged_in=signed_in)
    # The same URL answers with a page or, for htmx, a fragment: caches must keep them apart.
    response.vary.add("HX-Request")
    return response


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
        return error_page(
            400,
            _("Phiên làm việc đã hết hạn"),
            _("Biểu mẫu không được gửi vì phiên làm việc đã thay đổi. Hãy quay lại, tải lại trang và gửi lại."),
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
