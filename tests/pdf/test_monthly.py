"""Monthly documents: the month summary (a line per day, totals, the 766 estimate) and the late list."""

from __future__ import annotations

import datetime as dt

from wardapp.core import index766, rates
from wardapp.core.pdf import inputs
from wardapp.delays.operations import add_late_dossier
from wardapp.extensions import db
from wardapp.reports.models import DailyReport

from .. import factories
from ..helpers import signed_in
from .conftest import (
    OFFICERS,
    PROCEDURES,
    RESPONSIBLE,
    TODAY,
    day_ready,
    page_texts,
    sign,
    text_of,
)

LAST_MONTH = (TODAY.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
MONTH = f"{LAST_MONTH:%Y-%m}"


def days_of(first: dt.date) -> list[dt.date]:
    days = [first]
    while (days[-1] + dt.timedelta(days=1)).month == first.month:
        days.append(days[-1] + dt.timedelta(days=1))
    return days


def test_it_sums_up_a_month_with_a_line_per_day_totals_and_the_measured_part_of_766(app, commune, users):
    unsigned = factories.make_report(commune, LAST_MONTH.replace(day=3), users["staff"])
    late_day = LAST_MONTH.replace(day=10)
    sign(commune, day_ready(commune, users, late_day, late=1), users, late_reason="Mất điện cả buổi chiều.")

    response = signed_in(app, "reviewer").get(f"/pdf/month/{MONTH}.pdf")

    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = text_of(response.get_data())
    assert "ỦY BAN NHÂN DÂN PHƯỜNG HẢI CHÂU" in text
    assert f"Tổng hợp tình hình hoạt động của Trung tâm Phục vụ hành chính công tháng {LAST_MONTH:%m/%Y}" in text
    for day in days_of(LAST_MONTH):
        # Built from signed revisions only: the unsigned day 3 is not reported.
        state = {10: "Ký muộn"}.get(day.day, "Chưa báo cáo")
        assert f"{day:%d/%m} {state}" in text, day
    # received, online, resolved, resolved late, pending, then the online / on-time / satisfaction rates
    late_figures = figures_of(late_day)
    assert f"{late_day:%d/%m} Ký muộn 30 12 28 1 12 {rates_of(late_figures)}" in text
    # The month: flows added up; pending is what the last reported day left pending.
    month = rates.sum_figures([late_figures])
    assert f"Cả tháng 1 ngày đã ký 30 12 28 1 12 {rates_of(month)}" in text
    assert unsigned.figures and rates_of(month).startswith("40,0% ")
    missing = ", ".join(f"{d:%d/%m}" for d in days_of(LAST_MONTH) if d.day != 10)
    assert f"Ngày chưa báo cáo: {missing}." in text
    assert f"Ngày ký sau hạn (lần ký đầu): {late_day:%d/%m}." in text
    assert "III. ƯỚC TÍNH BỘ CHỈ SỐ 766 (PHẦN ĐO ĐƯỢC)" in text
    assert "Tính trên 1 ngày đã ký (ngày chưa ký không được tính)" in text
    estimate = index766.estimate(month)
    assert 0 < estimate.coverage < 1
    assert (
        f"điểm của phần đo được; phần này chiếm {inputs.percent(estimate.coverage)} tổng 100 điểm của Bộ chỉ số"
    ) in text
    assert "không phải điểm chính thức" in text


def figures_of(day: dt.date) -> dict:
    return db.session.scalar(db.select(DailyReport).filter_by(date=day)).figures


def rates_of(figures: dict) -> str:
    computed = rates.compute(figures)
    return " ".join(inputs.percent(computed[name]) for name in ("online_rate", "on_time_rate", "satisfaction_rate"))


def test_it_numbers_the_pages_of_the_month_summary(app, commune, users):
    factories.make_report(commune, LAST_MONTH, users["staff"])

    pages = page_texts(signed_in(app, "leader").get(f"/pdf/month/{MONTH}.pdf").get_data())

    # Decree 30: no number on page 1, the page number first on every later page (top centre).
    assert len(pages) > 1 and not pages[0].startswith("1 ")
    assert all(page.startswith(f"{n} ") for n, page in enumerate(pages[1:], 2))


def test_it_refuses_a_month_that_has_not_begun(app, commune, users):
    next_month = (TODAY.replace(day=28) + dt.timedelta(days=7)).strftime("%Y-%m")
    reviewer = signed_in(app, "reviewer")

    assert reviewer.get(f"/pdf/month/{next_month}.pdf").status_code == 404
    assert reviewer.get(f"/pdf/month/{next_month}/late.pdf").status_code == 404
    assert reviewer.get("/pdf/month/2026-13.pdf").status_code == 404


def test_it_lists_late_dossiers_by_officer_and_unit_with_the_leaders_explanations(app, commune, users):
    third, tenth, twelfth = (LAST_MONTH.replace(day=d) for d in (3, 10, 12))
    signed_third = day_ready(
        commune,
        users,
        third,
        late=2,
        explanations=[
            ("Hồ sơ gốc thất lạc", "Đã xin lỗi người dân, trả kết quả sau hai ngày"),
            ("Chờ ý kiến của Sở Xây dựng", "Cử cán bộ làm việc trực tiếp với Sở Xây dựng"),
        ],
    )
    signed_tenth = day_ready(
        commune,
        users,
        tenth,
        late=1,
        explanations=[
            ("Đường truyền chập chờn", "Khởi động lại máy chủ, nhập bù hồ sơ trong buổi chiều"),
        ],
    )
    for report in (signed_third, signed_tenth):
        sign(commune, report, users, late_reason="Ký bổ sung báo cáo tháng trước.")
    # The 12th is entered with a late dossier but never signed: the month's list leaves it out.
    report = factories.make_report(commune, twelfth, users["staff"], resolved_late=3, resolved_on_time=17)
    add_late_dossier(
        report,
        {
            "kind": "resolved_late",
            "count": 3,
            "procedure": "Cấp bản sao trích lục hộ tịch",
            "dossier_code": None,
            "officer": "Võ Minh Tâm",
            "unit": "",
            "cause": "Nghỉ phép",
            "apology_issued": False,
            "new_appointment": None,
        },
        users["staff"],
    )
    db.session.commit()

    response = signed_in(app, "reviewer").get(f"/pdf/month/{MONTH}/late.pdf")

    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = text_of(response.get_data())
    assert f"BÁO CÁO Danh sách hồ sơ trễ hạn và giải trình tháng {LAST_MONTH:%m/%Y}" in text
    (lan, lan_unit), (binh, binh_unit) = OFFICERS[0], OFFICERS[1]
    new_date = f"{TODAY + dt.timedelta(days=3):%d/%m/%Y}"
    order = [
        f"{lan}, {lan_unit} (2 hồ sơ)",
        f"{third:%d/%m/%Y} Giải quyết quá hạn 1 {PROCEDURES[0]} Chờ xác minh hồ sơ gốc ở cơ quan cấp trên "
        f"Đã xin lỗi người dân, trả kết quả sau hai ngày ({RESPONSIBLE}, {new_date})",
        f"{tenth:%d/%m/%Y} Giải quyết quá hạn 1 {PROCEDURES[0]} Chờ xác minh hồ sơ gốc ở cơ quan cấp trên "
        f"Khởi động lại máy chủ, nhập bù hồ sơ trong buổi chiều ({RESPONSIBLE}, {new_date})",
        f"{binh}, {binh_unit} (1 hồ sơ)",
        f"{third:%d/%m/%Y} Giải quyết quá hạn 1 {PROCEDURES[1]} Chờ xác minh hồ sơ gốc ở cơ quan cấp trên "
        f"Cử cán bộ làm việc trực tiếp với Sở Xây dựng ({RESPONSIBLE}, {new_date})",
    ]
    positions = [text.find(part) for part in order]
    assert -1 not in positions, [part for part, at in zip(order, positions) if at == -1]
    assert positions == sorted(positions)  # each officer's heading, then that officer's rows
    assert "Võ Minh Tâm" not in text and "Nghỉ phép" not in text  # the unsigned day


def test_it_says_when_a_month_had_no_late_dossier(app, commune, users):
    factories.make_report(
        commune,
        LAST_MONTH,
        users["staff"],
        resolved_late=0,
        pending_overdue=0,
        resolved_on_time=20,
        pending_within=12,
        apology_letters=0,
    )

    text = text_of(signed_in(app, "admin").get(f"/pdf/month/{MONTH}/late.pdf").get_data())

    assert "Trong tháng không có hồ sơ trễ hạn." in text
