"""Importing the dossier log: real files from Excel, LibreOffice and CSV exports; bad files refused whole."""

from __future__ import annotations

import datetime as dt
import hashlib
import io

import pytest
from sqlalchemy import inspect, text

from wardapp.audit.models import AuditEvent
from wardapp.dossiers.models import Dossier, DossierImport
from wardapp.extensions import db

from .dossier_files import PERSONAL_VALUES, csv_bytes, excel_xlsx, libreoffice_xlsx, row
from .helpers import post_closing_body

pytestmark = pytest.mark.engines  # on SQLite and on PostgreSQL

DAY = dt.date(2026, 11, 20)


def at(day_offset: int, hh: int = 9, mm: int = 0) -> dt.datetime:
    return dt.datetime.combine(DAY + dt.timedelta(days=day_offset), dt.time(hh, mm))


def day_rows() -> list[list]:
    """Five dossiers around DAY: one early, one late, one overdue, one online today, one postal."""
    return [
        row("000.00.20.H17-261115-0001", at(-5), at(-1, 17), at(-2, 10)),  # early, before DAY
        row("000.00.20.H17-261118-0002", at(-2), at(-1, 17), at(0, 8, 30)),  # late today
        row("000.00.20.H17-261117-0003", at(-3), at(0, 10)),  # overdue at the end of DAY
        row("000.00.20.H17-261120-0004", at(0, 8), at(3, 17), None, "Trực tuyến", full="Toàn trình", paid="Có"),
        row("000.00.20.H17-261120-0005", at(0, 14, 15), at(2, 17), at(0, 16), "Bưu chính công ích"),
    ]


def upload(client, filename: str, data: bytes, source: str = ""):
    return post_closing_body(
        client,
        "/dossiers/",
        data={"file": (io.BytesIO(data), filename), "source": source},
        content_type="multipart/form-data",
    )


def stored() -> dict[str, Dossier]:
    return {d.code: d for d in db.session.scalars(db.select(Dossier))}


def nothing_stored() -> bool:
    return db.session.scalar(db.select(db.func.count(Dossier.id))) == 0 and (
        db.session.scalar(db.select(db.func.count(DossierImport.id))) == 0
    )


@pytest.mark.parametrize(
    "filename,make",
    [
        ("so-theo-doi-excel.xlsx", lambda rows: excel_xlsx(rows)),
        ("so-theo-doi-libreoffice.xlsx", lambda rows: libreoffice_xlsx(rows)),
        ("so-theo-doi-utf8.csv", lambda rows: csv_bytes(rows, "utf-8")),
        ("so-theo-doi-bom.csv", lambda rows: csv_bytes(rows, "utf-8-sig")),
        ("so-theo-doi-1258.csv", lambda rows: csv_bytes(rows, "cp1258", sep=";")),
    ],
)
def test_it_imports_each_kind_of_export(staff, filename, make):
    data = make(day_rows())
    response = upload(staff, filename, data)
    assert response.status_code == 303, response.get_data(as_text=True)
    dossiers = stored()
    assert len(dossiers) == 5
    late = dossiers["000.00.20.H17-261118-0002"]
    assert late.procedure == "Chứng thực bản sao từ bản chính"  # composed Vietnamese, whatever the encoding
    assert (late.received_at, late.due_at, late.finished_at) == (at(-2), at(-1, 17), at(0, 8, 30))
    assert (late.officer, late.unit, late.fee_bearing, late.paid_online, late.digitized) == (
        "Trần Thị Hoa",
        "Bộ phận một cửa",
        True,
        False,
        True,
    )
    online = dossiers["000.00.20.H17-261120-0004"]
    assert (online.channel, online.full_process, online.paid_online) == (2, True, True)
    assert dossiers["000.00.20.H17-261120-0005"].channel == 3
    record = db.session.scalar(db.select(DossierImport))
    assert (record.rows, record.created, record.sha256) == (5, 5, hashlib.sha256(data).hexdigest())
    event = db.session.scalar(db.select(AuditEvent).filter_by(action="dossiers.imported"))
    assert event.actor_username == "staff" and event.after["sha256"] == record.sha256 and event.after["rows"] == 5


