"""Every page of both apps, as every persona, at 360×640 and 390×844: nothing scrolls sideways and
axe-core finds nothing serious or critical. One browser, one context per persona and viewport.

The demo commune (three weeks of history, signed days, a correction, photos, tasks, the team) is
pushed to a real city intake, so the city's pages have reports to show.
"""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import dataclass

import pytest

from tests import factories
from tests.conftest import make_app
from wardapp.core import clock
from wardapp.extensions import db

from .conftest import LOCAL_HOST, SHOTS, _serve
from .screens import VIEWPORTS, Visit, axe_source, check_page, shot_path

pytestmark = pytest.mark.browser

COMMUNE_PERSONAS = ("staff", "leader", "reviewer", "admin")
CITY_PERSONAS = ("sokhcn", "cityadmin")


@dataclass
class Screens:
    commune_url: str
    city_url: str
    today: dt.date
    signed_day: dt.date  # signed and received by the city
    corrected_day: dt.date  # two revisions: the diff
    late_day: dt.date  # the latest day with late dossiers (not yet explained)
    task_id: int
    user_id: int
    report_id: str  # a report as the city stores it
    heavy_day: dt.date  # unsigned, 27 overdue dossiers with long codes, half of them explained


def _heavy_day(day: dt.date) -> None:
    """An unsigned day with many items (issue 23): 27 overdue dossiers in three causes, long
    dossier codes and procedures, the first cause explained by the group."""
    from wardapp.auth.models import User
    from wardapp.commune.models import Commune
    from wardapp.delays.models import LateDossier
    from wardapp.delays.operations import explain
    from wardapp.delays.readiness import readiness

    commune = Commune.current()
    staff = db.session.scalar(db.select(User).filter_by(username="staff"))
    leader = db.session.scalar(db.select(User).filter_by(username="leader"))
    report = factories.make_report(
        commune,
        day,
        staff,
        resolved_early=0,
        resolved_on_time=13,
        resolved_late=0,
        pending_within=0,
        pending_overdue=27,
        apology_letters=12,
        response_team_cases=0,
        e_results=10,
    )
    causes = ("Chờ kết quả đo đạc địa chính", "Thiếu chữ ký của lãnh đạo phòng", "")
    for n in range(27):
        db.session.add(
            LateDossier(
                report_id=report.id,
                kind="pending_overdue",
                procedure="Đăng ký đất đai, tài sản gắn liền với đất, cấp giấy chứng nhận quyền sử dụng đất lần đầu",
                dossier_code=f"000.00.20.H48-{day:%y%m%d}-{n:04}-SOHOSOLIENTHONGDAIKHONGNGAT",
                officer=("Nguyễn Thị Thanh Hương", "Trần Văn Nam", "Lê Thị Lan")[n % 3],
                cause=causes[n % 3],
                apology_issued=n % 2 == 0,
                new_appointment=day + dt.timedelta(days=5) if n % 3 == 0 else None,
            )
        )
    db.session.flush()
    words = {"cause": causes[0], "remedy": "Đôn đốc", "responsible": "Phó Chủ tịch", "new_date": day}
    for item in readiness(commune, report, day).items:
        if item.key.startswith("late:") and int(item.key[5:]) % 3 == 1:
            explain(report, item, words, leader)
    db.session.commit()


@pytest.fixture(scope="module")
def screens(tmp_path_factory, migrated_db, migrated_city):
    """Both apps served for real, with the demo commune's history signed and sent to the city."""
    from cryptography.hazmat.primitives import serialization

    from wardapp.auth.models import User
    from wardapp.city.app import create_app as create_city_app
    from wardapp.city.enrolment.operations import enrol, enrol_ca
    from wardapp.city.extensions import city_db
    from wardapp.city.models import CityUser
    from wardapp.delays.models import LateDossier
    from wardapp.delivery.sender import send_due
    from wardapp.demo.seed import seed
    from wardapp.demo.signed import CORRECTED_DAY
    from wardapp.reports.models import DailyReport
    from wardapp.signing import documents, keys
    from wardapp.signing.models import ReportRevision
    from wardapp.tasks.models import Task

    today = clock.today()
    app = make_app(tmp_path_factory.mktemp("screens"), migrated_db, WTF_CSRF_ENABLED=True)
    city_instance = tmp_path_factory.mktemp("screens-city")
    shutil.copy(migrated_city, city_instance / "city.sqlite3")
    city = create_city_app({"INSTANCE_PATH": city_instance, "TESTING": True, "SECRET_KEY": "city-screens"})
    city_server, city_thread = _serve(city)
    city_url = f"http://{LOCAL_HOST}:{city_server.server_port}"
    with app.app_context():
        seed(today, factories.PASSWORD, days=20)
        jwk = dict(keys.ensure_key().public_jwk)
        ca_pem = b"".join(c.public_bytes(serialization.Encoding.PEM) for c in documents.trust_roots())
        db.session.commit()
        with city.app_context():
            for username, role in (("sokhcn", "reviewer"), ("cityadmin", "admin")):
                user = CityUser(username=username, full_name=f"Cán bộ Sở {role}", role=role)
                user.set_password(factories.PASSWORD)
                city_db.session.add(user)
            enrol("20242", jwk)
            enrol_ca("20242", ca_pem)  # what `flask pdf-cert export-roots` prints: the city checks PDFs
            city_db.session.commit()
            city_db.session.remove()
        app.config["CITY_URL"] = city_url
        assert send_due().get("accepted", 0) >= 7
        corrected = today - dt.timedelta(days=CORRECTED_DAY)
        report_key = db.session.scalars(db.select(ReportRevision.report_key).order_by(ReportRevision.id)).first()
        late_day = db.session.scalar(
            db.select(DailyReport.date)
            .join(LateDossier, LateDossier.report_id == DailyReport.id)
            .order_by(DailyReport.date.desc())
            .limit(1)
        )
        task_id = db.session.scalars(db.select(Task.id).order_by(Task.id)).first()
        heavy_day = today - dt.timedelta(days=25)
        _heavy_day(heavy_day)
        user_id = db.session.scalar(db.select(User.id).filter_by(username="staff"))
        db.session.remove()
    server, thread = _serve(app)
    try:
        yield Screens(
            commune_url=f"http://{LOCAL_HOST}:{server.server_port}",
            city_url=city_url,
            today=today,
            signed_day=today - dt.timedelta(days=3),
            corrected_day=corrected,
            late_day=late_day,
            task_id=task_id,
            user_id=user_id,
            report_id=report_key,
            heavy_day=heavy_day,
        )
    finally:
        for srv, thr in ((server, thread), (city_server, city_thread)):
            srv.shutdown()
            srv.server_close()
            thr.join(timeout=10)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        with city.app_context():
            city_db.session.remove()
            city_db.engine.dispose()


