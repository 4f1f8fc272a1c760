"""Reconciliation with the province's one-stop system: an export built from known dossiers gives
the exact differences for a commune that typed an inflated figure and none for one that computed
its figures from the same log; a bad row refuses the file whole; nothing personal is kept; only a
city admin imports; a reviewer of another province sees nothing of it."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest

from tests.factories import figures
from wardapp.city.extensions import city_db
from wardapp.city.models import OneStopCounts, OneStopImport
from wardapp.core.dossier_counts import Channel, DossierFacts, count_day
from wardapp.core.figures import FIGURE_NAMES

from . import support
from .conftest import TODAY
from .test_query_count import reading

HONEST = support.Commune("20242")  # computes its figures from its own log
INFLATED = support.Commune("20194")  # types them, with eight more received online than it had
PHU_XUAN = support.Commune("19753")  # Huế, 46
DAY = TODAY - dt.timedelta(days=1)
HEADER = ["MaHoSo", "MaDonViTiepNhan", "HoTenNguoiNop", "SoDienThoai", "KenhThucHien", "NgayTiepNhan",
          "NgayHenTra", "NgayKetThucXuLy", "TrangThaiHoSo"]  # fmt: skip
APPLICANT, PHONE = "Nguyễn Thị Hoa", "0905111222"


def moment(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, 0))


def dossiers(code: str) -> list[DossierFacts]:
    """A known day of one centre: 3 in person, 2 online, 1 by post received; settled early, on time, late."""
    before = DAY - dt.timedelta(days=3)
    due = lambda day, n: moment(day + dt.timedelta(days=n), 17)  # noqa: E731
    one = lambda n, received, due_at, finished, channel: DossierFacts(  # noqa: E731
        f"{code}-{n}", received, due_at, finished, channel
    )
    return [
        one(1, moment(DAY, 8), due(DAY, 2), None, Channel.IN_PERSON),
        one(2, moment(DAY, 9), moment(DAY, 16), moment(DAY, 15), Channel.IN_PERSON),  # settled on time
        one(3, moment(DAY, 10), due(DAY, 3), None, Channel.IN_PERSON),
        one(4, moment(DAY, 11), due(DAY, 1), None, Channel.ONLINE),
        one(5, moment(DAY, 13), due(DAY, 5), None, Channel.ONLINE),
        one(6, moment(DAY, 14), due(DAY, 5), None, Channel.POSTAL),
        one(7, moment(before, 8), due(DAY, 1), moment(DAY, 9), Channel.ONLINE),  # settled early
        one(8, moment(before, 9), due(before, 1), moment(DAY, 10), Channel.IN_PERSON),  # settled late
    ]


def export(rows_of: dict[str, list[DossierFacts]], *, bad_row: bool = False) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    for unit, facts in rows_of.items():
        for d in facts:
            when = lambda m: m.strftime("%d/%m/%Y %H:%M") if m else ""  # noqa: E731
            writer.writerow([d.code, unit, APPLICANT, PHONE, int(d.channel), when(d.received_at), when(d.due_at),
                             when(d.finished_at), ""])  # fmt: skip
    if bad_row:
        writer.writerow(["X-1", HONEST.code, APPLICANT, PHONE, "1", "32/13/2026", "", "", ""])
    return out.getvalue().encode("utf-8")


def day_figures(counted: dict[str, int], **changes: int) -> dict[str, int]:
    """A full day's figures whose flows are the log's counts (the sums still close)."""
    f = figures() | {k: v for k, v in counted.items() if k in FIGURE_NAMES} | changes
    received = f["received_in_person"] + f["received_online"] + f["received_postal"]
    f["online_full_process"], f["online_partial"] = 0, f["received_online"]
    f["fee_bearing"], f["paid_online"], f["digitized"] = 0, 0, 0
    resolved = f["resolved_early"] + f["resolved_on_time"] + f["resolved_late"]
    f["pending_overdue"] = 0
    f["pending_within"] = received + f["carried_over"] - resolved
    return f


@pytest.fixture
def city(make_city, noon):
    app = make_city(CITY_PROVINCE_CODES="48,46")
    support.enrol_all(app, [HONEST, INFLATED, PHU_XUAN])
    client = app.test_client()
    honest_counts = count_day(dossiers(HONEST.code), DAY)
    from_log = {"figures": {n: {"source": "dossier_log"} for n in FIGURE_NAMES}, "imports": []}
    support.push(
        client,
        support.signed(HONEST, DAY, figures_=day_figures(honest_counts), extra={"figure_sources": from_log}),
    )
    inflated = count_day(dossiers(INFLATED.code), DAY)
    typed = day_figures(inflated, received_online=inflated["received_online"] + 8)
    support.push(client, support.signed(INFLATED, DAY, figures_=typed))
    support.make_user(app, "admin", provinces="48", role="admin")
    support.make_user(app, "danang", provinces="48")
    support.make_user(app, "hue", provinces="46")
    return app


def upload(client, data: bytes, name: str = "mot-cua-48.csv"):
    return client.post("/review/one-stop?province=48", data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")  # fmt: skip


def rows_of(page: str) -> dict[str, str]:
    out = {}
    for part in page.split('<tr data-commune="')[1:]:
        out[part[:5]] = part[: part.index("</tr>")]
    return out


def test_an_export_of_known_dossiers_gives_the_exact_differences(city):
    admin = support.signed_in(city, "admin")

    assert (
        upload(admin, export({HONEST.code: dossiers(HONEST.code), INFLATED.code: dossiers(INFLATED.code)})).status_code
        == 303
    )

    page = admin.get(f"/review/one-stop?province=48&from={DAY}&to={DAY}").get_data(as_text=True)
    rows = rows_of(page)
    assert 'data-agrees="yes"' in rows[HONEST.code] and 'class="source-log"' in rows[HONEST.code]
    assert 'data-agrees="no"' in rows[INFLATED.code] and "Nhập tay" in rows[INFLATED.code]
    # Exactly one figure differs, by exactly the eight typed in excess: 10 signed, 2 in the export.
    assert rows[INFLATED.code].count('class="difference"') == 1
    assert 'data-figure="received_online"' in rows[INFLATED.code] and "10 / 2 (+8)" in rows[INFLATED.code]
    commune_page = admin.get(f"/communes/{INFLATED.code}/review?from={DAY}&to={DAY}").get_data(as_text=True)
    assert "10 / 2 (+8)" in commune_page and "Nhập tay" in commune_page
    honest_page = admin.get(f"/communes/{HONEST.code}/review?from={DAY}&to={DAY}").get_data(as_text=True)
    assert "Từ sổ theo dõi hồ sơ" in honest_page and "Khớp" in honest_page
    with city.app_context():
        stored = city_db.session.scalars(city_db.select(OneStopCounts)).all()
        assert {s.commune_code for s in stored} == {HONEST.code, INFLATED.code}
        everything = repr([(s.counts, s.commune_code) for s in stored])
        everything += repr([(i.filename, i.rows) for i in city_db.session.scalars(city_db.select(OneStopImport))])
    assert APPLICANT not in everything and PHONE not in everything and f"{HONEST.code}-1" not in everything


def test_a_bad_row_refuses_the_export_whole(city):
    admin = support.signed_in(city, "admin")

    answer = upload(admin, export({HONEST.code: dossiers(HONEST.code)}, bad_row=True))

    assert answer.status_code == 422
    assert "Dòng 10" in answer.get_data(as_text=True) and "không phải ngày" in answer.get_data(as_text=True)
    with city.app_context():
        assert city_db.session.scalar(city_db.select(city_db.func.count()).select_from(OneStopCounts)) == 0


def test_an_export_naming_another_provinces_commune_is_refused(city):
    admin = support.signed_in(city, "admin")
    answer = upload(admin, export({PHU_XUAN.code: dossiers(PHU_XUAN.code)}))
    assert answer.status_code == 422 and PHU_XUAN.code in answer.get_data(as_text=True)


def test_only_an_admin_imports_and_scoping_holds(city):
    data = export({HONEST.code: dossiers(HONEST.code), INFLATED.code: dossiers(INFLATED.code)})
    assert upload(support.signed_in(city, "danang"), data).status_code == 403
    upload(support.signed_in(city, "admin"), data)
    reviewer = support.signed_in(city, "hue")
    assert reviewer.get("/review/one-stop?province=48").status_code == 404
    page = reviewer.get(f"/review/one-stop?province=46&from={DAY}&to={DAY}").get_data(as_text=True)
    assert HONEST.code not in page and INFLATED.code not in page


def test_after_a_report_arrives_only_its_communes_row_is_compared_again(city):
    """Each commune's row is kept under its current revisions; a correction arriving has the next
    load read that commune's signed figures alone, in a bounded number of statements, and show it."""
    admin = support.signed_in(city, "admin")
    upload(admin, export({HONEST.code: dossiers(HONEST.code), INFLATED.code: dossiers(INFLATED.code)}))
    view = f"/review/one-stop?province=48&from={DAY}&to={DAY}"
    assert 'data-agrees="no"' in rows_of(admin.get(view).get_data(as_text=True))[INFLATED.code]
    corrected = day_figures(count_day(dossiers(INFLATED.code), DAY))
    support.push(city.test_client(), support.signed(INFLATED, DAY, revision=2, figures_=corrected))

    with reading(city) as statements:
        page = admin.get(view).get_data(as_text=True)

    assert 'data-agrees="yes"' in rows_of(page)[INFLATED.code] and 'data-agrees="yes"' in rows_of(page)[HONEST.code]
    signed_reads = [str(p) for s, p in statements if "log_figures" in s.split(" FROM ")[0]]
    assert len(signed_reads) == 1 and INFLATED.code in signed_reads[0] and HONEST.code not in signed_reads[0]
    assert len(statements) <= 8, [s for s, _ in statements]
