"""The admin's user pages: creating, editing, deactivating accounts, and the audit trail of each."""

from __future__ import annotations

import pytest

from wardapp.audit.models import AuditEvent
from wardapp.auth.models import User
from wardapp.extensions import db

from . import factories
from .helpers import Page, isolated_client, signed_in

NEW_USER = {
    "username": "lan.ngo",
    "full_name": "Ngô Thị Lan",
    "position": "Văn thư",
    "role": "staff",
    "password": "mat-khau-du-dai",
}


def can_sign_in(app, username: str, password: str) -> bool:
    response = isolated_client(app).post("/login", data={"username": username, "password": password})
    return response.status_code == 303


def user(username: str) -> User | None:
    db.session.expire_all()
    return db.session.scalar(db.select(User).filter_by(username=username))


def audit_lines(action_prefix: str = "user.") -> list[AuditEvent]:
    return db.session.scalars(
        db.select(AuditEvent).filter(AuditEvent.action.startswith(action_prefix)).order_by(AuditEvent.id)
    ).all()


def edit_form(person: User, **changes) -> dict[str, str]:
    """What the edit page posts when the admin changes only ``changes``."""
    form = {
        "full_name": person.full_name,
        "position": person.position,
        "role": person.role,
        "active": "1" if person.active else "",
        "password": "",
    }
    form.update(changes)
    return {k: v for k, v in form.items() if v != "" or k == "password"}


# --- Creating ----------------------------------------------------------------------------------


def test_it_creates_a_user_who_can_sign_in(admin, app):
    response = admin.post("/admin/users/new", data=NEW_USER | {"full_name": "  Ngô   Thị Lan "})

    assert response.status_code == 303
    listing = Page.of(admin.get(response.headers["Location"]))
    assert "Đã tạo tài khoản lan.ngo." in listing.flashes
    assert "Ngô Thị Lan" in listing.html
    created = user("lan.ngo")
    assert (created.full_name, created.position, created.role, created.active) == (
        "Ngô Thị Lan",
        "Văn thư",
        "staff",
        True,
    )
    assert can_sign_in(app, "lan.ngo", "mat-khau-du-dai")
    [line] = audit_lines("user.created")
    assert (line.actor_username, line.target_id) == ("admin", str(created.id))
    assert line.after == {
        "username": "lan.ngo",
        "full_name": "Ngô Thị Lan",
        "position": "Văn thư",
        "role": "staff",
        "active": True,
        "locale": "vi",
    }


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"username": "Nguyễn Lan"}, "username", "Từ 3 đến 64 ký tự"),
        ({"username": "ab"}, "username", "Từ 3 đến 64 ký tự"),
        ({"username": "STAFF"}, "username", "Tên đăng nhập này đã có người dùng."),
        ({"password": "1234567"}, "password", "Mật khẩu cần ít nhất 8 ký tự."),
        ({"full_name": "   "}, "full_name", "Nhập họ và tên"),
        ({"full_name": "Ngô " * 40}, "full_name", "Tối đa 120 ký tự."),
        ({"role": "superuser"}, "role", "Chọn một vai trò."),
    ],
    ids=[
        "accents and spaces",
        "too short",
        "duplicate",
        "short password",
        "missing full name",
        "full name too long",
        "unknown role",
    ],
)
def test_it_explains_why_a_user_was_not_created(admin, changes, field, message):
    before = db.session.scalar(db.select(db.func.count()).select_from(User))
    typed = NEW_USER | changes

    response = admin.post("/admin/users/new", data=typed)

    page = Page.of(response)
    assert response.status_code == 422
    assert message in page.text(f"err-{field}")
    assert page.field(field).attrs.get("aria-describedby") == f"err-{field}"
    for kept in ("username", "position"):
        assert page.value(kept) == typed[kept]
    assert page.value("password") == ""  # never sent back to the browser
    assert db.session.scalar(db.select(db.func.count()).select_from(User)) == before
    assert audit_lines() == []


# --- Editing -----------------------------------------------------------------------------------


def test_it_changes_a_role_and_the_new_role_applies_at_once(admin, app, users):
    staff = signed_in(app, "staff")
    assert staff.get("/reports/new").status_code == 200

    response = admin.post(f"/admin/users/{users['staff'].id}", data=edit_form(users["staff"], role="reviewer"))

    assert response.status_code == 303
    assert user("staff").role == "reviewer"
    assert staff.get("/reports/new").status_code == 403
    [line] = audit_lines()
    assert (line.action, line.actor_username, line.summary) == ("user.role_changed", "admin", "staff")
    assert (line.before, line.after) == ({"role": "staff"}, {"role": "reviewer"})


