"""Importing plan tasks from the city's CSV: the files Excel really makes, and every way a file can
be wrong. A file with any bad line imports nothing, and says which lines to fix and why."""

from __future__ import annotations

import datetime as dt
import io
import unicodedata

import pytest

from wardapp.audit.models import AuditEvent
from wardapp.core import clock
from wardapp.extensions import db
from wardapp.tasks.importer import read_csv
from wardapp.tasks.models import Task

from .helpers import Page

TODAY = dt.date(2025, 7, 15)

GOOD = (
    "code,title,goal,start_date,deadline,responsible,source_document\n"
    "KH02-01,Số hóa hồ sơ hộ tịch,Toàn bộ sổ hộ tịch,01/07/2025,31/12/2025,Nguyễn Văn An,Kế hoạch 02-KH/BCĐTW\n"
    "KH02-02,Lắp camera tại quầy,,2025-07-10,2025-08-30,Trần Thị Bình,\n"
)


def read(text: str | bytes, existing: set[str] = frozenset()):
    data = text.encode("utf-8") if isinstance(text, str) else text
    return read_csv(data, set(existing), TODAY)


def errors_of(result) -> dict[int, str]:
    """{line number: all its reasons} — what the person must fix, line by line."""
    found: dict[int, str] = {}
    for line, reason in result.errors:
        found[line] = f"{found[line]} {reason}" if line in found else reason
    return found


# --- Files that import ---------------------------------------------------------------------------


def test_it_reads_every_column_of_a_good_file(app):
    result = read(GOOD)

    assert result.ok
    first, second = result.rows
    assert first["code"] == "KH02-01"
    assert first["title"] == "Số hóa hồ sơ hộ tịch"
    assert first["goal"] == "Toàn bộ sổ hộ tịch"
    assert (first["start_date"], first["deadline"]) == (dt.date(2025, 7, 1), dt.date(2025, 12, 31))
    assert first["responsible"] == "Nguyễn Văn An"
    assert first["source_document"] == "Kế hoạch 02-KH/BCĐTW"
    assert (second["start_date"], second["deadline"]) == (dt.date(2025, 7, 10), dt.date(2025, 8, 30))


def test_it_reads_what_excel_saves_as_csv_utf8_with_its_byte_order_mark(app):
    result = read(b"\xef\xbb\xbf" + GOOD.encode("utf-8"))

    assert result.ok
    assert [r["code"] for r in result.rows] == ["KH02-01", "KH02-02"]


def test_it_reads_a_semicolon_file_with_vietnamese_headers(app):
    """Excel set to Vietnamese separates with semicolons; the city writes the headers in Vietnamese."""
    text = (
        "\ufeffMã nhiệm vụ;Tên nhiệm vụ;Mục tiêu;Ngày bắt đầu;Hạn hoàn thành;Người chịu trách nhiệm;Văn bản nguồn\r\n"
        "KH02-03;Tuyên truyền dịch vụ công, thanh toán trực tuyến;Tăng tỷ lệ;01/08/2025;30/09/2025;"
        "Lê Văn Cường;KH 02\r\n"
    )
    result = read(text.encode("utf-8"))

    assert result.ok, result.errors
    (row,) = result.rows
    assert row["code"] == "KH02-03"
    assert row["title"] == "Tuyên truyền dịch vụ công, thanh toán trực tuyến"
    assert row["deadline"] == dt.date(2025, 9, 30)
    assert row["responsible"] == "Lê Văn Cường"


def test_it_reads_vietnamese_headers_typed_with_combining_marks(app):
    """Unikey's "Unicode tổ hợp" (and macOS) write ệ as e + two combining marks."""
    text = unicodedata.normalize("NFD", "Mã nhiệm vụ,Tên nhiệm vụ,Hạn hoàn thành\nKH02-04,Số hóa,31/12/2025\n")

    result = read(text)

    assert result.ok, result.errors
    assert result.rows[0]["title"] == "Số hóa"


@pytest.mark.parametrize("written", ["31/12/2025", "2025-12-31", "31-12-2025", " 31/12/2025 "])
def test_it_accepts_the_date_forms_people_type(app, written):
    result = read(f"code,title,deadline\nKH02-05,Nhiệm vụ,{written}\n")
    assert result.ok
    assert result.rows[0]["deadline"] == dt.date(2025, 12, 31)


def test_it_starts_a_task_today_when_the_file_gives_no_start_date(app):
    result = read("code,title,deadline\nKH02-06,Nhiệm vụ,31/12/2025\n")
    assert result.rows[0]["start_date"] == TODAY


def test_it_skips_blank_lines_and_still_counts_them_in_line_numbers(app):
    text = "code,title,deadline\n\nKH02-07,Nhiệm vụ một,31/12/2025\n , , \n\nKH02-08,Nhiệm vụ hai,32/12/2025\n\n"

    result = read(text)

    assert [r["code"] for r in result.rows] == ["KH02-07"]
    assert list(errors_of(result)) == [6]


