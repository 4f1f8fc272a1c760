from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from wardapp.auth.operations import authenticate, change_password, choose_locale, end_sessions, sign_out
from wardapp.platform.accounts import password_problem
from wardapp.web import login_required

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    """Only same-site paths: a login link must not send people elsewhere."""
    if target and urlsplit(target).netloc == "" and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("dashboard.index")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    error = None
    username = ""
    if request.method == "POST":
        username = request.form.get("username", "")
        result = authenticate(username, request.form.get("password", ""), request.remote_addr)
        if result.user:
            session.clear()
            login_user(result.user)
            return redirect(_safe_next(request.args.get("next")), code=303)
        error = result.error
        if result.throttled:
            return render_template("auth/login.html", error=error, username=username), 429
    status = 401 if error else 200
    return render_template("auth/login.html", error=error, username=username), status


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        sign_out(current_user)
    logout_user()
    return redirect(url_for("auth.login"), code=303)


@bp.post("/account/sign-out-everywhere")
@login_required
def sign_out_everywhere():
    """End every session of the account, on every device, this one included."""
    end_sessions(current_user, "sign out everywhere")
    logout_user()
    flash(_("Đã đăng xuất khỏi mọi thiết bị."), "success")
    return redirect(url_for("auth.login"), code=303)


@bp.post("/language")
def language():
    """Switch the interface language: saved on the account, or in the session before login."""
    chosen = request.form.get("locale", "vi")
    if chosen not in current_app.config["LANGUAGES"]:
        chosen = current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user.is_authenticated:
        choose_locale(current_user, chosen)
    session["locale"] = chosen
    return redirect(_safe_next(request.form.get("next")), code=303)


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    errors: dict[str, str] = {}
    if request.method == "POST":
        current = request.form.get("current_password", "")
        new = request.form.get("new_password", "")
        if not current_user.check_password(current):
            errors["current_password"] = _("Mật khẩu hiện tại không đúng.")
        if problem := password_problem(new):
            errors["new_password"] = problem
        elif new != request.form.get("confirm_password", ""):
            errors["confirm_password"] = _("Hai lần nhập mật khẩu mới không giống nhau.")
        if not errors:
            change_password(current_user, new)
            login_user(current_user._get_current_object())  # this session goes on
            flash(_("Đã đổi mật khẩu."), "success")
            return redirect(url_for("auth.account"), code=303)
    return render_template("auth/account.html", errors=errors), (422 if errors else 200)
