"""Figures out of line with the commune's own history, at the city: the flag list of a seeded
province (twelve weeks of ordinary days, then one commune types ten times its usual count), its
usual range and the leader's explanation; a reviewer marks a flag checked with a comment; a
reviewer of another province never sees it."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from tests.factories import figures
from wardapp.city.extensions import city_db
from wardapp.city.models import CityAudit

from . import support
from .conftest import TODAY
from .test_query_count import reading

HAI_CHAU = support.Commune("20242")  # Đà Nẵng, 48
HAI_VAN = support.Commune("20194")  # Đà Nẵng, 48
PHU_XUAN = support.Commune("19753")  # Huế, 46
YESTERDAY = TODAY - dt.timedelta(days=1)
CAUSE = "Đợt cao điểm cấp đổi giấy tờ đất đai"


@pytest.fixture
def city(make_city, noon):
    app = make_city(CITY_PROVINCE_CODES="48,46")
    support.enrol_all(app, [HAI_CHAU, HAI_VAN, PHU_XUAN])
    # Twelve weeks of ordinary days before yesterday, written as intake writes them.
    support.bulk_history(app, [HAI_CHAU, HAI_VAN, PHU_XUAN], YESTERDAY - dt.timedelta(days=1), 7 * 12)
    client = app.test_client()
    jump = figures(received_in_person=300, pending_within=281)  # 314 received, the sums still close
    explanation = {"item": "Tiếp nhận", "cause": CAUSE, "remedy": "-", "responsible": "-"}
    support.push(client, support.signed(HAI_CHAU, YESTERDAY, figures_=jump, explanations=[explanation]))
    support.push(client, support.signed(HAI_VAN, YESTERDAY))  # an ordinary day
    support.push(client, support.signed(PHU_XUAN, YESTERDAY, figures_=jump))
    support.make_user(app, "danang", provinces="48")
    support.make_user(app, "both")
    return app


def flag_rows(page: str) -> list[str]:
    return [part.split(">", 1)[0] for part in page.split('<tr data-commune="')[1:]]


def test_the_flag_list_shows_the_jump_with_its_usual_range_and_explanation(city):
    reviewer = support.signed_in(city, "danang")

    page = reviewer.get(f"/review/flags?province=48&from={YESTERDAY}&to={YESTERDAY}").get_data(as_text=True)

    rows = flag_rows(page)
    assert rows and all(r.startswith(HAI_CHAU.code) for r in rows)  # Hải Vân's ordinary day: no flag
    assert any('data-metric="received"' in r for r in rows)
    received = page[page.index('data-metric="received"') :]
    received = received[: received.index("</tr>")]
    assert ">314<" in received and CAUSE in received
    low, high = received.split('<td class="num">')[2].split("<")[0].split("–")
    assert int(low) <= 30 <= int(high) < 314


def test_a_reviewer_marks_a_flag_checked_with_a_comment(city):
    reviewer = support.signed_in(city, "danang")
    form = {"commune": HAI_CHAU.code, "date": YESTERDAY.isoformat(), "metric": "received"}
    listed = f"/review/flags?province=48&from={YESTERDAY}&to={YESTERDAY}"

    empty = reviewer.post("/review/flags/check", data={**form, "comment": "  "}, follow_redirects=True)
    assert "Hãy ghi nhận xét khi đánh dấu đã kiểm tra." in empty.get_data(as_text=True)
    hidden = reviewer.post("/review/flags/check", data={**form, "comment": "ok\u202e"}, follow_redirects=True)
    assert "ký tự ẩn" in hidden.get_data(as_text=True)

    assert "Đã gọi điện xác minh" not in reviewer.get(listed).get_data(as_text=True)  # its row now kept unchecked
    done = reviewer.post("/review/flags/check", data={**form, "comment": "Đã gọi điện xác minh", "next": listed})

    assert done.status_code == 303 and done.headers["Location"] == listed
    page = reviewer.get(listed).get_data(as_text=True)
    assert "Đã gọi điện xác minh" in page and "Cán bộ danang" in page
    still_open = reviewer.get(listed + "&open=1").get_data(as_text=True)
    assert 'data-metric="received"' not in still_open
    with city.app_context():
        assert city_db.session.scalar(city_db.select(CityAudit.actor).filter_by(action="flag.checked")) == "danang"


def test_the_commune_review_page_shows_flags_beside_the_day(city):
    page = (
        support.signed_in(city, "danang")
        .get(f"/communes/{HAI_CHAU.code}/review?from={YESTERDAY}&to={YESTERDAY}")
        .get_data(as_text=True)
    )
    assert "Hồ sơ tiếp nhận: 314" in page


def test_a_reviewer_never_sees_or_checks_another_provinces_flags(city):
    reviewer = support.signed_in(city, "danang")
    assert reviewer.get("/review/flags?province=46").status_code == 404
    assert reviewer.get(f"/review/flags?province=all&commune={PHU_XUAN.code}").status_code == 404
    everything = reviewer.get(f"/review/flags?province=all&from={YESTERDAY}&to={YESTERDAY}").get_data(as_text=True)
    assert PHU_XUAN.code not in everything
    form = {"commune": PHU_XUAN.code, "date": YESTERDAY.isoformat(), "metric": "received", "comment": "x"}
    assert reviewer.post("/review/flags/check", data=form).status_code == 404
    both = support.signed_in(city, "both").get(f"/review/flags?province=46&from={YESTERDAY}&to={YESTERDAY}")
    assert PHU_XUAN.code in both.get_data(as_text=True)


def payload_reads(app, reviewer, page: str) -> list[tuple]:
    """The report ids whose signed payload the page read (each such statement's parameters)."""
    with reading(app) as statements:
        answer = reviewer.get(page)
    assert answer.status_code == 200
    reads = [p for s, p in statements if re.search(r"\bpayload\b", s.split(" FROM ")[0], re.I)]
    return [tuple(str(v) for v in (p.values() if isinstance(p, dict) else p)) for p in reads]


def test_a_report_arriving_has_only_its_own_explanation_read_on_the_next_load(city):
    """The leader's words of a flagged day never change with its revision: a worker reads each
    revision's payload once, and after a report arrives only the new one's (a month of a province
    flags some 350 days: bench/review.py)."""
    reviewer = support.signed_in(city, "both")
    listed = f"/review/flags?province=all&from={YESTERDAY}&to={YESTERDAY}"
    first = payload_reads(city, reviewer, listed)
    assert len(first) == 1 and sum(len(p) for p in first) == 2  # one statement, both flagged days' ids

    assert payload_reads(city, reviewer, listed) == []  # kept: nothing read again
    client = city.test_client()
    jump = figures(received_in_person=300, pending_within=281)
    again = {"item": "Tiếp nhận", "cause": "Hai điểm tiếp nhận lưu động", "remedy": "-", "responsible": "-"}
    support.push(client, support.signed(HAI_CHAU, YESTERDAY, revision=2, figures_=jump, explanations=[again]))

    after = payload_reads(city, reviewer, listed)

    assert after == [(f"{HAI_CHAU.code}:{YESTERDAY}:r2",)]  # the new revision's payload alone
    page = reviewer.get(listed).get_data(as_text=True)
    hai_chau = page[page.index(f'data-commune="{HAI_CHAU.code}" data-metric="received"') :]
    assert "Hai điểm tiếp nhận lưu động" in hai_chau.split("</tr>")[0] and CAUSE not in hai_chau.split("</tr>")[0]
