"""The dossier import under attack: hostile files cost a bounded amount and are refused with a
clear message (422), never a 500; dates, text and column mappings follow the app's rules."""

from __future__ import annotations

import datetime as dt
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from wardapp import ROOT
from wardapp.audit.models import AuditEvent
from wardapp.dossiers.models import ColumnMapping, Dossier, DossierImport
from wardapp.extensions import db
from wardapp.reports.models import DailyReport

from . import factories
from .dossier_files import (
    HEADER_ROW,
    column_xfd_xlsx,
    csv_bytes,
    excel_xlsx,
    hostile_xlsx,
    huge_shared_string_xlsx,
    row,
    row_two_million_xlsx,
    whitespace_bomb_xlsx,
)
from .helpers import TODAY, Page, post_closing_body

# --- High 1: what one import may cost --------------------------------------------------------

# A child process imports the file as the CLI does and reports how much its peak resident memory
# rose above what it used just before (Linux: /proc/self/clear_refs 5 resets the peak, VmHWM).
IMPORT_IN_A_CHILD = """
import json, sys
from wardapp.app import create_app
from wardapp.commune.models import Commune
from wardapp.dossiers.operations import import_file

def status(field):
    for line in open("/proc/self/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1]) // 1024  # kB -> MB

app = create_app({"INSTANCE_PATH": sys.argv[1], "TESTING": True, "SECRET_KEY": "x"})
with app.app_context():
    commune = Commune.current()
    data = open(sys.argv[2], "rb").read()
    import_file(commune.id, "warm-up.csv", b"x", None)  # first use of the import's code paths
    before = status("VmRSS")
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
    outcome = import_file(commune.id, "so-theo-doi.xlsx", data, None)
    print(json.dumps({"grew_mb": status("VmHWM") - before, "errors": outcome.errors}))
"""

MEMORY_BOUND_MB = 40  # what an import of any of these files may add; the old reader took 260-410 MB


def import_in_a_child(app, path: Path) -> dict:
    child = subprocess.run(
        [sys.executable, "-c", IMPORT_IN_A_CHILD, app.instance_path, str(path)],
        cwd=ROOT,
        capture_output=True,
        timeout=300,
    )
    assert child.returncode == 0, child.stderr.decode()[-3000:]
    return json.loads(child.stdout.decode().strip().splitlines()[-1])


HOSTILE = {
    "row-2000000": (row_two_million_xlsx, "Tệp có dòng số 2.000.000: nhiều nhất 200.000 dòng một lần nhập."),
    "whitespace-bomb": (whitespace_bomb_xlsx, "Tệp không có hồ sơ nào dưới dòng tiêu đề."),
    "huge-shared-string": (huge_shared_string_xlsx, "Chuỗi văn bản số 0 của tệp dài hơn 32.767 ký tự"),
    "column-xfd": (column_xfd_xlsx, "Ô XFD2 nằm ngoài 256 cột đầu của trang tính"),
}


@pytest.mark.parametrize("name", HOSTILE)
def test_a_hostile_workbook_costs_a_bounded_amount_of_memory_and_is_refused(app, commune, tmp_path, name):
    make, message = HOSTILE[name]
    path = tmp_path / f"{name}.xlsx"
    path.write_bytes(make())
    db.session.commit()
    assert path.stat().st_size < 210_000  # a tiny file

    answer = import_in_a_child(app, path)

    assert answer["grew_mb"] < MEMORY_BOUND_MB, answer
    assert any(message in error for error in answer["errors"]), answer
    assert db.session.scalar(db.select(db.func.count(DossierImport.id))) == 0


def upload(client, filename: str, data: bytes, source: str = ""):
    return post_closing_body(
        client,
        "/dossiers/",
        data={"file": (io.BytesIO(data), filename), "source": source},
        content_type="multipart/form-data",
    )


def refusal(response) -> str:
    assert response.status_code == 422, response.status_code
    page = Page.of(response)
    return " ".join(page.text(i) for i in ("import-errors", "err-file") if page.has_id(i))