def test_it_reads_the_portal_field_names_and_compact_dates(staff):
    header = [
        "MaHoSo",
        "TenTTHC",
        "ChuHoSo",
        "SoDienThoai",
        "KenhThucHien",
        "NgayTiepNhan",
        "NgayHenTra",
        "NgayKetThucXuLy",
        "DuocThanhToanTrucTuyen",
    ]
    rows = [
        ["H1", "Đăng ký khai sinh", "Lê Thị Lan", "0905000111", 2, "20261120081500", "20261121170000", "", 1],
        [
            "H2",
            "Đăng ký kết hôn",
            "Phan Văn An",
            "0905000222",
            1,
            "2026-11-19T15:00:00+07:00",
            "20261120",
            "20261120163000",
            0,
        ],
        ["H3", "Chứng thực chữ ký", "Võ Minh", "0905000333", 3, "2026-11-20T01:30:00Z", "", "", 0],
    ]
    response = upload(staff, "portal.csv", csv_bytes(rows, "utf-8", header=header))
    assert response.status_code == 303, response.get_data(as_text=True)
    d = stored()
    assert (d["H1"].channel, d["H1"].received_at, d["H1"].paid_online) == (2, at(0, 8, 15), True)
    assert d["H2"].due_at == dt.datetime(2026, 11, 20, 23, 59, 59)  # a day without a time: by its end
    assert d["H2"].finished_at == at(0, 16, 30)
    assert d["H3"].received_at == at(0, 8, 30)  # UTC converted to Vietnam time
    assert db.session.scalar(db.select(DossierImport)).source == "cong-dvc-quoc-gia"


def test_a_file_with_bad_rows_is_refused_whole_with_every_reason(staff):
    rows = [
        *day_rows(),
        row("X-1", "31/02/2026", None),
        row("X-2", at(0), "mai", None),
        row("000.00.20.H17-261118-0002", at(0), None),
        row("X-3", at(0), None, None, "Zalo"),
        row("", at(0), None),
        row("X-4", at(0, 10), None, at(0, 9)),
    ]
    response = upload(staff, "bad.xlsx", excel_xlsx(rows))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    # The title takes lines 1-2, the header line 3, so the first bad row (the 6th) is line 9.
    for message in (
        "Chưa nhập gì: tệp có 6 lỗi.",
        "Dòng 9: Ngày tiếp nhận «31/02/2026» không phải ngày (dd/mm/yyyy [hh:mm], yyyy-mm-dd hoặc yyyyMMddHHmmss).",
        "Dòng 10: Ngày hẹn trả «mai» không phải ngày (dd/mm/yyyy [hh:mm], yyyy-mm-dd hoặc yyyyMMddHHmmss).",
        "Dòng 11: mã hồ sơ «000.00.20.H17-261118-0002» trùng với dòng 5.",
        "Dòng 12: kênh tiếp nhận «Zalo» không rõ (1 trực tiếp, 2 trực tuyến, 3 bưu chính công ích).",
        "Dòng 13: thiếu mã hồ sơ.",
        "Dòng 14: ngày có kết quả trước ngày tiếp nhận.",
    ):
        assert message.replace("«", "&laquo;").replace("»", "&raquo;") in page or message in page, message
    assert nothing_stored()


def test_a_file_without_the_required_columns_is_refused(staff):
    header = ["STT", "Họ tên người nộp", "Ngày, giờ nhận"]
    response = upload(staff, "thieu-cot.csv", csv_bytes([[1, "Nguyễn Văn A", "20/11/2026"]], "utf-8", header=header))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Thiếu cột bắt buộc: «Mã hồ sơ»" in page.replace("&laquo;", "«").replace("&raquo;", "»")
    assert nothing_stored()


def test_personal_data_never_reaches_the_database(app, staff):
    assert upload(staff, "so.xlsx", excel_xlsx(day_rows())).status_code == 303
    assert len(stored()) == 5
    page = staff.get("/dossiers/").get_data(as_text=True)
    assert (
        "Các cột không được đọc (dữ liệu cá nhân không bao giờ được lưu): "
        "STT, Họ tên người nộp, Địa chỉ, Số điện thoại, Số CCCD, Ghi chú." in page
    )
    engine = db.engine
    found = []
    with engine.connect() as connection:
        for table in inspect(engine).get_table_names():
            # Table names come from the database's own catalogue, not from input.
            for values in connection.execute(text(f'SELECT * FROM "{table}"')):  # noqa: S608
                blob = " ".join(str(v) for v in values)
                found += [(table, p) for p in (*PERSONAL_VALUES, "Bình") if p in blob]
    assert found == []


