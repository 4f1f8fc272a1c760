"""Request-wide behaviour: security headers, the current commune, errors, role checks."""

from __future__ import annotations

import functools

from flask import abort, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import CSRFError

from wardapp.core.security import apply_headers
from wardapp.extensions import login_manager

# Pages that work before the commune is set up.
SETUP_ENDPOINTS = {"commune.setup", "commune.search", "static", "healthz", "auth.language"}


def current_commune():
    """The commune this installation serves, loaded at most once per request."""
    if "commune" not in g:
        from wardapp.commune.models import Commune

        g.commune = Commune.current()
    return g.commune


def roles_required(*roles: str):
    """Let in only logged-in users with one of ``roles`` (anonymous → login, others → 403)."""

    def decorator(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def login_required(view):
    return roles_required("staff", "leader", "reviewer", "admin")(view)


def _redirect_to_setup():
    if request.endpoint in SETUP_ENDPOINTS or request.endpoint is None:
        return None
    if current_commune() is None:
        return redirect(url_for("commune.setup"))
    return None


def _headers(response):
    apply_headers(response.headers, logged_in=bool(current_user and current_user.is_authenticated))
    # The same URL answers with a page or, for htmx, a fragment: caches must keep them apart.
    response.vary.add("HX-Request")
    return response


def _error(code: int, title: str, message: str):
    return render_template("error.html", code=code, title=title, message=message), code


def init_app(app) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Vui lòng đăng nhập để tiếp tục.")
    login_manager.login_message_category = "info"

    @login_manager.user_loader
    def load_user(user_id: str):
        from wardapp.auth.models import User
        from wardapp.extensions import db

        user = db.session.get(User, int(user_id))
        # A deactivated account loses its open sessions on the next request, not at next login.
        return user if user is not None and user.active else None

    @app.before_request
    def _fresh_request_cache():
        # g outlives a request when an app context is already pushed (tests, CLI): per-request
        # caches must start empty.
        for key in ("commune", "_fixed_figures"):
            g.pop(key, None)

    app.before_request(_redirect_to_setup)
    app.after_request(_headers)
    app.context_processor(lambda: {"commune": current_commune()})

    @app.get("/healthz")
    def healthz():
        """Trivial route: liveness probe, and the benchmark's baseline."""
        return {"ok": True}

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        # Typical cause: the page was open across a restart or a logout. Say how to recover.
        return _error(
            400,
            _("Phiên làm việc đã hết hạn"),
            _("Biểu mẫu không được gửi vì phiên làm việc đã thay đổi. Hãy quay lại, tải lại trang và gửi lại."),
        )

    from wardapp.reports.access import FrozenReport

    @app.errorhandler(FrozenReport)
    def frozen(error):
        day = error.report.date.strftime("%d/%m/%Y")
        return _error(
            409,
            _("Báo cáo đã ký"),
            _(
                "Báo cáo ngày %(date)s đã được ký nên không thể thay đổi. Lãnh đạo có thể mở bản sửa đổi "
                "(kèm lý do) để tạo phiên bản mới.",
                date=day,
            ),
        )

    @app.errorhandler(403)
    def forbidden(error):
        return _error(403, _("Không có quyền"), _("Tài khoản của bạn không được phép làm việc này."))

    @app.errorhandler(404)
    def not_found(error):
        return _error(404, _("Không tìm thấy"), _("Trang hoặc dữ liệu bạn tìm không tồn tại."))

    @app.errorhandler(405)
    def not_allowed(error):
        return _error(405, _("Không hỗ trợ"), _("Thao tác này không được hỗ trợ ở địa chỉ này."))
