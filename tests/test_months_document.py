"""The JSON a signed month document embeds (``core.months``): built, encoded canonically, read back,
and anything else (a daily payload, wrong types) is not taken for one."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from wardapp.core import months

SIGNED_AT = dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=7)))
DAYS = [
    months.ListedDay(dt.date(2026, 10, 10), "20242:2026-10-10:r2", 2, "b" * 64, True),
    months.ListedDay(dt.date(2026, 10, 3), "20242:2026-10-03:r1", 1, "a" * 64, False),
]


def document(**changes) -> dict:
    built = months.build(
        kind=months.SUMMARY,
        commune={"code": "20242", "name": "Phường Hải Châu", "province_code": "48"},
        month=dt.date(2026, 10, 1),
        edition=months.SignedEdition(
            2,
            "07/BC-UBND",
            "03/BC-UBND",
            SIGNED_AT,
            {"username": "leader", "full_name": "Lê Thị Hằng", "position": "Phó Chủ tịch"},
        ),
        days=DAYS,
        missing=[dt.date(2026, 10, 2), dt.date(2026, 10, 1)],
    )
    return built | changes


def test_it_lists_the_days_in_order_and_reads_back_what_it_wrote():
    built = document()

    assert built["document_id"] == "20242:2026-10:tong-hop:b2"
    assert [d["report_id"] for d in built["days"]] == ["20242:2026-10-03:r1", "20242:2026-10-10:r2"]
    assert built["missing"] == ["2026-10-01", "2026-10-02"]
    assert built["signed_at"] == "2026-11-20T10:00:00+07:00"
    data = months.encode(built)
    assert data == months.encode(json.loads(data))  # canonical: the same bytes every time
    assert months.parse(data) == built
    assert months.embedded_name(built) == "20242_2026-10_tong-hop_b2.month.json"
    assert months.filename("20242", dt.date(2026, 10, 1), months.LATE_LIST, 2) == "20242_2026-10_tre-han_b2.pdf"
    assert months.filename("20242", dt.date(2026, 10, 1), months.LATE_LIST) == "20242_2026-10_tre-han_ban-nhap.pdf"


@pytest.mark.parametrize(
    "changes",
    [
        {"schema": "wardapp.daily-report/1"},
        {"month": 202610},
        {"edition": "2"},
        {"edition": True},
        {"commune": "20242"},
        {"commune": {"code": 20242, "name": "x"}},
        {"supersedes": 3},
        {"missing": [1]},
        {"days": {"date": "2026-10-03"}},
        {"days": [{"date": "2026-10-03", "report_id": "x", "payload_sha256": "a", "revision": "1"}]},
        {"days": [["2026-10-03"]]},
    ],
)
def test_it_takes_nothing_else_for_a_month_document(changes):
    assert months.parse(months.encode(document(**changes))) is None


def test_it_takes_no_bytes_that_are_not_json():
    assert months.parse(b"\\xff not json") is None and months.parse(None) is None and months.parse(b"[]") is None