def commune_visits(s: Screens) -> list[Visit]:
    """Every page of the commune app each persona can open."""
    today, signed, corrected = s.today.isoformat(), s.signed_day.isoformat(), s.corrected_day.isoformat()
    yesterday = (s.today - dt.timedelta(days=1)).isoformat()
    everyone = [
        "/",
        "/reports/",
        f"/reports/{today}",
        f"/reports/{signed}",
        f"/reports/{today}/photos",
        f"/reports/{signed}/photos",
        f"/reports/{today}/late",
        f"/reports/{today}/explain",
        f"/reports/{yesterday}/explain",
        f"/reports/{s.late_day.isoformat()}/late",
        f"/reports/{s.heavy_day.isoformat()}/explain",  # an unsigned day with many items
        f"/reports/{s.heavy_day.isoformat()}/late",  # the late list with data and its forms
        f"/reports/{signed}/revisions",
        f"/reports/{corrected}/revisions",
        "/tasks/",
        f"/tasks/{s.task_id}",
        "/team/",
        "/team/cases",
        "/delays",
        "/account",
        "/privacy",
    ]
    editors = ["/reports/new", "/tasks/new", "/tasks/import", f"/tasks/{s.task_id}/edit"]
    pdf_readers = ["/pdf/", "/account/tokens"]
    admin = [
        "/admin/users",
        "/admin/users/new",
        f"/admin/users/{s.user_id}",
        "/settings",
        "/settings/photo-categories",
        "/admin/audit/",
        "/admin/audit/access",
        "/admin/archive/",
    ]
    per_role = {
        "staff": everyone + editors,
        "leader": everyone
        + editors
        + pdf_readers
        + [
            f"/reports/{(s.today - dt.timedelta(days=1)).isoformat()}/sign",
            f"/reports/{s.heavy_day.isoformat()}/sign",  # a day being signed: long codes in the document
            f"/pdf/month/{(s.today.replace(day=1) - dt.timedelta(days=1)):%Y-%m}/sign",  # signing a month
        ],
        "reviewer": everyone + pdf_readers,
        "admin": everyone + pdf_readers + admin,
    }
    visits = [Visit("commune", "", "/login")]
    for persona in COMMUNE_PERSONAS:
        visits += [Visit("commune", persona, path) for path in per_role[persona]]
    return visits


def city_visits(s: Screens) -> list[Visit]:
    """Every page of the city intake each of its personas can open."""
    pages = [
        "/",  # the province overview
        "/grid",
        "/ii06a",
        "/reminders",
        "/verify",
        "/log",
        f"/reports/{s.report_id}",
        "/account/tokens",
        "/communes",
        "/consolidated",
        "/review",
        "/review/flags",
        "/review/one-stop",
        f"/communes/{s.report_id[:5]}/review",
    ]
    visits = [Visit("city", "", "/login")]
    for persona in CITY_PERSONAS:
        visits += [Visit("city", persona, path) for path in pages]
    visits.append(Visit("city", "cityadmin", "/security"))
    return visits


def _log_in(page, username: str) -> None:
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", factories.PASSWORD)
    page.click("form button.primary")
    page.wait_for_url(lambda url: "/login" not in url)


def check_visits(chromium, visits: list[Visit], base_url: str, viewport: dict) -> list[str]:
    label = f"{viewport['width']}x{viewport['height']}"
    """Open each visit in a context per persona (same viewport) and return every problem found."""
    source = axe_source()
    problems: list[str] = []
    for persona in dict.fromkeys(v.persona for v in visits):
        context = chromium.new_context(
            base_url=base_url,
            viewport=viewport,
            is_mobile=True,
            has_touch=True,
            locale="vi-VN",
            timezone_id="Asia/Ho_Chi_Minh",
        )
        context.set_default_timeout(15_000)
        page = context.new_page()
        try:
            if persona:
                _log_in(page, persona)
            for visit in (v for v in visits if v.persona == persona):
                problems += check_page(page, visit, source, shot_path(SHOTS, label, visit))
        finally:
            context.close()
    return problems


@pytest.mark.parametrize("viewport", VIEWPORTS)
@pytest.mark.parametrize("app", ["commune", "city"])
def test_every_page_fits_the_phone_and_passes_axe(chromium, screens, app, viewport):
    if app == "commune":
        visits, base = commune_visits(screens), screens.commune_url
    else:
        visits, base = city_visits(screens), screens.city_url
    problems = check_visits(chromium, visits, base, VIEWPORTS[viewport])
    assert not problems, f"{len(problems)} problems at {viewport}:\n" + "\n".join(problems)
