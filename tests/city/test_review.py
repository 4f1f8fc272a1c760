"""Review states at the city: a reviewer accepts one day or many in one action (a day across the
province, a commune's month), a correction of an accepted day is new again and said to be one,
returns and acceptances are in the city's audit, the II.06a table can count accepted days only,
and a reviewer of one province never sees or decides on another's days."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest

from wardapp.city.extensions import city_db
from wardapp.city.models import CityAudit, ReceivedFigures, ReceivedReport
from wardapp.core import payload

from . import support
from .conftest import TODAY

HAI_CHAU = support.Commune("20242")  # Đà Nẵng, 48
HAI_VAN = support.Commune("20194")  # Đà Nẵng, 48
PHU_XUAN = support.Commune("19753")  # Huế, 46
YESTERDAY = TODAY - dt.timedelta(days=1)
MONTH_START = TODAY.replace(day=1)


@pytest.fixture
def city(make_city, noon):
    app = make_city(CITY_PROVINCE_CODES="48,46")
    support.enrol_all(app, [HAI_CHAU, HAI_VAN, PHU_XUAN])
    client = app.test_client()
    for commune in (HAI_CHAU, HAI_VAN, PHU_XUAN):
        for day in (MONTH_START, YESTERDAY, TODAY):
            support.push(client, support.signed(commune, day))
    support.make_user(app, "danang", provinces="48")
    support.make_user(app, "both")
    return app


def rid(commune: support.Commune, day: dt.date, revision: int = 1) -> str:
    return payload.report_id(commune.code, day, revision)


def states(app) -> dict[str, str]:
    with app.app_context():
        return dict(city_db.session.execute(city_db.select(ReceivedReport.report_id, ReceivedReport.state)).all())


def audit(app) -> list[tuple[str, str, str]]:
    with app.app_context():
        rows = city_db.session.execute(
            city_db.select(CityAudit.action, CityAudit.target, CityAudit.actor).filter(
                CityAudit.action.like("review.%")
            )
        )
        return [tuple(r) for r in rows]


def test_it_accepts_a_day_across_the_province_in_one_action(city):
    reviewer = support.signed_in(city, "danang")

    answer = reviewer.post(
        "/review/accept", data={"province": "48", "from": YESTERDAY.isoformat(), "to": YESTERDAY.isoformat()}
    )

    assert answer.status_code == 303
    now = states(city)
    assert now[rid(HAI_CHAU, YESTERDAY)] == now[rid(HAI_VAN, YESTERDAY)] == "accepted"
    assert now[rid(HAI_CHAU, TODAY)] == "received"  # another day: untouched
    assert now[rid(PHU_XUAN, YESTERDAY)] == "received"  # another province: untouched
    assert sorted(audit(city)) == sorted(
        [
            ("review.accepted", rid(HAI_CHAU, YESTERDAY), "danang"),
            ("review.accepted", rid(HAI_VAN, YESTERDAY), "danang"),
        ]
    )
    page = reviewer.get(f"/review?province=48&from={YESTERDAY}&to={YESTERDAY}").get_data(as_text=True)
    assert page.count('data-review="accepted"') == 2
    assert "Cán bộ danang" in page  # who accepted


def test_it_accepts_a_communes_month_and_only_new_days(city):
    reviewer = support.signed_in(city, "danang")
    reviewer.post(f"/reports/{rid(HAI_CHAU, TODAY)}/return", data={"comment": "Sai số tiếp nhận"})

    reviewer.post(
        "/review/accept",
        data={"province": "48", "commune": HAI_CHAU.code, "from": MONTH_START.isoformat(), "to": TODAY.isoformat()},
    )

    now = states(city)
    assert now[rid(HAI_CHAU, MONTH_START)] == now[rid(HAI_CHAU, YESTERDAY)] == "accepted"
    assert now[rid(HAI_CHAU, TODAY)] == "returned"  # a returned day waits for its correction
    assert now[rid(HAI_VAN, YESTERDAY)] == "received"
    assert ("review.returned", rid(HAI_CHAU, TODAY), "danang") in audit(city)


def test_a_correction_of_an_accepted_day_is_shown_as_such_and_needs_accepting_again(city):
    reviewer = support.signed_in(city, "danang")
    assert reviewer.post(f"/reports/{rid(HAI_CHAU, YESTERDAY)}").status_code == 405
    assert reviewer.post(f"/reports/{rid(HAI_CHAU, YESTERDAY)}/accept").status_code == 303
    support.push(city.test_client(), support.signed(HAI_CHAU, YESTERDAY, revision=2))

    page = reviewer.get(f"/communes/{HAI_CHAU.code}/review?from={YESTERDAY}&to={YESTERDAY}").get_data(as_text=True)
    assert 'data-review="new"' in page and "sửa sau khi đã duyệt" in page
    report_page = reviewer.get(f"/reports/{rid(HAI_CHAU, YESTERDAY, 2)}").get_data(as_text=True)
    assert "sửa sau khi đã duyệt" in report_page and "Duyệt báo cáo này" in report_page

    reviewer.post(f"/reports/{rid(HAI_CHAU, YESTERDAY, 2)}/accept")

    assert states(city)[rid(HAI_CHAU, YESTERDAY, 2)] == "accepted"
    page = reviewer.get(f"/communes/{HAI_CHAU.code}/review?from={YESTERDAY}&to={YESTERDAY}").get_data(as_text=True)
    assert 'data-review="accepted"' in page and "sửa sau khi đã duyệt" not in page
    # An older revision is never accepted in place of the current one.
    reviewer.post(f"/reports/{rid(HAI_VAN, TODAY)}/return", data={"comment": "Thiếu ảnh"})
    assert reviewer.post(f"/reports/{rid(HAI_VAN, TODAY)}/accept").status_code == 303
    assert states(city)[rid(HAI_VAN, TODAY)] == "returned"


def test_returning_an_accepted_day_takes_it_out_of_the_accepted_count(city):
    reviewer = support.signed_in(city, "danang")
    reviewer.post(f"/reports/{rid(HAI_CHAU, YESTERDAY)}/accept")

    reviewer.post(f"/reports/{rid(HAI_CHAU, YESTERDAY)}/return", data={"comment": "Số liệu cần kiểm tra lại"})

    with city.app_context():
        facts = city_db.session.scalar(city_db.select(ReceivedFigures).filter_by(report_id=rid(HAI_CHAU, YESTERDAY)))
        assert facts.returned and not facts.accepted


def test_the_ii06a_table_can_count_accepted_days_only_and_says_which_it_counts(city):
    reviewer = support.signed_in(city, "danang")
    reviewer.post(f"/reports/{rid(HAI_CHAU, YESTERDAY)}/accept")
    args = f"province=48&period=range&from={MONTH_START}&to={TODAY}"

    every = reviewer.get(f"/ii06a?{args}").get_data(as_text=True)
    accepted = reviewer.get(f"/ii06a?{args}&days=accepted").get_data(as_text=True)
    book = openpyxl.load_workbook(io.BytesIO(reviewer.get(f"/ii06a.xlsx?{args}&days=accepted").data))
    workbook_text = " ".join(str(c) for row in book.active.iter_rows(values_only=True) for c in row if c)

    assert "tính mọi ngày đã nhận" in every and "chỉ tính ngày đã duyệt" in accepted
    assert "chỉ tính ngày đã duyệt" in workbook_text
    # Hải Châu's three received days, then its one accepted day, of the 20 owed.
    assert "Thiếu 17/20 ngày" in row_of(every, HAI_CHAU.code)
    assert "Thiếu 19/20 ngày" in row_of(accepted, HAI_CHAU.code)
    assert "Thiếu 20/20 ngày" in row_of(accepted, HAI_VAN.code)
    assert "days=accepted" in accepted  # the exports keep the choice


def row_of(page: str, code: str) -> str:
    start = page.index(f"/communes/{code}/days")
    return page[start : page.index("</tr>", start)]


@pytest.mark.parametrize(
    "path",
    [
        "/review?province=46",
        f"/communes/{PHU_XUAN.code}/review",
        f"/review?province=all&commune={PHU_XUAN.code}",
    ],
)
def test_a_reviewer_never_sees_another_provinces_review(city, path):
    assert support.signed_in(city, "danang").get(path).status_code == 404
    assert support.signed_in(city, "both").get(path).status_code == 200


def test_a_reviewer_never_accepts_another_provinces_days(city):
    reviewer = support.signed_in(city, "danang")

    one = reviewer.post(f"/reports/{rid(PHU_XUAN, YESTERDAY)}/accept")
    by_id = reviewer.post("/review/accept", data={"report_id": [rid(PHU_XUAN, TODAY), rid(HAI_VAN, TODAY)]})
    by_filter = reviewer.post(
        "/review/accept", data={"province": "46", "from": YESTERDAY.isoformat(), "to": YESTERDAY.isoformat()}
    )
    every = reviewer.post("/review/accept", data={"province": "all", "from": MONTH_START.isoformat()})

    assert one.status_code == 404 and by_filter.status_code == 404 and by_id.status_code == 303
    assert every.status_code == 303
    now = states(city)
    assert {k: v for k, v in now.items() if k.startswith(PHU_XUAN.code)} == dict.fromkeys(
        [rid(PHU_XUAN, d) for d in (MONTH_START, YESTERDAY, TODAY)], "received"
    )
    assert now[rid(HAI_VAN, TODAY)] == "accepted"
    page = reviewer.get("/review?province=all&from=2026-11-01").get_data(as_text=True)
    assert PHU_XUAN.code not in page and "Phú Xuân" not in page


def test_anonymous_visitors_are_sent_to_sign_in(city):
    client = city.test_client()
    for path in ("/review", f"/communes/{HAI_CHAU.code}/review"):
        assert client.get(path).status_code == 302
    assert client.post("/review/accept", data={}).status_code == 302
    assert states(city)[rid(HAI_CHAU, YESTERDAY)] == "received"


def test_the_consolidated_report_says_which_days_it_counts(city):
    from wardapp.city.documents import consolidated

    support.signed_in(city, "danang").post(f"/reports/{rid(HAI_CHAU, YESTERDAY)}/accept")

    with city.test_request_context():
        period = consolidated.Period(("48",), "month", MONTH_START, TODAY, to_date=True)
        document = consolidated.document_input(period)

    # The signed document counts every received day and says so; the desk's II.06a table can be
    # limited to the accepted ones (tested above).
    assert "Báo cáo này tính theo mọi ngày đã nhận, đã được Sở duyệt hay chưa." in document.facts
    assert "đã nhận 6/" in document.facts[1]


def test_the_review_page_opens_on_the_week(city):
    """A reviewer opening the page in the morning finds yesterday's reports waiting, not an empty
    today; a day more than a week old is asked for by its dates."""
    page = support.signed_in(city, "danang").get("/review").get_data(as_text=True)

    assert YESTERDAY.strftime("%d/%m/%Y") in page and TODAY.strftime("%d/%m/%Y") in page
    assert MONTH_START.strftime("%d/%m/%Y") not in page
    assert f'value="{(TODAY - dt.timedelta(days=6)).isoformat()}"' in page  # the "from" field says so
