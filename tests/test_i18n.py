"""Vietnamese formats on every page: dates dd/mm/yyyy, 42,5%, 1.234; Vietnam time in the log."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from wardapp.audit.models import AuditEvent
from wardapp.core import clock
from wardapp.extensions import db

from . import factories
from .helpers import Page

DAY = dt.date(2025, 3, 5)
# 17 of 40 dossiers came in online (42,5%); 1,234 received in a busy week's catch-up day.
ONLINE = {
    "received_in_person": 20,
    "received_online": 17,
    "received_postal": 3,
    "online_full_process": 10,
    "online_partial": 7,
    "pending_within": 21,  # 10 more received than the ordinary day: still pending, so it adds up
}
BUSY = {"received_in_person": 1000, "received_online": 200, "received_postal": 34}


def rate(page: Page, name: str) -> str:
    """The value cell of the rate's row in the rates panel."""
    return page.next_after(page.find("tr", data_rate=name)[0], "td").text


def total(page: Page, name: str) -> str:
    return page.find("dd", data_total=name)[0].text


def test_it_writes_the_day_of_a_report_as_dd_mm_yyyy(client, auth, users, commune):
    factories.make_report(commune, DAY, users["staff"])
    auth.login("staff")

    form = Page.of(client.get("/reports/2025-03-05"))
    month = Page.of(client.get("/reports/", query_string={"month": "2025-03"}))

    assert form.find("h1")[0].text == "Báo cáo ngày 05/03/2025"
    assert [a.text for a in month.find("a", href="/reports/2025-03-05")] == ["05/03/2025"]
    assert month.find("h1")[0].text == "Báo cáo tháng 03/2025"


def test_it_writes_today_on_the_dashboard_as_dd_mm_yyyy(client, auth, users):
    auth.login("leader")
    assert f"Hôm nay {clock.today():%d/%m/%Y}" in Page.of(client.get("/")).html


def test_it_writes_rates_with_a_decimal_comma(client, auth, users, commune):
    factories.make_report(commune, DAY, users["staff"], **ONLINE)
    auth.login("reviewer")

    form = Page.of(client.get("/reports/2025-03-05"))
    month = Page.of(client.get("/reports/", query_string={"month": "2025-03"}))

    assert rate(form, "online_rate") == "42,5%"
    assert "42,5%" in [td.text for td in month.find("td", cls="num")]


def test_it_groups_thousands_with_a_dot(client, auth, users, commune):
    factories.make_report(commune, DAY, users["staff"], **BUSY)
    auth.login("staff")
    assert total(Page.of(client.get("/reports/2025-03-05")), "received") == "1.234"


def test_it_shows_a_dash_for_a_rate_with_nothing_to_divide_by(client, auth, users, commune):
    factories.make_report(
        commune, DAY, users["staff"], rating_very_satisfied=0, rating_satisfied=0, rating_unsatisfied=0
    )
    auth.login("staff")
    assert rate(Page.of(client.get("/reports/2025-03-05")), "satisfaction_rate") == "—"


def test_it_formats_the_live_check_like_the_page(client, auth, users):
    auth.login("staff")
    typed = {k: str(v) for k, v in factories.figures(**ONLINE, response_team_cases=0).items()}
    page = Page.of(client.get("/reports/2025-03-05/check", query_string=typed, headers={"HX-Request": "true"}))
    assert rate(page, "online_rate") == "42,5%"


def test_it_keeps_vietnamese_formats_whatever_the_browser_prefers(client, auth, users, commune):
    factories.make_report(commune, DAY, users["staff"], **ONLINE)
    auth.login("staff")
    page = Page.of(client.get("/reports/2025-03-05", headers={"Accept-Language": "en-US,en;q=0.9"}))
    assert rate(page, "online_rate") == "42,5%"
    assert page.find("h1")[0].text.endswith("05/03/2025")