@pytest.mark.parametrize("name", ["row-2000000", "column-xfd"])
def test_the_import_page_names_the_limit_a_hostile_workbook_crossed(staff, name):
    make, message = HOSTILE[name]
    assert message in refusal(upload(staff, "so.xlsx", make()))
    assert db.session.scalar(db.select(db.func.count(Dossier.id))) == 0


# --- Low 9: malformed files and dates are a 422 with the reason, never a 500 ---------------------


def csv_file(*rows: list) -> bytes:
    return csv_bytes([row(*r) for r in rows], "utf-8")


MALFORMED = {
    "cell-ref-ZZZZ2": (
        "so.xlsx",
        lambda: hostile_xlsx(HEADER_ROW + '<row r="2"><c r="ZZZZ2" t="inlineStr"><is><t>H1</t></is></c></row>'),
        "Tệp Excel có ô «ZZZZ2» không hợp lệ.",
    ),
    "shared-string-past-the-table": (
        "so.xlsx",
        lambda: hostile_xlsx(HEADER_ROW + '<row r="2"><c r="A2" t="s"><v>7</v></c></row>', "<si><t>H1</t></si>"),
        "Ô A2 trỏ tới chuỗi văn bản số 7, tệp chỉ có 1: tệp hỏng.",
    ),
    "csv-field-over-131072": (
        "so.csv",
        lambda: csv_bytes([row("H1", "20/11/2026 08:00", note="x" * 140_000)], "utf-8"),
        "Dòng 2 của tệp CSV không đọc được (ô dài quá 32.767 ký tự",
    ),
    "received-01/01/0001": (
        "so.csv",
        lambda: csv_file(["H1", "01/01/0001"]),
        f"Dòng 2: Ngày tiếp nhận 01/01/0001 nằm ngoài khoảng cho phép (01/01/2000 – 31/12/{TODAY.year + 1}).",
    ),
    "iso-offset-before-year-1": (
        "so.csv",
        lambda: csv_file(["H1", "0001-01-01T03:00:00+09:00"]),
        "Dòng 2: Ngày tiếp nhận «0001-01-01T03:00:00+09:00» không phải ngày",
    ),
    "iso-offset-past-9999": (
        "so.csv",
        lambda: csv_file(["H1", "2026-11-20T08:00:00+07:00", "9999-12-31T23:00:00-05:00"]),
        "Dòng 2: Ngày hẹn trả «9999-12-31T23:00:00-05:00» không phải ngày",
    ),
}


@pytest.mark.parametrize("name", MALFORMED)
def test_a_malformed_file_is_refused_with_its_reason(staff, name):
    filename, make, message = MALFORMED[name]
    assert message in refusal(upload(staff, filename, make()))
    assert db.session.scalar(db.select(db.func.count(Dossier.id))) == 0


# --- High 2: dates outside a sane window; what absurd dates already stored cannot break ----------


def test_dates_outside_the_window_are_refused_with_the_row_named(staff):
    page = refusal(
        upload(
            staff,
            "so.csv",
            csv_file(
                ["H1", "20/11/2026 08:00", "21/11/2026"],
                ["H2", "05/01/2099 08:00", "06/01/2099", "31/12/9999 10:00"],
                ["H3", "31/12/1999 16:00", "04/01/2000"],
                ["H4", "20/11/2026 08:00", "21/11/2026", "19/11/2026 10:00"],
            ),
        )
    )
    assert f"Dòng 3: Ngày tiếp nhận 05/01/2099 nằm ngoài khoảng cho phép (01/01/2000 – 31/12/{TODAY.year + 1})." in page
    assert "Dòng 3: Ngày có kết quả (kết thúc xử lý) 31/12/9999 nằm ngoài khoảng cho phép" in page
    assert "Dòng 4: Ngày tiếp nhận 31/12/1999 nằm ngoài khoảng cho phép" in page
    assert "Dòng 5: ngày có kết quả trước ngày tiếp nhận." in page
    assert "Dòng 2" not in page


