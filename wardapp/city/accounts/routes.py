"""The city's sign-in pages (blueprint ``city``): signing in and out, the language, the admin's
security page (locked sign-ins, the audit), one's API tokens."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user

from wardapp.city.accounts import operations, permissions, signin
from wardapp.city.accounts.access import reviewer_required
from wardapp.city.extensions import city_db as db
from wardapp.city.extensions import city_login
from wardapp.city.models import CityAudit, CityUser
from wardapp.core.i18n import gettext as _
from wardapp.core.i18n import lazy_gettext as _l
from wardapp.core.security import apply_headers
from wardapp.platform.models import user_loader

bp = Blueprint("city", __name__)


def init_app(app) -> None:
    city_login.login_view = "city.login"
    city_login.login_message = _l("Vui lòng đăng nhập để tiếp tục.")
    city_login.localize_callback = str  # flashed in the reader's language, as a plain string

    # Sessions ended on the server (sign-out, sign out everywhere) carry an old generation.
    city_login.user_loader(user_loader(db.session, CityUser))
    # A received payload shown raw, officers' names masked as accounts/permissions.py says.
    app.jinja_env.globals["raw_payload"] = lambda payload: permissions.masked_raw(payload, current_user)

    @app.after_request
    def headers(response):
        signed_in = bool(current_user and current_user.is_authenticated) or "Authorization" in request.headers
        apply_headers(response.headers, logged_in=signed_in)
        return response

    @app.get("/healthz")
    def healthz():
        return {"ok": True}


@bp.route("/login", methods=["GET", "POST"])
def login():
    error = None
    if request.method == "POST":
        result = signin.authenticate(
            request.form.get("username", ""), request.form.get("password", ""), request.remote_addr
        )
        if result.user is not None:
            login_user(result.user)
            return redirect(url_for("desk.overview"), code=303)
        error = result.error
        if result.throttled:
            return render_template("city/login.html", error=error), 429
    return render_template("city/login.html", error=error), (401 if error else 200)


@bp.post("/language")
def language():
    """Switch the interface language for this browser (kept in the session, through sign-in and
    sign-out); the city's reviewers read Vietnamese unless they choose English."""
    chosen = request.form.get("locale", "")
    session["locale"] = (
        chosen if chosen in current_app.config["LANGUAGES"] else current_app.config["BABEL_DEFAULT_LOCALE"]
    )
    return redirect(_same_site(request.form.get("next")), code=303)


def _same_site(target: str | None) -> str:
    """Only a path of this site: a crafted form must not send the reviewer elsewhere."""
    if target and target.startswith("/") and not target.startswith("//") and urlsplit(target).netloc == "":
        return target
    return url_for("desk.overview")


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        operations.sign_out(current_user, "logout")
    logout_user()
    return redirect(url_for("city.login"), code=303)


@bp.post("/sign-out-everywhere")
@reviewer_required
def sign_out_everywhere():
    operations.sign_out(current_user, "sign out everywhere")
    logout_user()
    flash(_("Đã đăng xuất khỏi mọi thiết bị."), "success")
    return redirect(url_for("city.login"), code=303)


@bp.route("/security", methods=["GET", "POST"])
@reviewer_required
def security():
    """For the intake's admin: locked sign-ins with where the failures came from, and the audit."""
    if current_user.role != "admin":
        abort(403)
    if request.method == "POST":
        username = operations.unlock(request.form.get("username", ""), current_user.username)
        flash(_("Đã mở khóa đăng nhập cho %(name)s.", name=username), "success")
        return redirect(url_for("city.security"), code=303)
    entries = db.session.scalars(db.select(CityAudit).order_by(CityAudit.id.desc()).limit(200)).all()
    return render_template("city/security.html", locks=signin.current_locks(), entries=entries, actions=signin.ACTIONS)


@bp.route("/account/tokens", methods=["GET", "POST"])
@reviewer_required
def tokens():
    new_token = None
    if request.method == "POST":
        new_token = operations.issue(current_user, request.form.get("name", "")).token
    return render_template("city/tokens.html", tokens=operations.tokens_of(current_user), new_token=new_token)


@bp.post("/account/tokens/<int:token_id>/revoke")
@reviewer_required
def revoke(token_id: int):
    if not operations.revoke(current_user, token_id):
        abort(404)
    return redirect(url_for("city.tokens"), code=303)