def test_it_uses_english_number_formats_for_english_readers_but_keeps_the_date(client, auth, users, commune):
    factories.make_report(commune, DAY, users["staff"], **ONLINE)
    users["staff"].locale = "en"
    db.session.commit()
    auth.login("staff")

    page = Page.of(client.get("/reports/2025-03-05"))

    assert page.lang == "en"
    assert rate(page, "online_rate") == "42.5%"
    assert page.find("h1")[0].text.endswith("05/03/2025")


def test_it_shows_audit_times_in_vietnam_time(client, auth, users):
    # 18:30 UTC on 1 March is 01:30 on 2 March in Vietnam.
    db.session.add(
        AuditEvent(
            action="settings.changed", actor_username="admin", summary="mốc-giờ", at=dt.datetime(2025, 3, 1, 18, 30)
        )
    )
    db.session.commit()
    auth.login("admin")

    page = Page.of(client.get("/admin/audit/", query_string={"action": "settings"}))

    assert page.find("td", **{"data-label": "Thời điểm"})[0].text == "01:30 02/03/2025"


def test_it_shows_the_lock_out_time_in_vietnam_time(client, users, app, auth):
    """The sign-in page never says whether or until when an account is locked (that would tell
    which usernames exist); the admin sees when the last failure was, in Vietnam time."""
    from wardapp.auth.models import LoginAttempt

    for _ in range(app.config["LOGIN_MAX_ATTEMPTS"]):
        client.post("/login", data={"username": "staff", "password": "wrong-password"})
    auth.login("admin")

    page = Page.of(client.get("/admin/users"))

    last_utc = db.session.scalar(db.select(db.func.max(LoginAttempt.at)).filter_by(username="staff"))
    vietnam = (last_utc + dt.timedelta(hours=7)).strftime("%H:%M %d/%m/%Y")
    assert f"lần cuối {vietnam}" in page.text("lock-staff")


def test_it_has_an_english_translation_for_every_message():
    """English is available for every screen: no message of the catalog is left untranslated."""
    from pathlib import Path

    from babel.messages.pofile import read_po

    po = Path(__file__).resolve().parent.parent / "wardapp/translations/en/LC_MESSAGES/messages.po"
    with po.open("rb") as fh:
        catalog = read_po(fh, locale="en")
    missing = [m.id for m in catalog if m.id and (not m.string or m.fuzzy)]
    assert missing == []


def test_every_message_of_the_sources_is_in_the_english_catalog():
    """What pybabel extracts (babel.cfg), and the labels marked with ``lazy_gettext``/``_l`` that
    it does not look for by default, each has its English: a new ``_()`` on a page, in a flash or
    in the kernel cannot ship without a translation."""
    from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
    from babel.messages.frontend import parse_mapping_cfg
    from babel.messages.pofile import read_po

    root = Path(__file__).resolve().parent.parent
    with (root / "babel.cfg").open() as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    keywords = {**DEFAULT_KEYWORDS, "lazy_gettext": None, "_l": None}
    extracted: dict[str, str] = {}
    for filename, line, message, _comments, _context in extract_from_dir(
        str(root), method_map, options_map, keywords=keywords, directory_filter=_sources(root)
    ):
        for msgid in message if isinstance(message, tuple) else (message,):
            if msgid:
                extracted.setdefault(msgid, f"{filename}:{line}")
    with (root / "wardapp/translations/en/LC_MESSAGES/messages.po").open("rb") as fh:
        catalog = read_po(fh, locale="en")

    missing = [f"{where}: {msgid}" for msgid, where in extracted.items() if not _translated(catalog, msgid)]

    assert len(extracted) > 800
    assert missing == []


def _sources(root: Path):
    """Walk only the folders babel.cfg reads (not node_modules, caches or instance data)."""

    def wanted(path: str) -> bool:
        relative = Path(path).relative_to(root).parts
        return not relative or (relative[0] in ("wardapp", "templates") and relative[-1] != "__pycache__")

    return wanted


def _translated(catalog, msgid: str) -> bool:
    message = catalog.get(msgid)
    if message is None or message.fuzzy:
        return False
    strings = message.string if isinstance(message.string, tuple) else (message.string,)
    return all(strings)