def test_absurd_dates_stored_before_the_check_break_neither_the_days_form_nor_the_next_import(commune, staff):
    """As an import of 2099 → 9999 left the log before dates were checked."""
    received, finished = dt.datetime(2099, 1, 5, 8), dt.datetime(9999, 12, 31, 23, 59, 59)
    bad = DossierImport(
        commune_id=commune.id,
        source="so-theo-doi",
        filename="bad.csv",
        sha256="0" * 64,
        rows=1,
        fields=["channel", "due_at", "finished_at"],
        first_received=received.date(),
        last_received=received.date(),
        longest_days=(finished - received).days + 1,
    )
    db.session.add(bad)
    db.session.flush()
    db.session.add(
        Dossier(commune_id=commune.id, code="H-9999", received_at=received, finished_at=finished, import_id=bad.id)
    )
    db.session.commit()

    today, yesterday = f"{TODAY:%d/%m/%Y}", f"{TODAY - dt.timedelta(days=1):%d/%m/%Y}"
    good = csv_file(["H1", f"{today} 08:00", f"{today} 17:00"], ["H2", f"{yesterday} 08:00", f"{today} 17:00"])
    assert upload(staff, "so.csv", good).status_code == 303
    form = staff.get(f"/reports/{TODAY.isoformat()}")
    assert form.status_code == 200
    assert Page.of(form).field("received_in_person").attrs.get("value") == "1"


# --- Low 11: the app's text rule at import -------------------------------------------------------

HIDDEN = {
    "NUL in the officer": (
        dict(officer="Trần\x00Hoa"),
        "Cán bộ xử lý: Có ký tự ẩn hoặc ký tự đảo chiều văn bản (U+0000)",
    ),
    "U+202E in the procedure": (
        dict(procedure="Chứng thực \u202ecopy"),
        "Thủ tục hành chính: Có ký tự ẩn hoặc ký tự đảo chiều văn bản (U+202E)",
    ),
    "U+202C in the unit": (
        dict(unit="Một cửa\u202c"),
        "Đơn vị xử lý: Có ký tự ẩn hoặc ký tự đảo chiều văn bản (U+202C)",
    ),
    "U+200B in the field": (dict(field="Hộ\u200btịch"), "Lĩnh vực: Có ký tự ẩn hoặc ký tự đảo chiều văn bản (U+200B)"),
}


@pytest.mark.parametrize("name", HIDDEN)
def test_a_hidden_character_in_a_field_is_refused_with_the_row_and_column_named(staff, name):
    values, message = HIDDEN[name]
    data = csv_bytes([row("H1", "20/11/2026 08:00"), row("H2", "20/11/2026 09:00", **values)], "utf-8")
    assert f"Dòng 3: {message}" in refusal(upload(staff, "so.csv", data))
    assert db.session.scalar(db.select(db.func.count(Dossier.id))) == 0


def test_codes_differing_only_by_a_zero_width_space_never_become_two_dossiers(staff):
    first = csv_bytes([row("H-0001", "20/11/2026 08:00")], "utf-8")
    assert upload(staff, "so.csv", first).status_code == 303
    again = csv_bytes([row("H-\u200b0001", "20/11/2026 08:00")], "utf-8")
    assert "Dòng 2: Mã hồ sơ: Có ký tự ẩn" in refusal(upload(staff, "so2.csv", again))
    again_xlsx = excel_xlsx([row("H-\u200b0001", dt.datetime(2026, 11, 20, 8))])
    assert "Dòng 4: Mã hồ sơ: Có ký tự ẩn" in refusal(upload(staff, "so2.xlsx", again_xlsx))
    assert [d.code for d in db.session.scalars(db.select(Dossier))] == ["H-0001"]


@pytest.mark.parametrize("filename", ["so-theo-doi\u202excsl.csv", "so\u0007.csv"])
def test_a_hidden_character_in_the_file_name_is_refused(staff, filename):
    data = csv_bytes([row("H1", "20/11/2026 08:00")], "utf-8")
    assert "Tên tệp: Có ký tự ẩn hoặc ký tự đảo chiều văn bản" in refusal(upload(staff, filename, data))
    assert db.session.scalar(db.select(db.func.count(DossierImport.id))) == 0