# --- Files that do not import --------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["cp1258", "latin-1"])
def test_it_refuses_a_file_not_saved_in_utf8_and_says_how_to_save_it(app, encoding):
    # cp1258 writes Vietnamese as letters plus combining tone marks; latin-1 has only some letters.
    text = "code,title,deadline\nKH02-09,Mua máy tính và màn hình,31/12/2025\n"
    if encoding == "cp1258":
        text = unicodedata.normalize("NFD", "code,title,deadline\nKH02-09,Cải cách hành chính,31/12/2025\n")

    result = read(text.encode(encoding))

    assert result.rows == []
    ((line, reason),) = result.errors
    assert line == 0
    assert "UTF-8" in reason


@pytest.mark.parametrize("data", [b"", b"\xef\xbb\xbf", b"\n\n  \r\n"], ids=["no bytes", "only a BOM", "blank lines"])
def test_it_refuses_an_empty_file(app, data):
    result = read(data)
    assert result.errors == [(0, "Tệp rỗng.")]


def test_it_refuses_a_file_with_headers_and_no_task(app):
    result = read("code,title,deadline\n\n")
    assert result.errors == [(0, "Tệp không có dòng nhiệm vụ nào.")]


@pytest.mark.parametrize(
    ("header", "missing"),
    [
        ("title,deadline", ["code"]),
        ("Mã;Tên nhiệm vụ", ["deadline"]),
        ("code,name,due", ["title", "deadline"]),
    ],
)
def test_it_names_the_missing_columns(app, header, missing):
    result = read(f"{header}\nKH02-10,Nhiệm vụ,31/12/2025\n")

    assert result.rows == []
    ((line, reason),) = result.errors
    assert line == 1
    assert all(name in reason for name in missing)


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        pytest.param(
            "KH02-11,Nhiệm vụ,31/02/2025", 'Hạn "31/02/2025" không phải ngày dd/mm/yyyy.', id="no 31 February"
        ),
        pytest.param("KH02-11,Nhiệm vụ,12/31/2025", 'Hạn "12/31/2025" không phải ngày dd/mm/yyyy.', id="month first"),
        pytest.param("KH02-11,Nhiệm vụ,cuối năm", 'Hạn "cuối năm" không phải ngày dd/mm/yyyy.', id="words"),
        pytest.param(
            "KH02-11,Nhiệm vụ,31/12/2025,2025-13-01",
            'Ngày bắt đầu "2025-13-01" không phải ngày dd/mm/yyyy.',
            id="bad start date",
        ),
        pytest.param("KH02-11,Nhiệm vụ,01/07/2025,02/07/2025", "Hạn trước ngày bắt đầu.", id="deadline before start"),
        pytest.param(",Nhiệm vụ,31/12/2025", "Thiếu code.", id="no code"),
        pytest.param("KH02-11,,31/12/2025", "Thiếu title.", id="no title"),
        pytest.param("KH02-11,Nhiệm vụ,", "Thiếu deadline.", id="no deadline"),
        pytest.param(
            "KH02-11,Nhiệm vụ,31/12/2025,01/07/2025,thừa",
            "Nhiều ô hơn số cột của dòng tiêu đề.",
            id="one cell too many",
        ),
        pytest.param(f"KH02-11,{'Dài ' * 80},31/12/2025", "title dài quá 300 ký tự.", id="title too long"),
    ],
)
def test_it_says_what_is_wrong_with_a_bad_line(app, line, reason):
    result = read(f"code,title,deadline,start_date\nKH02-12,Nhiệm vụ tốt,31/12/2025,\n{line}\n")

    assert errors_of(result) == {3: reason}


def test_it_refuses_a_code_repeated_in_the_file(app):
    result = read("code,title,deadline\nKH02-13,Một,31/12/2025\nKH02-14,Hai,31/12/2025\nKH02-13,Ba,31/12/2025\n")
    assert errors_of(result) == {4: "Mã KH02-13 bị trùng."}


def test_it_refuses_a_code_the_commune_already_has(app):
    result = read("code,title,deadline\nKH02-15,Một,31/12/2025\n", existing={"KH02-15"})
    assert errors_of(result) == {2: "Mã KH02-15 bị trùng."}


def test_it_reports_every_bad_line_not_just_the_first(app):
    text = (
        "code,title,deadline\nKH02-16,Một,31/12/2025\nKH02-17,Hai,30/02/2025\nKH02-18,Ba,31/12/2025\n,Bốn,31/12/2025\n"
    )
    result = read(text)
    assert list(errors_of(result)) == [3, 5]


# --- Through the page ----------------------------------------------------------------------------

