"""The II.06a table over hand-built reports: a correction replaces its day, a returned report stays
counted (and flagged), a missing day is missing (never zero), and the Excel workbook read back holds
the same numbers as the page."""

from __future__ import annotations

import datetime as dt
import io
import re

import openpyxl
import pytest

from tests.factories import figures

from . import support
from .conftest import TODAY

D1, D2, D3 = (TODAY - dt.timedelta(days=n) for n in (3, 2, 1))
A, B, C = support.Commune("20242"), support.Commune("20194"), support.Commune("20197")
NOT_CONNECTED = "20200"
F1 = figures()  # 40 to handle: online 12, in person 16, post 2, carried 10; 8/18/2 resolved; 11+1 pending
F2 = figures(
    received_online=20,
    received_in_person=10,
    received_postal=0,
    carried_over=12,
    resolved_early=5,
    resolved_on_time=25,
    resolved_late=0,
    pending_within=12,
    pending_overdue=0,
)
F3 = figures(
    received_online=5,
    received_in_person=5,
    received_postal=0,
    carried_over=12,
    resolved_early=2,
    resolved_on_time=8,
    resolved_late=1,
    pending_within=10,
    pending_overdue=1,
    online_full_process=3,
    online_partial=2,
    digitized=8,
    e_results=9,
    fee_bearing=4,
    paid_online=2,
)
# Columns (3)–(13), worked out by hand from the figures above.
EXPECTED_A = [80, 37, 33, 10, 69, 15, 51, 3, 11, 10, 1]  # d1 F1, d2 F2 (the correction), d3 F3
EXPECTED_B = [70, 24, 36, 10, 56, 16, 36, 4, 12, 11, 1]  # d1 F1 (late), d2 F1 (returned), d3 missing
EXPECTED_TOTAL = [150, 61, 69, 20, 125, 31, 87, 7, 23, 21, 2]
RANGE = f"period=range&from={D1}&to={D3}"


@pytest.fixture
def history(city):
    support.enrol_all(city, [A, B, C])
    client = city.test_client()
    support.push(client, support.signed(A, D1, figures_=F1))
    support.push(client, support.signed(A, D2, figures_=F1))
    support.push(client, support.signed(A, D2, revision=2, figures_=F2))
    support.push(client, support.signed(A, D3, figures_=F3))
    support.push(client, support.signed(B, D1, figures_=F1, late=True))
    returned = support.push(client, support.signed(B, D2, figures_=F1))
    support.make_user(city, "sokhcn")
    reviewer = support.signed_in(city, "sokhcn")
    answer = reviewer.post(f"/reports/{returned['report_id']}/return", data={"comment": "Số liệu tồn chưa khớp"})
    assert answer.status_code == 303
    return reviewer


def row_cells(html: str, code: str) -> list[str]:
    row = re.search(rf'<tr data-code="{code}">(.*?)</tr>', html, re.S).group(1)
    return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]


def numbers(cells: list[str]) -> list[int]:
    return [int(c.replace(".", "")) for c in cells]


def test_the_table_counts_the_current_revision_of_each_day_and_shows_missing_days(history):
    html = history.get(f"/ii06a?{RANGE}").get_data(as_text=True)

    assert numbers(row_cells(html, A.code)[1:12]) == EXPECTED_A
    assert numbers(row_cells(html, B.code)[1:12]) == EXPECTED_B
    c_row = row_cells(html, C.code)
    assert c_row[1] == "Chưa báo cáo" and c_row[-1] == "3"  # no figures, three days missing
    assert row_cells(html, NOT_CONNECTED)[1] == "Chưa kết nối"
    assert row_cells(html, B.code)[-1] == "1"
    total = re.search(r'<tr class="total">(.*?)</tr>', html, re.S).group(1)
    cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", total, re.S)]
    assert numbers(cells[1:12]) == EXPECTED_TOTAL
    # On-time rate of the province: (150 − 7 resolved late − 2 pending overdue) / 150 = 94,0%.
    assert 'data-rate="on_time_rate">94,0%' in total
    # Online rate: 61 online of 130 received = 46,9%.
    assert 'data-rate="online_rate">46,9%' in total


