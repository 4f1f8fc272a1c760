"""The command line an installer uses: users, the commune, and the demo data."""

from __future__ import annotations

import datetime as dt

import pytest

from wardapp.audit.models import AuditEvent
from wardapp.auth.models import User
from wardapp.commune.models import Commune
from wardapp.core import clock
from wardapp.extensions import db
from wardapp.reports.models import DailyReport

from . import factories
from .helpers import isolated_client

CREATE_LEADER = [
    "users",
    "create",
    "--username",
    "hung.tran",
    "--role",
    "leader",
    "--full-name",
    "Trần  Văn Hùng",
    "--position",
    "Phó Chủ tịch UBND phường",
]


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def can_sign_in(app, username: str, password: str) -> bool:
    response = isolated_client(app).post("/login", data={"username": username, "password": password})
    return response.status_code == 303


def count(model) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(model))


# --- users create ------------------------------------------------------------------------------


def test_it_creates_a_user_and_prints_the_generated_password(runner, app, commune):
    result = runner.invoke(args=CREATE_LEADER)

    assert result.exit_code == 0, result.output
    assert "Created hung.tran (leader)." in result.output
    [password] = [
        line.removeprefix("Password: ") for line in result.output.splitlines() if line.startswith("Password: ")
    ]
    assert len(password) >= 12
    created = db.session.scalar(db.select(User).filter_by(username="hung.tran"))
    assert (created.role, created.full_name, created.position) == (
        "leader",
        "Trần Văn Hùng",
        "Phó Chủ tịch UBND phường",
    )
    assert can_sign_in(app, "hung.tran", password)
    assert db.session.scalar(db.select(AuditEvent).filter_by(action="user.created")).after["username"] == "hung.tran"


def test_it_uses_the_password_given_and_does_not_print_it(runner, app, commune):
    result = runner.invoke(args=[*CREATE_LEADER, "--password", "mat-khau-du-dai"])

    assert result.exit_code == 0, result.output
    assert "mat-khau-du-dai" not in result.output
    assert "Password" not in result.output
    assert can_sign_in(app, "hung.tran", "mat-khau-du-dai")


def test_it_generates_a_different_password_each_time(runner, commune):
    first = runner.invoke(args=CREATE_LEADER).output
    second = runner.invoke(args=[*CREATE_LEADER[:3], "lan.ngo", *CREATE_LEADER[4:]]).output
    assert first.splitlines()[-1] != second.splitlines()[-1]


@pytest.mark.parametrize("username", ["staff", "STAFF", " staff "])
def test_it_refuses_a_username_already_taken(runner, users, username):
    before = count(User)

    result = runner.invoke(
        args=["users", "create", "--username", username, "--role", "leader", "--full-name", "Trần Văn Hùng"]
    )

    assert result.exit_code == 1
    assert "Tên đăng nhập này đã có người dùng." in result.output
    assert count(User) == before


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--password", "ngan"], "Mật khẩu cần ít nhất 8 ký tự."),
        (["--full-name", "   "], "Nhập họ và tên"),
    ],
)
def test_it_refuses_bad_account_data(runner, commune, extra, message):
    result = runner.invoke(args=[*CREATE_LEADER, *extra])
    assert result.exit_code == 1
    assert message in result.output
    assert count(User) == 0


def test_it_refuses_an_unknown_role(runner, commune):
    result = runner.invoke(args=["users", "create", "--username", "lan", "--role", "boss", "--full-name", "Lan"])
    assert result.exit_code == 2
    assert "--role" in result.output
    assert count(User) == 0


def test_it_refuses_to_create_a_user_before_the_commune_is_set_up(runner):
    result = runner.invoke(args=CREATE_LEADER)
    assert result.exit_code == 1
    assert "No commune is set up yet" in result.output
    assert "commune setup" in result.output
    assert count(User) == 0


# --- commune setup -----------------------------------------------------------------------------


def test_it_sets_up_the_commune_from_its_official_code(runner):
    result = runner.invoke(args=["commune", "setup", "20242"])

    assert result.exit_code == 0, result.output
    assert result.output.strip() == "20242 Phường Hải Châu, Thành phố Đà Nẵng"
    commune = db.session.scalar(db.select(Commune))
    assert (commune.code, commune.name, commune.province_code, commune.deadline) == (
        "20242",
        "Phường Hải Châu",
        "48",
        dt.time(17, 0),
    )


@pytest.mark.parametrize("code", ["99999", "abc", "2024"])
def test_it_refuses_a_code_not_in_the_official_list(runner, code):
    result = runner.invoke(args=["commune", "setup", code])
    assert result.exit_code == 1
    assert f"Không có mã xã/phường {code} trong danh mục chính thức." in result.output
    assert count(Commune) == 0


def test_it_sets_up_the_commune_only_once(runner, commune):
    result = runner.invoke(args=["commune", "setup", "20242"])
    assert result.exit_code == 1
    assert "Xã/phường đã được thiết lập cho hệ thống này." in result.output
    assert count(Commune) == 1


# --- demo --------------------------------------------------------------------------------------


def test_it_creates_the_demo_commune_with_users_and_90_days_of_history(runner, app):
    result = runner.invoke(args=["demo", "--password", "demo-wardapp"])

    assert result.exit_code == 0, result.output
    commune = db.session.scalar(db.select(Commune))
    assert (commune.code, commune.name) == ("20242", "Phường Hải Châu")
    roles = dict(db.session.execute(db.select(User.username, User.role)).all())
    assert roles == {"staff": "staff", "leader": "leader", "reviewer": "reviewer", "admin": "admin"}
    for username in roles:
        assert can_sign_in(app, username, "demo-wardapp"), username
    today = clock.today()
    days = db.session.scalars(db.select(DailyReport.date).order_by(DailyReport.date)).all()
    assert len(days) == 90
    assert (days[0], days[-1]) == (today - dt.timedelta(days=90), today - dt.timedelta(days=1))
    assert today not in days  # today is left for the staff to fill in
    assert "demo-wardapp" not in result.output


def test_it_prints_the_generated_demo_passwords(runner, app):
    result = runner.invoke(args=["demo", "--days", "3"])

    assert result.exit_code == 0, result.output
    printed = dict(line.split() for line in result.output.splitlines() if line.startswith("  "))
    assert set(printed) == {"staff", "leader", "reviewer", "admin"}
    assert len(set(printed.values())) == 4
    for username, password in printed.items():
        assert can_sign_in(app, username, password), username


def test_it_leaves_a_set_up_database_alone_with_if_empty(runner, users, commune):
    factories.make_report(commune, clock.today() - dt.timedelta(days=1), users["staff"])
    before = (count(User), count(DailyReport), count(AuditEvent))

    result = runner.invoke(args=["demo", "--if-empty", "--password", "demo-wardapp"])

    assert result.exit_code == 0, result.output
    assert "already set up" in result.output
    assert (count(User), count(DailyReport), count(AuditEvent)) == before


def test_it_refuses_the_demo_on_a_set_up_database(runner, users):
    result = runner.invoke(args=["demo", "--password", "demo-wardapp"])
    assert result.exit_code == 1
    assert "needs an empty one" in result.output
    assert count(User) == 4
