"""Who may open and who may change every page, persona by persona, and the first-run set-up.

The table below lists every (route, method) of the app; ``test_it_has_a_rule_for_every_route``
fails when a route is added without saying who may use it.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import string
from dataclasses import dataclass

import pytest
from PIL import Image

from wardapp.audit.models import AuditEvent
from wardapp.auth.models import User
from wardapp.commune.models import Commune
from wardapp.core import clock
from wardapp.delays.models import LateDossier
from wardapp.delays.operations import add_late_dossier, parse_late_dossier
from wardapp.dossiers.models import DossierImport
from wardapp.dossiers.operations import import_file
from wardapp.evidence.models import PhotoCategory
from wardapp.evidence.operations import add_photo, categories
from wardapp.extensions import db
from wardapp.outbox.models import OutboxEntry
from wardapp.pdf.models import ApiToken
from wardapp.reports.models import DailyReport
from wardapp.signing.operations import sign_report
from wardapp.support.models import SupportCase
from wardapp.tasks.operations import create_task, parse_task_form
from wardapp.team.models import TeamMember
from wardapp.team.operations import ensure_team

from . import factories
from .dossier_files import csv_bytes, row
from .helpers import Page, isolated_client, login_redirect_target

# --- Personas and the access table ------------------------------------------------------------

ROLES = ("staff", "leader", "reviewer", "admin")
ANONYMOUS = "anonymous"
PERSONAS = (*ROLES, ANONYMOUS)
EDITORS = ("staff", "leader")  # the day's figures, its evidence, tasks, support cases
LEADER = ("leader",)  # explanations and "ready to sign"
MANAGERS = ("staff", "leader", "admin")  # the response team's membership
PULLERS = ("reviewer", "leader", "admin")  # PDF lists, archives and API tokens
ADMIN = ("admin",)
UPLOADERS = ("staff", "leader", "admin")  # the dossier log

# What a persona gets back.
OK = 200
DONE = 303  # a change accepted: redirect after POST
UNAUTHORIZED = 401  # the API wants a token, not a browser session
FORBIDDEN = 403
NOT_FOUND = 404
NOT_ALLOWED = 405
CONFLICT = 409  # let in, but the day is not in a state that allows it
LOGIN = "sent to the sign-in page"
HOME = "sent to the dashboard"  # signed-in people opening the sign-in page


def only(roles: tuple[str, ...], outcome, *, anonymous=LOGIN) -> dict[str, object]:
    """``roles`` get ``outcome``, other signed-in people 403, anonymous visitors ``anonymous``."""
    return {role: outcome if role in roles else FORBIDDEN for role in ROLES} | {ANONYMOUS: anonymous}


def everyone(outcome) -> dict[str, object]:
    return dict.fromkeys(PERSONAS, outcome)


def signed_in(outcome, *, anonymous) -> dict[str, object]:
    return dict.fromkeys(ROLES, outcome) | {ANONYMOUS: anonymous}


@dataclass(frozen=True)
class Case:
    endpoint: str
    method: str
    path: str  # a format string over World's attributes: {today}, {yesterday}, {task_id}...
    expect: dict[str, object]
    data: str | None = None  # a key of POST_DATA
    changes_data: bool = False  # an accepted POST must leave a trace in the database


CASES = (
    # Pages everyone signed in reads.
    Case("dashboard.index", "GET", "/", only(ROLES, OK)),
    Case("dashboard.index", "POST", "/", everyone(NOT_ALLOWED)),
    Case("reports.index", "GET", "/reports/", only(ROLES, OK)),
    Case("reports.index", "POST", "/reports/", everyone(NOT_ALLOWED)),
    Case("reports.edit", "GET", "/reports/{today}", only(ROLES, OK)),
    Case("reports.check", "GET", "/reports/{today}/check", only(ROLES, OK)),
    Case("reports.check", "POST", "/reports/{today}/check", everyone(NOT_ALLOWED)),
    Case("auth.account", "GET", "/account", only(ROLES, OK)),
    Case("auth.account", "POST", "/account", only(ROLES, DONE), "password", changes_data=True),
    Case("auth.sign_out_everywhere", "GET", "/account/sign-out-everywhere", everyone(NOT_ALLOWED)),
    Case("auth.sign_out_everywhere", "POST", "/account/sign-out-everywhere", only(ROLES, DONE), changes_data=True),
    # Changing the day's figures: staff and leaders only; reviewers read but cannot save.
    Case("reports.edit", "POST", "/reports/{today}", only(EDITORS, DONE), "report", changes_data=True),
    Case("reports.new", "GET", "/reports/new", only(EDITORS, OK)),
    Case("reports.new", "POST", "/reports/new", only(EDITORS, DONE), "other_day"),
    # The day's photos.
    Case("evidence.photos", "GET", "/reports/{yesterday}/photos", only(ROLES, OK)),
    Case("evidence.upload", "POST", "/reports/{yesterday}/photos", only(EDITORS, DONE), "photo", changes_data=True),
    Case("evidence.remove", "GET", "/reports/{yesterday}/photos/{photo_id}/remove", everyone(NOT_ALLOWED)),
    Case(
        "evidence.remove",
        "POST",
        "/reports/{yesterday}/photos/{photo_id}/remove",
        only(EDITORS, DONE),
        changes_data=True,
    ),
    Case("evidence.original", "GET", "/photos/{photo_id}", only(EDITORS, OK)),
    Case("evidence.original", "POST", "/photos/{photo_id}", everyone(NOT_ALLOWED)),
    Case("evidence.thumb", "GET", "/photos/{photo_id}/thumb", only(EDITORS, OK)),
    Case("evidence.thumb", "POST", "/photos/{photo_id}/thumb", everyone(NOT_ALLOWED)),
    # Late dossiers and the leader's explanations.
    Case("delays.month", "GET", "/delays", only(ROLES, OK)),
    Case("delays.month", "POST", "/delays", everyone(NOT_ALLOWED)),
    Case("delays.late_dossiers", "GET", "/reports/{yesterday}/late", only(ROLES, OK)),
    Case("delays.add_late", "POST", "/reports/{yesterday}/late", only(EDITORS, DONE), "late", changes_data=True),
    Case("delays.remove_late", "GET", "/reports/{yesterday}/late/{dossier_id}/remove", everyone(NOT_ALLOWED)),
    Case(
        "delays.remove_late",
        "POST",
        "/reports/{yesterday}/late/{dossier_id}/remove",
        only(EDITORS, DONE),
        changes_data=True,
    ),
    Case("delays.explanations", "GET", "/reports/{yesterday}/explain", only(ROLES, OK)),
    Case(
        "delays.add_explanation",
        "POST",
        "/reports/{yesterday}/explain",
        only(LEADER, DONE),
        "explanation",
        changes_data=True,
    ),
    Case("delays.ready", "GET", "/reports/{yesterday}/ready", everyone(NOT_ALLOWED)),
    Case("delays.ready", "POST", "/reports/{yesterday}/ready", only(LEADER, CONFLICT)),  # nothing entered yet
    # Signing the day and sending it to the city: the leader signs and corrects.
    Case("signing.sign", "GET", "/reports/{ready_day}/sign", only(LEADER, OK)),
    Case("signing.sign", "POST", "/reports/{ready_day}/sign", only(LEADER, DONE), "sign", changes_data=True),
    Case("signing.revisions", "GET", "/reports/{signed_day}/revisions", only(ROLES, OK)),
    Case("signing.revisions", "POST", "/reports/{signed_day}/revisions", everyone(NOT_ALLOWED)),
    Case("signing.correct", "GET", "/reports/{signed_day}/correct", everyone(NOT_ALLOWED)),
    Case(
        "signing.correct", "POST", "/reports/{signed_day}/correct", only(LEADER, DONE), "correction", changes_data=True
    ),
    Case("signing.resend", "GET", "/outbox/{entry_id}/resend", everyone(NOT_ALLOWED)),
    Case("signing.resend", "POST", "/outbox/{entry_id}/resend", only(("leader", "admin"), DONE), changes_data=True),
    Case("signing.delivery", "GET", "/reports/{signed_day}/revisions/1/delivery", only(ROLES, OK)),
    Case("signing.delivery", "POST", "/reports/{signed_day}/revisions/1/delivery", everyone(NOT_ALLOWED)),
    Case("signing.day_status_badge", "GET", "/reports/{signed_day}/status", only(ROLES, OK)),
    Case("signing.day_status_badge", "POST", "/reports/{signed_day}/status", everyone(NOT_ALLOWED)),
    Case("signing.resend_all_refused", "GET", "/outbox/resend-refused", everyone(NOT_ALLOWED)),
    Case(
        "signing.resend_all_refused",
        "POST",
        "/outbox/resend-refused",
        only(("leader", "admin"), DONE),  # nothing refused in this history: nothing changes
    ),
    Case("signing.certificates", "GET", "/admin/certificates", only(ADMIN, OK)),
    Case("signing.certificates", "POST", "/admin/certificates", everyone(NOT_ALLOWED)),
    # PDFs, for everyone who reads reports; lists, archives and API tokens for reviewers and leaders.
    Case("pdf.daily", "GET", "/pdf/daily/{signed_day}.pdf", only(ROLES, OK)),
    Case("pdf.daily", "POST", "/pdf/daily/{signed_day}.pdf", everyone(NOT_ALLOWED)),
    Case("pdf.daily_revision", "GET", "/pdf/daily/{signed_day}/r1.pdf", only(ROLES, OK)),
    Case("pdf.daily_revision", "POST", "/pdf/daily/{signed_day}/r1.pdf", everyone(NOT_ALLOWED)),
    Case("pdf.index", "GET", "/pdf/", only(PULLERS, OK)),
    Case("pdf.index", "POST", "/pdf/", everyone(NOT_ALLOWED)),
    Case("pdf.range_archive", "GET", "/pdf/range.zip", only(PULLERS, OK)),
    Case("pdf.range_archive", "POST", "/pdf/range.zip", everyone(NOT_ALLOWED)),
    Case("pdf.month", "GET", "/pdf/month/{this_month}.pdf", only(PULLERS, OK)),
    Case("pdf.month", "POST", "/pdf/month/{this_month}.pdf", everyone(NOT_ALLOWED)),
    Case("pdf.month_late", "GET", "/pdf/month/{this_month}/late.pdf", only(PULLERS, OK)),
    Case("pdf.month_late", "POST", "/pdf/month/{this_month}/late.pdf", everyone(NOT_ALLOWED)),
    # Signing a month's documents: the leader's, like signing a day.
    Case("pdf.month_sign", "GET", "/pdf/month/{last_month}/sign", only(LEADER, OK)),
    Case("pdf.month_sign", "POST", "/pdf/month/{last_month}/sign", only(LEADER, DONE), changes_data=True),
    Case("pdf.api_daily", "GET", "/api/v1/reports/{signed_day}.pdf", everyone(UNAUTHORIZED)),  # tokens: below
    Case("pdf.api_daily", "POST", "/api/v1/reports/{signed_day}.pdf", everyone(NOT_ALLOWED)),
    Case("pdf.api_month", "GET", "/api/v1/months/{last_month}.pdf", everyone(UNAUTHORIZED)),
    Case("pdf.api_month", "POST", "/api/v1/months/{last_month}.pdf", everyone(NOT_ALLOWED)),
    Case("pdf.api_month_late", "GET", "/api/v1/months/{last_month}/late.pdf", everyone(UNAUTHORIZED)),
    Case("pdf.api_month_late", "POST", "/api/v1/months/{last_month}/late.pdf", everyone(NOT_ALLOWED)),
    Case("pdf.tokens", "GET", "/account/tokens", only(PULLERS, OK)),
    Case("pdf.tokens", "POST", "/account/tokens", only(PULLERS, OK), "token", changes_data=True),
    Case("pdf.revoke_token", "GET", "/account/tokens/{token_id}/revoke", everyone(NOT_ALLOWED)),
    Case(
        "pdf.revoke_token",
        "POST",
        "/account/tokens/{token_id}/revoke",  # the reviewer's own token
        only(PULLERS, NOT_FOUND) | {"reviewer": DONE},
        changes_data=True,
    ),
    # The dossier log: staff, leaders and the admin import it; the admin maps other exports.
    Case("dossiers.index", "GET", "/dossiers/", only(UPLOADERS, OK)),
    Case("dossiers.index", "POST", "/dossiers/", only(UPLOADERS, DONE), "dossier_log", changes_data=True),
    Case("dossiers.mapping", "GET", "/dossiers/mapping", only(ADMIN, OK)),
    Case("dossiers.mapping", "POST", "/dossiers/mapping", only(ADMIN, OK), "dossier_log"),  # the preview
    Case("dossiers.withdraw", "GET", "/dossiers/imports/{log_import_id}/withdraw", only(ADMIN, OK)),
    Case(
        "dossiers.withdraw",
        "POST",
        "/dossiers/imports/{log_import_id}/withdraw",
        only(ADMIN, DONE),
        "withdraw",
        changes_data=True,
    ),
    Case("dossiers.override", "GET", "/dossiers/day/{log_day}/override/resolved_late", only(EDITORS, OK)),
    Case(
        "dossiers.override",
        "POST",
        "/dossiers/day/{log_day}/override/resolved_late",
        only(EDITORS, DONE),
        "override",
        changes_data=True,
    ),
    Case("dossiers.late_details", "GET", "/dossiers/late/{log_late_id}", everyone(NOT_ALLOWED)),
    Case(
        "dossiers.late_details",
        "POST",
        "/dossiers/late/{log_late_id}",
        only(EDITORS, DONE),
        "late_details",
        changes_data=True,
    ),
    # Plan tasks.
    Case("tasks.index", "GET", "/tasks/", only(ROLES, OK)),
    Case("tasks.index", "POST", "/tasks/", everyone(NOT_ALLOWED)),
    Case("tasks.detail", "GET", "/tasks/{task_id}", only(ROLES, OK)),
    Case("tasks.detail", "POST", "/tasks/{task_id}", everyone(NOT_ALLOWED)),
    Case("tasks.new", "GET", "/tasks/new", only(EDITORS, OK)),
    Case("tasks.new", "POST", "/tasks/new", only(EDITORS, DONE), "task", changes_data=True),
    Case("tasks.edit", "GET", "/tasks/{task_id}/edit", only(EDITORS, OK)),
    Case("tasks.edit", "POST", "/tasks/{task_id}/edit", only(EDITORS, DONE), "task_edit", changes_data=True),
    Case("tasks.progress", "GET", "/tasks/{task_id}/progress", everyone(NOT_ALLOWED)),
    Case("tasks.progress", "POST", "/tasks/{task_id}/progress", only(EDITORS, DONE), "progress", changes_data=True),
    Case("tasks.import_csv", "GET", "/tasks/import", only(EDITORS, OK)),
    Case("tasks.import_csv", "POST", "/tasks/import", only(EDITORS, DONE), "task_csv", changes_data=True),
    # The response team and its support log.
    Case("team.index", "GET", "/team/", only(ROLES, OK)),
    Case("team.save", "POST", "/team/", only(MANAGERS, DONE), "team", changes_data=True),
    Case("team.add_member", "GET", "/team/members", everyone(NOT_ALLOWED)),
    Case("team.add_member", "POST", "/team/members", only(MANAGERS, DONE), "member", changes_data=True),
    Case("team.remove_member", "GET", "/team/members/{member_id}/remove", everyone(NOT_ALLOWED)),
    Case("team.remove_member", "POST", "/team/members/{member_id}/remove", only(MANAGERS, DONE), changes_data=True),
    Case("team.cases", "GET", "/team/cases", only(ROLES, OK)),
    Case("team.cases", "POST", "/team/cases", only(EDITORS, DONE), "support_case", changes_data=True),
    Case("team.remove_case", "GET", "/team/cases/{case_id}/remove", everyone(NOT_ALLOWED)),
    Case("team.remove_case", "POST", "/team/cases/{case_id}/remove", only(EDITORS, DONE), changes_data=True),
    # The admin's pages.
    Case("admin.users", "GET", "/admin/users", only(ADMIN, OK)),
    Case("admin.users", "POST", "/admin/users", everyone(NOT_ALLOWED)),
    Case("admin.new_user", "GET", "/admin/users/new", only(ADMIN, OK)),
    Case("admin.new_user", "POST", "/admin/users/new", only(ADMIN, DONE), "new_user", changes_data=True),
    Case("admin.edit_user", "GET", "/admin/users/{staff_id}", only(ADMIN, OK)),
    Case("admin.edit_user", "POST", "/admin/users/{staff_id}", only(ADMIN, DONE), "edit_user", changes_data=True),
    Case("admin.unlock_user", "GET", "/admin/users/{staff_id}/unlock", everyone(NOT_ALLOWED)),
    Case("admin.unlock_user", "POST", "/admin/users/{staff_id}/unlock", only(ADMIN, DONE), changes_data=True),
    Case("commune.settings", "GET", "/settings", only(ADMIN, OK)),
    Case("commune.settings", "POST", "/settings", only(ADMIN, DONE), "settings", changes_data=True),
    Case("evidence.edit_categories", "GET", "/settings/photo-categories", only(ADMIN, OK)),
    Case(
        "evidence.edit_categories",
        "POST",
        "/settings/photo-categories",
        only(ADMIN, DONE),
        "category",
        changes_data=True,
    ),
    Case("audit.index", "GET", "/admin/audit/", only(ADMIN, OK)),
    Case("audit.access", "GET", "/admin/audit/access", only(ADMIN, OK)),
    Case("audit.access", "POST", "/admin/audit/access", everyone(NOT_ALLOWED)),
    # The personal-data notice: anyone, signed in or not.
    Case("privacy.notice", "GET", "/privacy", everyone(OK)),
    Case("privacy.notice", "POST", "/privacy", everyone(NOT_ALLOWED)),
    # The archival hand-over package: the admin's.
    Case("handover.index", "GET", "/admin/archive/", only(ADMIN, OK)),
    Case("handover.download", "POST", "/admin/archive/", only(ADMIN, OK), "archive_year", changes_data=True),
    Case("audit.index", "POST", "/admin/audit/", everyone(NOT_ALLOWED)),
    # Signing in and out, and the language, work for everyone.
    Case("auth.login", "GET", "/login", signed_in(HOME, anonymous=OK)),
    Case("auth.login", "POST", "/login", signed_in(HOME, anonymous=DONE), "credentials"),
    Case("auth.logout", "GET", "/logout", everyone(NOT_ALLOWED)),
    Case("auth.logout", "POST", "/logout", everyone(DONE)),
    Case("auth.language", "GET", "/language", everyone(NOT_ALLOWED)),
    Case("auth.language", "POST", "/language", everyone(DONE), "language"),
    # The first-run set-up is gone once the commune exists.
    Case("setup.setup", "GET", "/setup", everyone(NOT_FOUND)),
    Case("setup.setup", "POST", "/setup", everyone(NOT_FOUND), "setup"),
    Case("setup.search", "GET", "/setup/communes?q=hai+chau", everyone(NOT_FOUND)),
    Case("setup.search", "POST", "/setup/communes", everyone(NOT_ALLOWED)),
    # Public.
    Case("healthz", "GET", "/healthz", everyone(OK)),
    Case("healthz", "POST", "/healthz", everyone(NOT_ALLOWED)),
    Case("static", "GET", "/static/css/app.css", everyone(OK)),
    Case("static", "POST", "/static/css/app.css", everyone(NOT_ALLOWED)),
)


def small_jpeg(seed: int, taken: dt.datetime | None = None) -> bytes:
    """A small, real JPEG (the app decodes every upload); ``seed`` makes it unique; ``taken`` is
    the camera's capture time (a photo without one cannot tick its checklist category)."""
    out = io.BytesIO()
    exif = Image.Exif()
    if taken is not None:
        exif.get_ifd(0x8769)[0x9003] = taken.strftime("%Y:%m:%d %H:%M:%S")
    image = Image.new("RGB", (64, 48), (seed * 67 % 256, seed * 151 % 256, 200))
    image.save(out, "JPEG", comment=f"{seed}", exif=exif)
    return out.getvalue()