BAD = (
    "code,title,deadline\n"
    "KH02-20,Nhiệm vụ đúng,31/12/2099\n"
    "KH02-21,Nhiệm vụ hạn sai,31/13/2099\n"
    "KH02-20,Nhiệm vụ trùng mã,31/12/2099\n"
)


def upload(client, data: bytes, name: str = "nhiem-vu.csv"):
    return client.post("/tasks/import", data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def task_codes() -> list[str]:
    db.session.expire_all()
    return list(db.session.scalars(db.select(Task.code).order_by(Task.code)))


def audit_actions() -> list[str]:
    return list(db.session.scalars(db.select(AuditEvent.action).order_by(AuditEvent.id)))


@pytest.mark.parametrize("persona", ["staff", "leader"])
def test_it_imports_a_good_file_and_lists_the_tasks(client, auth, users, persona):
    auth.login(persona)

    response = upload(client, b"\xef\xbb\xbf" + GOOD.encode("utf-8"))
    page = Page.of(client.get(response.headers["Location"]))

    assert response.status_code == 303
    assert "Đã nhập 2 nhiệm vụ." in page.flashes
    assert "Lắp camera tại quầy" in page.find("tr", data_task="KH02-02")[0].text
    assert task_codes() == ["KH02-01", "KH02-02"]
    assert audit_actions()[-3:] == ["task.created", "task.created", "task.imported"]


def test_it_imports_nothing_from_a_file_with_bad_lines_until_they_are_fixed(client, auth, users):
    auth.login("staff")
    audit_before = audit_actions()

    refused = upload(client, BAD.encode("utf-8"))
    page = Page.of(refused)

    assert refused.status_code == 422
    listed = [li.text for li in page.find("li") if li.text.startswith("Dòng")]
    assert listed == [
        'Dòng 3: Hạn "31/13/2099" không phải ngày dd/mm/yyyy.',
        "Dòng 4: Mã KH02-20 bị trùng.",
    ]
    assert "Chưa nhập gì: tệp có 2 lỗi." in page.text("import-errors")
    assert task_codes() == []
    assert audit_actions() == audit_before

    fixed = BAD.replace("31/13/2099", "31/12/2099").replace("KH02-20,Nhiệm vụ trùng mã", "KH02-22,Nhiệm vụ trùng mã")
    accepted = upload(client, fixed.encode("utf-8"))

    assert accepted.status_code == 303
    assert task_codes() == ["KH02-20", "KH02-21", "KH02-22"]


def test_it_refuses_to_import_a_code_already_in_the_plan_and_keeps_the_existing_task(client, auth, users, commune):
    db.session.add(
        Task(
            commune_id=commune.id,
            code="KH02-01",
            title="Nhiệm vụ đã có",
            start_date=dt.date(2025, 7, 1),
            deadline=dt.date(2025, 9, 1),
        )
    )
    db.session.commit()
    auth.login("staff")

    refused = upload(client, GOOD.encode("utf-8"))

    assert refused.status_code == 422
    assert "Dòng 2: Mã KH02-01 bị trùng." in Page.of(refused).text("import-errors")
    assert task_codes() == ["KH02-01"]
    assert db.session.scalar(db.select(Task.title)) == "Nhiệm vụ đã có"


@pytest.mark.parametrize(
    ("data", "shown"),
    [
        pytest.param("code,title,deadline\nKH02-30,Mua máy tính,31/12/2025\n".encode("latin-1"), "UTF-8", id="latin-1"),
        pytest.param(b"", "Tệp rỗng.", id="empty"),
        pytest.param(b"title,deadline\nA,31/12/2025\n", "Thiếu cột: code.", id="missing column"),
    ],
)
def test_it_shows_why_a_whole_file_was_refused(client, auth, users, data, shown):
    auth.login("leader")

    refused = upload(client, data)

    assert refused.status_code == 422
    assert shown in Page.of(refused).text("import-errors")
    assert task_codes() == []


def test_it_asks_for_a_file_when_none_is_chosen(client, auth, users):
    auth.login("staff")

    refused = client.post("/tasks/import", data={}, content_type="multipart/form-data")

    assert refused.status_code == 422
    assert Page.of(refused).text("err-file") == "Chọn tệp CSV."


@pytest.mark.parametrize("persona", ["reviewer", "admin"])
def test_it_lets_only_staff_and_leaders_import(client, auth, users, persona):
    auth.login(persona)

    assert client.get("/tasks/import").status_code == 403
    assert upload(client, GOOD.encode("utf-8")).status_code == 403
    assert task_codes() == []


def test_it_uses_the_servers_today_as_the_start_of_imported_tasks_without_one(client, auth, users):
    auth.login("staff")

    upload(client, "code,title,deadline\nKH02-40,Nhiệm vụ,31/12/2099\n".encode())

    assert db.session.scalar(db.select(Task.start_date)) == clock.today()