# --- Low 13: the personal-data guard on column mappings ---------------------------------------

PERSONAL_HEADERS = ["Ho ten nguoi nop", "HoTenNguoiNop", "So dien thoai", "Dia chi thuong tru", "Phone number"]
MAPPED_HEADER = ["Số biên nhận", "Thời điểm nộp", *PERSONAL_HEADERS]
MAPPED_ROWS = [["BN-1", "20/11/2026 08:05", "Đỗ Thị Hạnh", "DoThiHanh", "0905000111", "12 Lê Lợi", "0905000222"]]


@pytest.mark.parametrize("header", PERSONAL_HEADERS)
def test_a_mapping_routing_a_personal_column_into_a_stored_field_is_refused(client, users, auth, header):
    auth.login("admin")
    sample = csv_bytes(MAPPED_ROWS, "utf-8", header=MAPPED_HEADER)
    preview = client.post(
        "/dossiers/mapping", data={"file": (io.BytesIO(sample), "khac.csv")}, content_type="multipart/form-data"
    )
    assert f"{header} <small>(dữ liệu cá nhân, bỏ qua)</small>" in preview.get_data(as_text=True)
    form = {"header": MAPPED_HEADER, "name": "Phần mềm cũ", "save": "1"}
    form |= {"col_code": "Số biên nhận", "col_received_at": "Thời điểm nộp", "col_procedure": header}
    refused = client.post("/dossiers/mapping", data=form)
    assert refused.status_code == 422
    assert "Cột chứa dữ liệu cá nhân không được ghép (Nghị định 13/2023/NĐ-CP)." in refused.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(ColumnMapping.id))) == 0


def test_a_mapping_saved_before_the_guard_cannot_import_a_personal_column(commune, staff):
    db.session.add(
        ColumnMapping(
            commune_id=commune.id,
            name="Cũ",
            columns={"code": "Số biên nhận", "received_at": "Thời điểm nộp", "officer": "HoTenNguoiNop"},
        )
    )
    db.session.commit()
    page = refusal(upload(staff, "khac.csv", csv_bytes(MAPPED_ROWS, "utf-8", header=MAPPED_HEADER), "map:Cũ"))
    assert "Cột «HoTenNguoiNop» chứa dữ liệu cá nhân, không được ghép vào «Cán bộ xử lý»" in page
    assert db.session.scalar(db.select(db.func.count(Dossier.id))) == 0


# --- Low 16: the CLI import that changes an open day; auto-detection drops nothing ----------------


def test_the_cli_import_that_changes_an_open_days_figures_is_audited_as_the_command_line(app, commune, users, tmp_path):
    report = factories.make_report(commune, TODAY, users["staff"])
    db.session.commit()
    path = tmp_path / "so.csv"
    today = f"{TODAY:%d/%m/%Y}"
    path.write_bytes(csv_file(["H1", f"{today} 08:00", f"{today} 17:00"]))

    result = app.test_cli_runner().invoke(args=["dossiers", "import", str(path)])

    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert db.session.get(DailyReport, report.id).received_in_person == 1
    actors = {e.action: e.actor_username for e in db.session.scalars(db.select(AuditEvent))}
    assert actors["dossiers.imported"] == "cli" and actors["report.updated"] == "cli"


def test_auto_detection_prefers_the_source_that_reads_every_column(commune, staff):
    """A saved mapping naming only the preset's code and date columns must not win over the preset."""
    db.session.add(
        ColumnMapping(
            commune_id=commune.id, name="Tối thiểu", columns={"code": "Mã hồ sơ", "received_at": "Ngày, giờ nhận"}
        )
    )
    db.session.commit()
    data = csv_file(["H1", "20/11/2026 08:00", "21/11/2026", "20/11/2026 15:00", "Trực tuyến"])
    assert upload(staff, "so.csv", data).status_code == 303
    dossier = db.session.scalar(db.select(Dossier))
    assert (dossier.channel, dossier.due_at, dossier.finished_at) == (
        2,
        dt.datetime(2026, 11, 21, 23, 59, 59),
        dt.datetime(2026, 11, 20, 15, 0),
    )
    assert db.session.scalar(db.select(DossierImport)).source == "so-theo-doi"