class World:
    """What the routes act on, made only when a case's URL or form names it."""

    def __init__(self, users, commune):
        self.users = users
        self.commune = commune
        self.today = clock.today().isoformat()
        self.yesterday = (clock.today() - dt.timedelta(days=1)).isoformat()

    @property
    def staff(self):
        return self.users["staff"]

    @property
    def staff_id(self) -> int:
        return self.staff.id

    @functools.cached_property
    def report(self):
        return factories.make_report(self.commune, clock.today() - dt.timedelta(days=1), self.staff)

    @functools.cached_property
    def category_id(self) -> int:
        return db.session.scalars(db.select(PhotoCategory.id).filter_by(commune_id=self.commune.id)).first()

    @functools.cached_property
    def photo_id(self) -> int:
        category = db.session.get(PhotoCategory, self.category_id)
        return add_photo(self.report, small_jpeg(1), "IMG_0001.jpg", category, "Quầy tiếp nhận", self.staff).id

    @functools.cached_property
    def dossier_id(self) -> int:
        values, errors = parse_late_dossier(POST_DATA["late"](self))
        assert not errors, errors
        dossier = add_late_dossier(self.report, values, self.staff)
        db.session.commit()
        return dossier.id

    @functools.cached_property
    def log_day(self) -> str:
        """Yesterday, with a dossier log imported: one dossier resolved late that day."""
        assert self.report  # yesterday's report exists: the import fills its late list
        outcome = import_file(self.commune.id, "so.csv", dossier_log_csv(), self.staff)
        assert outcome.ok, outcome.errors
        return self.yesterday

    @functools.cached_property
    def log_import_id(self) -> int:
        assert self.log_day
        return db.session.scalars(db.select(DossierImport.id)).one()

    @functools.cached_property
    def log_late_id(self) -> int:
        assert self.log_day
        return db.session.scalars(db.select(LateDossier.id).filter_by(dossier_code="LOG-1")).one()

    @functools.cached_property
    def task_id(self) -> int:
        values, errors = parse_task_form(POST_DATA["task"](self) | {"code": "KH-01"}, self.commune.id)
        assert not errors, errors
        task = create_task(self.commune.id, values, self.staff)
        db.session.commit()
        return task.id

    @functools.cached_property
    def member_id(self) -> int:
        member = TeamMember(team=ensure_team(self.commune.id), name="Võ Văn Nam", field="technology")
        db.session.add(member)
        db.session.commit()
        return member.id

    @functools.cached_property
    def case_id(self) -> int:
        case = SupportCase(
            commune_id=self.commune.id,
            date=clock.today(),
            time=dt.time(9, 30),
            procedure="Đăng ký khai sinh",
            problem="Chưa có tài khoản định danh.",
            recorded_by_id=self.staff.id,
        )
        db.session.add(case)
        db.session.commit()
        return case.id

    def _ready_report(self, days_ago: int):
        """A consistent day with a photo of every required kind and nothing late: signable."""
        report = factories.make_report(
            self.commune,
            clock.today() - dt.timedelta(days=days_ago),
            self.staff,
            resolved_on_time=20,
            resolved_late=0,
            pending_within=12,
            pending_overdue=0,
            apology_letters=0,
        )
        for n, category in enumerate(c for c in categories(self.commune.id) if c.required):
            photo = small_jpeg(100 * days_ago + n, dt.datetime.combine(report.date, dt.time(9, n)))
            add_photo(report, photo, f"IMG_{n}.jpg", category, category.label, self.staff)
        return report

    @functools.cached_property
    def ready_day(self) -> str:
        return self._ready_report(3).date.isoformat()

    @functools.cached_property
    def signed_day(self) -> str:
        report = self._ready_report(4)
        sign_report(self.commune, report, self.users["leader"], late_reason="Ký bổ sung sau hạn.")
        return report.date.isoformat()

    @property
    def this_month(self) -> str:
        return clock.today().strftime("%Y-%m")

    @property
    def last_month(self) -> str:
        return (clock.today().replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")

    @functools.cached_property
    def token_id(self) -> int:
        row, _secret = ApiToken.issue(self.users["reviewer"], "Máy chủ Sở KH&CN")
        db.session.add(row)
        db.session.commit()
        return row.id

    @functools.cached_property
    def entry_id(self) -> int:
        assert self.signed_day
        return db.session.scalars(db.select(OutboxEntry.id)).one()


class NoWorld:
    """Before the commune exists: every id is 1 (the request never gets that far)."""

    def __init__(self):
        self.today = clock.today().isoformat()
        self.yesterday = (clock.today() - dt.timedelta(days=1)).isoformat()

    def __getattr__(self, name: str):
        return 1


def dossier_log_csv() -> bytes:
    """A dossier log: LOG-1 resolved late yesterday, LOG-2 still open."""
    yesterday = clock.today() - dt.timedelta(days=1)

    def at(days: int, hour: int) -> dt.datetime:
        return dt.datetime.combine(yesterday + dt.timedelta(days=days), dt.time(hour))

    return csv_bytes([row("LOG-1", at(-2, 9), at(-1, 17), at(0, 10)), row("LOG-2", at(0, 9), at(3, 17))], "utf-8")


def in_a_month(w: World) -> str:
    return (clock.today() + dt.timedelta(days=30)).isoformat()


POST_DATA = {
    "archive_year": lambda w: {"year": str(clock.today().year)},
    "password": lambda w: {
        "current_password": factories.PASSWORD,
        "new_password": "a-new-password-7",
        "confirm_password": "a-new-password-7",
    },
    "report": lambda w: factories.form_data(highlights="Người dân đến đông vào buổi sáng."),
    "other_day": lambda w: {"date": w.yesterday},
    "photo": lambda w: {
        "category": str(w.category_id),
        "caption": "Bảng niêm yết thủ tục",
        "photo": (io.BytesIO(small_jpeg(2)), "IMG_0002.jpg"),
    },
    "late": lambda w: {
        "kind": "resolved_late",
        "count": "1",
        "procedure": "Chứng thực bản sao",
        "officer": "Lê Văn An",
        "unit": "Bộ phận một cửa",
        "cause": "Chờ xác minh với cấp trên.",
    },
    "explanation": lambda w: {
        "item": f"late:{w.dossier_id}",
        "cause": "Chờ ý kiến cấp trên.",
        "remedy": "Theo dõi, trả kết quả theo lịch hẹn mới.",
        "responsible": "Lê Văn An",
        "new_date": in_a_month(w),
    },
    "sign": lambda w: {"late_reason": "Ký bổ sung sau hạn do mất điện."},
    "dossier_log": lambda w: {"file": (io.BytesIO(dossier_log_csv()), "so-theo-doi.csv")},
    "override": lambda w: {"value": "0", "reason": "Hồ sơ LOG-1 được gia hạn hợp lệ, sổ chưa cập nhật."},
    "late_details": lambda w: {"cause": "Chờ xác minh với cấp trên.", "apology_issued": "1"},
    "withdraw": lambda w: {"reason": "Nhầm tệp của tháng trước."},
    "correction": lambda w: {"reason": "Nhập nhầm số hồ sơ tiếp nhận trực tuyến."},
    "token": lambda w: {"name": "Máy chủ Sở KH&CN"},
    "task": lambda w: {
        "code": "KH-99",
        "title": "Số hóa hồ sơ đất đai",
        "start_date": w.today,
        "deadline": in_a_month(w),
    },
    "task_edit": lambda w: {
        "code": "KH-01",
        "title": "Số hóa toàn bộ hồ sơ đất đai",
        "start_date": w.today,
        "deadline": in_a_month(w),
    },
    "progress": lambda w: {"percent": "40", "note": "Đã số hóa 400 hồ sơ."},
    "task_csv": lambda w: {
        "file": (io.BytesIO("code,title,deadline\nKH-50,Rà soát thủ tục,31/12/2030\n".encode()), "nhiem-vu.csv")
    },
    "team": lambda w: {
        "decision_number": "12/QĐ-UBND",
        "decision_date": w.yesterday,
        "decision_signer": "Chủ tịch UBND phường",
        "duties": "Hỗ trợ người dân nộp hồ sơ trực tuyến.",
    },
    "member": lambda w: {"name": "Trần Thị Bình", "field": "professional", "phone": "0905 123 456"},
    "support_case": lambda w: {
        "date": w.today,
        "time": "10:15",
        "procedure": "Cấp bản sao trích lục",
        "problem": "Không đăng nhập được Cổng dịch vụ công.",
    },
    "new_user": lambda w: {
        "username": "lan.ngo",
        "full_name": "Ngô Thị Lan",
        "position": "Văn thư",
        "role": "staff",
        "password": "mat-khau-du-dai",
    },
    "edit_user": lambda w: {
        "full_name": "Người dùng staff",
        "position": "Tổ trưởng Tổ một cửa",
        "role": "staff",
        "active": "1",
        "password": "",
    },
    "settings": lambda w: {"deadline": "16:30"},
    "category": lambda w: {"new_label": "Ảnh hòm thư góp ý"},
    "credentials": lambda w: {"username": "staff", "password": factories.PASSWORD},
    "language": lambda w: {"locale": "vi", "next": "/"},
    "setup": lambda w: {
        "code": "20242",
        "deadline": "17:00",
        "username": "newadmin",
        "full_name": "Quản Trị",
        "password": "mat-khau-du-dai",
    },
}


def case_id(case: Case) -> str:
    return f"{case.method} {case.endpoint}"


def persona_cases() -> list:
    return [pytest.param(case, persona, id=f"{case_id(case)} as {persona}") for case in CASES for persona in PERSONAS]


def url_of(case: Case, world: World | NoWorld) -> str:
    names = {name for _, name, _, _ in string.Formatter().parse(case.path) if name}
    return case.path.format(**{name: getattr(world, name) for name in names})


def prepare(case: Case, world: World | NoWorld) -> tuple[str, dict | None]:
    """The URL and form of a case, making what they refer to first."""
    url = url_of(case, world)
    data = POST_DATA[case.data](world) if case.data else {}
    return url, data if case.method == "POST" else None


def send(client, case: Case, url: str, data: dict | None):
    response = client.open(url, method=case.method, data=data)
    response.close()  # static files and photos are streamed from disk
    return response


def database_state() -> tuple:
    """Everything a refused request must leave untouched (every change writes an audit line)."""
    db.session.expire_all()
    return (
        db.session.scalar(db.select(db.func.count()).select_from(AuditEvent)),
        db.session.execute(db.select(DailyReport.date, DailyReport.version).order_by(DailyReport.date)).all(),
        [(u.username, u.password_hash, u.snapshot()) for u in db.session.scalars(db.select(User).order_by(User.id))],
        [c.settings_snapshot() for c in db.session.scalars(db.select(Commune))],
    )


def assert_outcome(response, expected, url: str) -> None:
    if expected == LOGIN:
        assert response.status_code == 302, response.status_code
        assert login_redirect_target(response) == url
    elif expected == HOME:
        assert response.status_code == 302
        assert response.headers["Location"] == "/"
    else:
        assert response.status_code == expected, (response.status_code, response.headers.get("Location"))
        if expected == FORBIDDEN:
            assert "Không có quyền" in response.text
        elif expected == NOT_FOUND:
            assert "Không tìm thấy" in response.text


@pytest.fixture
def world(users, commune) -> World:
    return World(users, commune)


# --- The tests ---------------------------------------------------------------------------------


def required_cases(app) -> set[tuple[str, str]]:
    """(endpoint, method) for GET and POST on every rule; a method no rule of that path serves
    must be in the table too (as 405)."""
    rules = list(app.url_map.iter_rules())
    served = {(rule.rule, method) for rule in rules for method in rule.methods}
    required = set()
    for rule in rules:
        for method in ("GET", "POST"):
            if method in rule.methods or (rule.rule, method) not in served:
                required.add((rule.endpoint, method))
    return required


def test_it_has_a_rule_for_every_route(app):
    """A new route fails here until the table says who may GET and POST it."""
    table = {(case.endpoint, case.method) for case in CASES}
    assert required_cases(app) - table == set(), "routes missing from the access table"
    assert table - required_cases(app) == set(), "the access table lists routes the app no longer has"
    assert len(table) == len(CASES), "a route is listed twice"


@pytest.mark.parametrize(("case", "persona"), persona_cases())
def test_it_lets_in_only_the_right_personas(client, auth, world, case, persona):
    if persona != ANONYMOUS:
        auth.login(persona)
    url, data = prepare(case, world)
    before = database_state()

    response = send(client, case, url, data)

    expected = case.expect[persona]
    assert_outcome(response, expected, url)
    if expected not in (OK, DONE) and case.method == "POST":
        assert database_state() == before, "a refused request changed something"
    if expected in (OK, DONE) and case.changes_data:
        assert database_state() != before, "an accepted change was not saved"


@pytest.mark.parametrize(
    "case",
    [c for c in CASES if c.expect[ANONYMOUS] == LOGIN and any(c.expect[r] in (OK, DONE) for r in ROLES)],
    ids=case_id,
)
def test_it_brings_anonymous_visitors_back_after_signing_in(client, world, case):
    url, data = prepare(case, world)
    response = send(client, case, url, data)
    target = login_redirect_target(response)
    assert target == url

    allowed = next(role for role in ROLES if case.expect[role] in (OK, DONE))
    signed_in = client.post(
        "/login", query_string={"next": target}, data={"username": allowed, "password": factories.PASSWORD}
    )

    assert signed_in.status_code == 303
    assert signed_in.headers["Location"] == url


def api_token(user) -> str:
    row, secret = ApiToken.issue(user, "Máy chủ Sở KH&CN")
    db.session.add(row)
    db.session.commit()
    return secret


@pytest.mark.parametrize(
    ("owner", "expected"), [("reviewer", OK), ("leader", OK), ("admin", OK), ("staff", UNAUTHORIZED)]
)
def test_it_serves_the_pdf_api_to_tokens_of_people_who_may_pull(client, world, owner, expected):
    secret = api_token(world.users[owner])

    response = client.get(f"/api/v1/reports/{world.signed_day}.pdf", headers={"Authorization": f"Bearer {secret}"})

    response.close()
    assert response.status_code == expected
    if expected == OK:
        assert response.mimetype == "application/pdf"


@pytest.mark.parametrize("spoil", ["revoked", "deactivated", "wrong", "no bearer"])
def test_it_refuses_tokens_that_no_longer_open_the_api(client, world, spoil):
    reviewer = world.users["reviewer"]
    secret = api_token(reviewer)
    if spoil == "revoked":
        db.session.scalars(db.select(ApiToken)).one().revoked_at = clock.utcnow()
    elif spoil == "deactivated":
        reviewer.active = False
    db.session.commit()
    header = {"wrong": f"Bearer {secret}x", "no bearer": secret}.get(spoil, f"Bearer {secret}")

    response = client.get(f"/api/v1/reports/{world.signed_day}.pdf", headers={"Authorization": header})

    assert response.status_code == UNAUTHORIZED
    assert response.json["error"] == "unauthorized"


def test_it_shows_reviewers_the_report_without_a_way_to_change_it(client, auth, users, commune):
    day = clock.today() - dt.timedelta(days=2)
    factories.make_report(commune, day, users["staff"], received_online=12)
    auth.login("reviewer")

    page = Page.of(client.get(f"/reports/{day.isoformat()}"))
    refused = client.post(f"/reports/{day.isoformat()}", data=factories.form_data(version=1, received_online=99))

    assert page.value("received_online") == "12"
    assert "disabled" in page.field("received_online").attrs
    assert not page.has_id("save")
    assert refused.status_code == 403
    db.session.expire_all()
    report = db.session.scalar(db.select(DailyReport).filter_by(date=day))
    assert (report.received_online, report.version) == (12, 1)


def test_it_tells_reviewers_when_a_day_has_no_report(client, auth, users):
    auth.login("reviewer")
    page = Page.of(client.get(f"/reports/{clock.today().isoformat()}"))
    assert "Ngày này chưa có báo cáo." in page.html
    assert not page.find("form", id="report-form")


@pytest.mark.parametrize(("persona", "sees_admin_menu"), [("staff", False), ("reviewer", False), ("admin", True)])
def test_it_shows_the_admin_menu_to_admins_only(client, auth, users, persona, sees_admin_menu):
    auth.login(persona)
    links = {a.attrs.get("href") for a in Page.of(client.get("/")).find("a")}
    assert ({"/admin/users", "/settings", "/admin/audit/"} <= links) is sees_admin_menu


@pytest.mark.parametrize("path", ["/", "/login", "/reports/", "/admin/users"])
def test_it_sends_security_headers_with_every_page(client, auth, users, path):
    auth.login("admin")
    response = client.get(path)
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


# --- Before the commune is set up ---------------------------------------------------------------

BEFORE_SETUP = {  # everything else sends the visitor to /setup
    ("setup.setup", "GET"): OK,
    ("setup.setup", "POST"): DONE,  # what it does is tested below
    ("setup.search", "GET"): OK,
    ("healthz", "GET"): OK,
    ("static", "GET"): OK,
    ("auth.language", "POST"): DONE,
}


@pytest.mark.parametrize("case", [c for c in CASES if c.expect[ANONYMOUS] != NOT_ALLOWED], ids=case_id)
def test_it_sends_everyone_to_setup_before_the_commune_exists(client, app, case):
    url, data = prepare(case, NoWorld())
    response = send(client, case, url, data)

    expected = BEFORE_SETUP.get((case.endpoint, case.method))
    if expected is None:
        assert response.status_code == 302
        assert response.headers["Location"] == "/setup"
        assert db.session.scalar(db.select(Commune)) is None
    else:
        assert response.status_code == expected


def test_it_sets_up_the_commune_and_its_first_admin_then_closes_setup(client, app):
    found = client.get("/setup/communes", query_string={"q": "hai chau"})
    response = client.post("/setup", data=POST_DATA["setup"](NoWorld()))

    assert "20242" in found.text
    assert response.status_code == 303
    assert response.headers["Location"] == "/admin/users"
    assert client.get("/admin/users").status_code == 200  # signed in as the new admin
    commune = db.session.scalar(db.select(Commune))
    assert (commune.code, commune.name) == ("20242", "Phường Hải Châu")
    assert client.get("/setup").status_code == 404
    assert isolated_client(app).get("/setup").status_code == 404


def test_it_keeps_what_was_typed_when_setup_is_incomplete(client, app):
    data = POST_DATA["setup"](NoWorld()) | {"code": "", "full_name": "Trần Thị Bích"}
    response = client.post("/setup", data=data)

    page = Page.of(response)
    assert response.status_code == 422
    assert "Chọn xã/phường" in page.text("err-code")
    assert page.value("full_name") == "Trần Thị Bích"
    assert client.get("/").headers["Location"] == "/setup"