def test_the_import_page_says_personal_data_is_dropped(staff):
    page = staff.get("/dossiers/").get_data(as_text=True)
    assert "không bao giờ được lưu (Nghị định 13/2023/NĐ-CP)" in page


def test_reimport_updates_by_code_and_a_reopened_dossier_is_open_again(staff):
    rows = day_rows()
    assert upload(staff, "v1.csv", csv_bytes(rows, "utf-8")).status_code == 303
    rows[2][11] = at(1, 9)  # the overdue one is finished the next day
    rows[4][11] = None  # the postal one is reopened
    rows.append(row("000.00.20.H17-261121-0006", at(1, 8), at(2, 17)))
    assert upload(staff, "v2.csv", csv_bytes(rows, "utf-8")).status_code == 303
    d = stored()
    assert len(d) == 6
    assert d["000.00.20.H17-261117-0003"].finished_at == at(1, 9)
    assert d["000.00.20.H17-261120-0005"].finished_at is None
    second = db.session.scalars(db.select(DossierImport).order_by(DossierImport.id)).all()[-1]
    assert (second.rows, second.created, second.updated) == (6, 1, 5)


def test_the_cli_imports_a_file(app, commune, tmp_path):
    path = tmp_path / "so.xlsx"
    path.write_bytes(excel_xlsx(day_rows()))
    result = app.test_cli_runner().invoke(args=["dossiers", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "Imported 5 dossiers (5 new, 0 updated)" in result.output
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes([row("A", "hôm qua")], "utf-8"))
    result = app.test_cli_runner().invoke(args=["dossiers", "import", str(bad)])
    assert result.exit_code != 0 and "Dòng 2: Ngày tiếp nhận «hôm qua» không phải ngày" in result.output


OTHER_HEADER = ["Số biên nhận", "Người đứng tên", "Hình thức nộp", "Thời điểm nộp", "Hạn trả", "Hoàn thành"]
OTHER_ROWS = [
    ["BN-001", "Đỗ Thị Hạnh", "Trực tuyến", "20/11/2026 08:05", "22/11/2026", "21/11/2026 10:00"],
    ["BN-002", "Bùi Văn Khoa", "Trực tiếp", "20/11/2026 09:40", "20/11/2026 16:00", ""],
]


def test_the_admin_maps_another_exports_columns_with_a_preview(client, users, auth):
    auth.login("admin")
    sample = csv_bytes(OTHER_ROWS, "utf-8", header=OTHER_HEADER)
    preview = client.post(
        "/dossiers/mapping", data={"file": (io.BytesIO(sample), "khac.csv")}, content_type="multipart/form-data"
    )
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert "BN-002" in page and "20/11/2026 09:40" in page  # the first rows, to recognise the columns
    assert "Người đứng tên <small>(dữ liệu cá nhân, bỏ qua)</small>" in page
    assert "<option>Người đứng tên</option>" not in page  # personal data cannot be mapped

    form = {"header": OTHER_HEADER, "name": "Phần mềm cũ", "save": "1"}
    form |= {"col_code": "Số biên nhận", "col_received_at": "Thời điểm nộp", "col_channel": "Hình thức nộp"}
    form |= {"col_due_at": "Hạn trả", "col_finished_at": "Hoàn thành", "col_procedure": "Người đứng tên"}
    refused = client.post("/dossiers/mapping", data=form)
    assert refused.status_code == 422
    assert "Cột chứa dữ liệu cá nhân không được ghép (Nghị định 13/2023/NĐ-CP)." in refused.get_data(as_text=True)

    del form["col_procedure"]
    assert client.post("/dossiers/mapping", data=form).status_code == 303
    auth.logout()
    auth.login("staff")
    response = upload(client, "khac.csv", sample)  # recognised by its columns
    assert response.status_code == 303, response.get_data(as_text=True)
    d = stored()
    assert set(d) == {"BN-001", "BN-002"}
    assert (d["BN-001"].channel, d["BN-001"].due_at, d["BN-001"].finished_at) == (
        2,
        dt.datetime(2026, 11, 22, 23, 59, 59),
        dt.datetime(2026, 11, 21, 10, 0),
    )
    assert db.session.scalar(db.select(DossierImport)).source == "map:Phần mềm cũ"
    assert "Bùi Văn Khoa" not in " ".join(str(v) for v in db.session.execute(text("SELECT * FROM dossiers")))
