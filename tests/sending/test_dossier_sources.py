"""Figures from the dossier log: they fill the form, an override needs a reason, and the source is
signed: the payload, the city's report page and the PDF all say which figures came from the log
and which a person changed, and why."""

from __future__ import annotations

import datetime as dt
import io
import json

import pypdf

from wardapp.core import clock, schema
from wardapp.delays.models import LateDossier
from wardapp.delays.operations import explain
from wardapp.delays.readiness import readiness
from wardapp.delivery.sender import send_due
from wardapp.extensions import db
from wardapp.reports.operations import get_report
from wardapp.signing.documents import revision_pdf
from wardapp.signing.operations import sign_report

from .. import factories
from ..dossier_files import excel_xlsx, row
from . import support

REASON = "Một hồ sơ số hóa bị lỗi tệp, phải quét lại vào sáng mai"


def log_rows(today: dt.date) -> list[list]:
    def at(offset: int, hh: int = 9, mm: int = 0) -> dt.datetime:
        return dt.datetime.combine(today + dt.timedelta(days=offset), dt.time(hh, mm))

    return [
        row("H-01", at(-3), at(-1, 17), at(0, 9, 30), officer="Lê Văn Tâm", unit="Tư pháp"),  # resolved late today
        row("H-02", at(-4), at(-1, 17), None, officer="Ngô Thị Mai", unit="Địa chính"),  # overdue tonight
        row("H-03", at(-1), at(2, 17), at(0, 10)),  # early
        row("H-04", at(0, 8), at(0, 23, 59), at(0, 11), "Trực tuyến", full="Toàn trình", e_result="Có"),
        row("H-05", at(0, 8, 30), at(3, 17), None, "Trực tuyến", full="Một phần", paid="Có"),
        row("H-06", at(0, 9), at(2, 17), None, "Bưu chính công ích"),
        row("H-07", at(0, 9, 15), at(2, 17), None, digitized="Không"),
        row("H-08", at(-2), at(1, 17), None, status="Rút hồ sơ"),  # withdrawn: never counted
    ]


def import_log(client, today: dt.date):
    data = excel_xlsx(log_rows(today))
    response = client.post(
        "/dossiers/",
        data={"file": (io.BytesIO(data), "so-theo-doi.xlsx")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    return data


def test_the_log_fills_the_form_an_override_needs_a_reason_and_the_source_is_signed(
    app, wired, commune, users, noon, staff
):
    today = noon.date()
    support.no_photo_required(commune)
    import_log(staff, today)

    page = staff.get(f"/reports/{today.isoformat()}").get_data(as_text=True)
    assert (
        'id="f-received_online" name="received_online" type="text" inputmode="numeric" autocomplete="off" '
        'placeholder="0"\n                 value="2"' in page
    )
    assert "Từ sổ theo dõi hồ sơ, nhập lúc" in page and "8 hồ sơ" in page

    # Override without a reason: refused next to the field, nothing changed.
    url = f"/dossiers/day/{today.isoformat()}/override/digitized"
    refused = staff.post(url, data={"value": "5", "reason": "  "})
    assert refused.status_code == 422
    assert "Nêu lý do sửa số liệu lấy từ sổ theo dõi hồ sơ." in refused.get_data(as_text=True)
    assert staff.post(url, data={"value": "2", "reason": REASON}).status_code == 303
    page = staff.get(f"/reports/{today.isoformat()}").get_data(as_text=True)
    assert f"Sửa tay (sổ ghi 3). Lý do: {REASON}" in page

    # Staff type what the log cannot give and save; the late list fills itself from the log.
    typed = {k: v for k, v in factories.form_data().items() if k not in ("version",)}
    typed |= {"apology_letters": "1", "feedback_received": "0", "feedback_on_time": "0", "feedback_late": "0"}
    response = staff.post(f"/reports/{today.isoformat()}", data=typed | {"version": "0"})
    assert response.status_code == 303
    report = get_report(commune.id, today)
    assert (report.received_in_person, report.received_online, report.received_postal, report.carried_over) == (
        1,
        2,
        1,
        3,
    )
    assert (report.resolved_early, report.resolved_on_time, report.resolved_late) == (1, 1, 1)
    assert (report.pending_within, report.pending_overdue, report.digitized) == (3, 1, 2)
    assert report.status == "complete"
    late = {d.dossier_code: d for d in db.session.scalars(db.select(LateDossier))}
    assert {(c, d.kind, d.officer, d.unit) for c, d in late.items()} == {
        ("H-01", "resolved_late", "Lê Văn Tâm", "Tư pháp"),
        ("H-02", "pending_overdue", "Ngô Thị Mai", "Địa chính"),
    }
    # Staff add the cause, apology and new appointment to one of them.
    response = staff.post(
        f"/dossiers/late/{late['H-02'].id}",
        data={"cause": "Chờ trích lục bản đồ", "apology_issued": "1", "new_appointment": "2030-01-15"},
    )
    assert response.status_code == 303
    db.session.expire_all()  # the browser's requests ran in their own sessions
    report = get_report(commune.id, today)
    assert (late["H-02"].cause, late["H-02"].apology_issued) == ("Chờ trích lục bản đồ", True)

    # The leader explains the late items and signs; the city receives it.
    for item in readiness(commune, report, today).items:
        explain(
            report,
            item,
            {"cause": "Chờ hồ sơ gốc", "remedy": "Đã đôn đốc", "responsible": "Phó Chủ tịch", "new_date": today},
            users["leader"],
        )
    db.session.commit()
    revision = sign_report(commune, report, users["leader"])
    document = json.loads(revision.payload)
    assert schema.problems(document) == []
    sources = document["figure_sources"]
    assert sources["figures"]["digitized"] == {"source": "override", "computed": 3, "reason": REASON}
    assert sources["figures"]["received_online"] == {"source": "dossier_log"}
    assert sources["figures"]["rating_satisfied"] == {"source": "typed"}
    assert sources["figures"]["response_team_cases"] == {"source": "derived"}
    assert [(i["rows"], len(i["sha256"])) for i in sources["imports"]] == [(8, 64)]
    assert send_due() == {"accepted": 1}

    wired.make_user()
    city_page = wired.signed_in().get(f"/reports/{revision.report_key}").get_data(as_text=True)
    assert "Nguồn số liệu" in city_page
    assert REASON in city_page and "sổ ghi 3" in city_page
    assert sources["imports"][0]["sha256"] in city_page

    pdf_text = " ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(revision_pdf(revision))).pages)
    flat = " ".join(pdf_text.split())
    assert "Nguồn số liệu" in flat
    assert "(sổ ghi 3). Lý do:" in flat and "quét lại" in flat


def test_an_override_is_refused_on_a_signed_day_and_for_a_figure_the_log_does_not_give(app, commune, users, staff):
    today = clock.today()
    import_log(staff, today)
    assert staff.get(f"/dossiers/day/{today.isoformat()}/override/rating_satisfied").status_code == 404
    assert staff.get(f"/dossiers/day/{today.isoformat()}/override/digitized").status_code == 200