# --- High 2: an import can be withdrawn by an admin, audited, and the days counted again ----------


def day_file(*rows: list) -> bytes:
    """Rows of (code, received, due, finished, channel) relative to TODAY, as dd/mm/yyyy hh:mm."""

    def moment(days: int, hour: int) -> str:
        return f"{TODAY + dt.timedelta(days=days):%d/%m/%Y} {hour:02d}:00"

    return csv_file(
        *(
            [code, moment(*received), moment(*due), finished and moment(*finished), channel]
            for code, received, due, finished, channel in rows
        )
    )


FIRST = day_file(("H1", (0, 8), (2, 17), None, "Trực tiếp"), ("H2", (0, 9), (1, 17), None, "Trực tuyến"))
# The wrong file: H1 marked finished, H3 added, both in person.
WRONG = day_file(("H1", (0, 8), (2, 17), (0, 10), "Trực tiếp"), ("H3", (0, 9), (1, 17), None, "Trực tiếp"))


def figures_of_today(client) -> dict[str, str]:
    page = Page.of(client.get(f"/reports/{TODAY.isoformat()}"))
    return {n: page.field(n).attrs.get("value") for n in ("received_in_person", "received_online", "resolved_early")}


def test_an_admin_withdraws_a_wrong_import_and_the_day_is_counted_again(client, commune, users, auth):
    factories.make_report(commune, TODAY, users["staff"])
    db.session.commit()
    auth.login("staff")
    assert upload(client, "dung.csv", FIRST).status_code == 303
    assert upload(client, "nham.csv", WRONG).status_code == 303
    assert figures_of_today(client) == {"received_in_person": "2", "received_online": "1", "resolved_early": "1"}
    wrong = db.session.scalars(db.select(DossierImport).order_by(DossierImport.id.desc())).first()
    assert client.get(f"/dossiers/imports/{wrong.id}/withdraw").status_code == 403  # staff may not
    auth.logout()

    auth.login("admin")
    listing = Page.of(client.get("/dossiers/"))
    link = [a for a in listing.find("a") if a.attrs.get("href") == f"/dossiers/imports/{wrong.id}/withdraw"]
    assert link and link[0].text == "Rút lần nhập"
    assert client.post(f"/dossiers/imports/{wrong.id}/withdraw", data={"reason": " "}).status_code == 422
    done = client.post(f"/dossiers/imports/{wrong.id}/withdraw", data={"reason": "Nhầm tệp của phường khác."})
    assert done.status_code == 303

    assert "Đã rút lần nhập: 1 hồ sơ bị xóa, 1 hồ sơ trở lại như trước." in client.get("/dossiers/").get_data(
        as_text=True
    )
    db.session.expire_all()
    stored = {d.code: d for d in db.session.scalars(db.select(Dossier))}
    assert set(stored) == {"H1", "H2"} and stored["H1"].finished_at is None and stored["H1"].channel == 1
    assert figures_of_today(client) == {"received_in_person": "1", "received_online": "1", "resolved_early": "0"}
    event = db.session.scalar(db.select(AuditEvent).filter_by(action="dossiers.import_withdrawn"))
    assert event.actor_username == "admin" and event.after == {
        "removed": 1,
        "restored": 1,
        "reason": "Nhầm tệp của phường khác.",
    }
    assert "Đã rút: Nhầm tệp của phường khác." in client.get("/dossiers/").get_data(as_text=True)
    assert client.post(f"/dossiers/imports/{wrong.id}/withdraw", data={"reason": "lần nữa"}).status_code == 404