def test_it_records_only_what_changed(admin, users):
    admin.post(f"/admin/users/{users['leader'].id}", data=edit_form(users["leader"], position="Chủ tịch UBND phường"))
    [line] = audit_lines()
    assert line.action == "user.updated"
    assert (line.before, line.after) == ({"position": "Chuyên viên"}, {"position": "Chủ tịch UBND phường"})


def test_it_records_nothing_when_nothing_changed(admin, users):
    assert admin.post(f"/admin/users/{users['leader'].id}", data=edit_form(users["leader"])).status_code == 303
    assert audit_lines() == []


def test_it_deactivates_and_reactivates_an_account(admin, app, users):
    admin.post(f"/admin/users/{users['staff'].id}", data=edit_form(users["staff"], active=""))

    assert user("staff").active is False
    assert not can_sign_in(app, "staff", factories.PASSWORD)
    assert "Đã vô hiệu hóa" in admin.get("/admin/users").text

    admin.post(f"/admin/users/{users['staff'].id}", data=edit_form(user("staff"), active="1"))

    assert can_sign_in(app, "staff", factories.PASSWORD)
    off, on = audit_lines()
    assert (off.action, off.before, off.after) == ("user.deactivated", {"active": True}, {"active": False})
    assert (on.action, on.before, on.after) == ("user.reactivated", {"active": False}, {"active": True})


def test_it_resets_a_password_and_lifts_a_lock(admin, app, users):
    for _ in range(app.config["LOGIN_MAX_ATTEMPTS"]):
        can_sign_in(app, "staff", "wrong-password")
    assert not can_sign_in(app, "staff", factories.PASSWORD)  # locked

    admin.post(f"/admin/users/{users['staff'].id}", data=edit_form(users["staff"], password="mat-khau-moi-9"))

    assert not can_sign_in(app, "staff", factories.PASSWORD)
    assert can_sign_in(app, "staff", "mat-khau-moi-9")
    [line] = audit_lines()
    assert (line.action, line.before, line.after) == ("user.updated", {}, {"password": "changed"})
    assert "mat-khau-moi-9" not in str(line.after) and user("staff").password_hash not in str(line.after)


def test_it_refuses_a_short_new_password(admin, app, users):
    response = admin.post(f"/admin/users/{users['staff'].id}", data=edit_form(users["staff"], password="ngan"))
    assert response.status_code == 422
    assert "ít nhất 8 ký tự" in Page.of(response).text("err-password")
    assert can_sign_in(app, "staff", factories.PASSWORD)


@pytest.mark.parametrize(
    "changes",
    [{"role": "staff"}, {"role": "leader"}, {"active": ""}],
    ids=["demote to staff", "demote to leader", "deactivate"],
)
def test_it_does_not_let_admins_lock_themselves_out(admin, users, changes):
    me = users["admin"]

    response = admin.post(f"/admin/users/{me.id}", data=edit_form(me, **changes))

    assert response.status_code == 422
    assert "Bạn không thể tự bỏ quyền quản trị hoặc tự vô hiệu hóa" in Page.of(response).text("err-role")
    assert (user("admin").role, user("admin").active) == ("admin", True)
    assert admin.get("/admin/users").status_code == 200
    assert audit_lines() == []


def test_it_lets_admins_edit_their_own_name(admin, users):
    me = users["admin"]
    response = admin.post(f"/admin/users/{me.id}", data=edit_form(me, full_name="Phạm Quốc Bảo"))
    assert response.status_code == 303
    assert user("admin").full_name == "Phạm Quốc Bảo"


def test_it_answers_404_for_a_user_that_does_not_exist(admin):
    assert admin.get("/admin/users/9999").status_code == 404
    assert admin.post("/admin/users/9999", data={"full_name": "X", "role": "staff"}).status_code == 404


def test_it_shows_the_edit_form_filled_in(admin, users):
    page = Page.of(admin.get(f"/admin/users/{users['reviewer'].id}"))
    assert page.value("full_name") == "Người dùng reviewer"
    assert page.value("role") == "reviewer"
    assert "checked" in page.field("active").attrs
    assert page.value("password") == ""