def test_the_workbook_holds_the_same_numbers_as_the_page(history):
    response = history.get(f"/ii06a.xlsx?{RANGE}")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

    book = openpyxl.load_workbook(io.BytesIO(response.data))
    sheet = book.active
    rows = list(sheet.iter_rows(values_only=True))
    # The heading block: the issuer, the title, the scope and period, the day it was made.
    assert rows[0][0] == "SỞ KHOA HỌC VÀ CÔNG NGHỆ"
    assert rows[1][0] == "Tình hình, kết quả giải quyết thủ tục hành chính (mẫu II.06a)"
    assert rows[2][0].startswith("Thành phố Đà Nẵng") and "— Từ ngày" in rows[2][0]
    assert rows[3][0] == f"Ngày lập: {TODAY:%d/%m/%Y}"
    # Two heading rows merged as the form has them, then the column numbers (1)–(13).
    assert rows[5][2] == "Số hồ sơ nhận giải quyết" and rows[5][6] == "Số hồ sơ đã giải quyết"
    assert rows[6][2] == "Tổng số" and rows[6][3] == "Trong kỳ: trực tuyến"
    assert list(rows[7][:13]) == [f"({i})" for i in range(1, 14)]
    assert "C6:F6" in {str(r) for r in sheet.merged_cells.ranges}
    # The order column holds numbers; only connected units are rows; the others on their own sheet.
    body = [r for r in rows[8:] if r[1] and r[1] != "Tổng cộng" and r[0] is not None]
    assert [r[0] for r in body] == list(range(1, len(body) + 1)) == [1, 2, 3]
    absent = list(book["Chưa kết nối"].iter_rows(values_only=True))[1:]
    assert len(absent) == 94 - 3 and all(isinstance(r[0], int) for r in absent)
    assert any(f"Chưa kết nối hệ thống: {len(absent)} đơn vị" in str(r[1]) for r in rows)
    # Printed on A4 landscape, one page wide, the heading rows on every page.
    assert sheet.page_setup.orientation == "landscape" and sheet.page_setup.paperSize == 9
    # One page wide (fitToWidth left at its default, 1), as many pages down as it takes.
    assert sheet.page_setup.fitToWidth in (None, 1) and int(sheet.page_setup.fitToHeight) == 0
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.print_title_rows == "$6:$8"
    by_name = {r[1]: r for r in rows[8:]}
    assert list(by_name[A.unit.name][2:13]) == EXPECTED_A
    assert list(by_name[B.unit.name][2:13]) == EXPECTED_B
    assert list(by_name["Tổng cộng"][2:13]) == EXPECTED_TOTAL
    assert by_name["Tổng cộng"][13] == pytest.approx(141 / 150)
    assert sheet.cell(row=9 + [r[1] for r in rows[8:]].index("Tổng cộng"), column=14).number_format == "0.0%"
    assert by_name[C.unit.name][2:13] == (None,) * 11  # missing, never zero
    assert "Thiếu 3/3 ngày" in by_name[C.unit.name][-1]
    assert "1 báo cáo bị trả lại" in by_name[B.unit.name][-1]


def test_the_csv_has_the_same_totals_and_no_formula(history):
    text = history.get(f"/ii06a.csv?{RANGE}").get_data(as_text=True)
    lines = text.lstrip("\ufeff").splitlines()
    total = next(line for line in lines if line.startswith(",,Tổng cộng"))
    assert total.split(",")[3:14] == [str(v) for v in EXPECTED_TOTAL]


def test_sorting_and_ranking_put_the_best_on_time_rate_first(history):
    html = history.get(f"/ii06a?{RANGE}&sort=on_time_rate&dir=desc").get_data(as_text=True)
    order = re.findall(r'<tr data-code="(\d{5})">', html)
    # A: (80 − 3 − 1)/80 = 95%; B: (70 − 4 − 1)/70 = 92,9%; communes without reports last.
    assert order[:2] == [A.code, B.code]
    assert "Hạng" in html
    ascending = re.findall(r'<tr data-code="(\d{5})">', history.get(f"/ii06a?{RANGE}&sort=c3&dir=asc").data.decode())
    assert ascending[:2] == [B.code, A.code]


def test_a_commune_drill_down_lists_its_days_with_the_missing_one(history):
    html = history.get(f"/communes/{B.code}/days?from={D1}&to={D3}").get_data(as_text=True)
    assert f'data-date="{D3}" data-state="missing"' in html
    assert f'data-date="{D2}" data-state="returned"' in html
    assert f'data-date="{D1}" data-state="late"' in html
    assert f"/reports/{B.code}:{D1}:r1" in html


def test_corrections_supersede_and_the_old_revision_stays_visible(history, city):
    from wardapp.city.extensions import city_db
    from wardapp.city.models import ReceivedFigures

    with city.app_context():
        rows = city_db.session.execute(
            city_db.select(ReceivedFigures.report_id, ReceivedFigures.current).filter_by(commune_code=A.code, date=D2)
        ).all()
    assert sorted(rows) == [(f"{A.code}:{D2}:r1", False), (f"{A.code}:{D2}:r2", True)]
    assert history.get(f"/reports/{A.code}:{D2}:r1").status_code == 200