def test_the_cli_withdraws_the_only_import_and_the_days_figures_go_back_to_be_typed(app, client, commune, users, auth):
    factories.make_report(commune, TODAY, users["staff"])
    db.session.commit()
    auth.login("staff")
    assert upload(client, "nham.csv", WRONG).status_code == 303
    record = db.session.scalar(db.select(DossierImport))

    runner = app.test_cli_runner()
    assert runner.invoke(args=["dossiers", "withdraw", str(record.id)]).exit_code != 0  # a reason is required
    result = runner.invoke(args=["dossiers", "withdraw", str(record.id), "--reason", "Nhầm tệp"])

    assert result.exit_code == 0, result.output
    assert f"Withdrew import {record.id}: 2 dossiers removed, 0 restored." in result.output
    db.session.expire_all()
    assert db.session.scalar(db.select(db.func.count(Dossier.id))) == 0
    # Back to be typed: blank fields over their "0" placeholder, no longer the log's read-only values.
    assert figures_of_today(client) == {"received_in_person": "", "received_online": "", "resolved_early": ""}
    event = db.session.scalar(db.select(AuditEvent).filter_by(action="dossiers.import_withdrawn"))
    assert event.actor_username == "cli"


# --- Also: a chunked upload over the size limit is a 413 naming the size, not "session expired" ---


def chunked_post(url: str, path: str, cookies: str, fields: dict[str, str], file_bytes: int) -> tuple[int, str]:
    """POST a multipart form with Transfer-Encoding: chunked (no Content-Length), as a client
    streaming a file of unknown size does; the file part is ``file_bytes`` of CSV-looking data."""
    import http.client
    from urllib.parse import urlsplit

    boundary = "wardapp-chunked-boundary"
    head = "".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n' for k, v in fields.items()
    )
    head += f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="so.csv"\r\n'
    head += "Content-Type: text/csv\r\n\r\n"

    def body():
        yield head.encode()
        line = b"H1,20/11/2026 08:00," + b"x" * 1000 + b"\r\n"
        chunk = line * 1024
        sent = 0
        while sent < file_bytes:
            yield chunk
            sent += len(chunk)
        yield f"\r\n--{boundary}--\r\n".encode()

    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)
    try:
        connection.putrequest("POST", path)
        connection.putheader("Content-Type", f"multipart/form-data; boundary={boundary}")
        connection.putheader("Transfer-Encoding", "chunked")
        connection.putheader("Cookie", cookies)
        connection.putheader("Origin", url)
        connection.endheaders()
        try:
            for piece in body():
                connection.send(b"%x\r\n%s\r\n" % (len(piece), piece))
            connection.send(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered before reading it all, as it should
        response = connection.getresponse()
        return response.status, response.read().decode(errors="replace")
    finally:
        connection.close()


@pytest.fixture
def gunicorn(app, commune, users, tmp_path, monkeypatch):
    from .test_serving import Gunicorn

    db.session.commit()
    db.session.remove()
    db.engine.dispose()
    server = Gunicorn(tmp_path)
    yield server
    server.stop()


def test_a_chunked_upload_over_the_limit_is_refused_413_with_the_size_named(gunicorn):
    import re

    from .test_serving import signed_in

    session = signed_in(gunicorn.url, "staff")
    page = session.get(f"{gunicorn.url}/dossiers/", timeout=30).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    cookies = "; ".join(f"{c.name}={c.value}" for c in session.cookies)

    status, text = chunked_post(gunicorn.url, "/dossiers/", cookies, {"csrf_token": token}, 60 * 1024 * 1024)

    assert status == 413, text[:2000]
    assert "Tệp quá lớn: tối đa 50 MB." in text


def test_a_dossier_log_larger_than_a_photo_is_not_refused_for_its_size(staff):
    """The app's body limit is a photo's (15 MB); the import page says 50 MB, and keeps its word."""
    data = (b"x" * 999 + b"\n") * 20_000  # 20 MB, no header row
    assert "Thiếu cột bắt buộc" in refusal(upload(staff, "so.csv", data))
