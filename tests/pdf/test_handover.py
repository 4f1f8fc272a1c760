"""The archival hand-over package (issue 26): a year's signed documents, their payloads, JWS and
photos in a BagIt bag that ``bagit`` validates and ``archive verify`` checks offline; one byte
changed in a PDF or a payload, a file removed, a file added: each caught and named."""

from __future__ import annotations

import csv
import shutil
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import bagit
import pytest

from wardapp.audit.models import AuditEvent
from wardapp.extensions import db

from ..helpers import signed_in
from .conftest import MONTH, TODAY, correct, day_ready, sign

YEAR = str(TODAY.year)


def cli(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


@pytest.fixture
def year(app, commune, users, month_days):
    """Last month's two signed days and its signed month documents, today signed and corrected."""
    assert signed_in(app, "leader").post(f"/pdf/month/{MONTH}/sign").status_code == 303
    today = day_ready(commune, users, TODAY, photos=2)
    sign(commune, today, users)
    correct(commune, today, users, "Bổ sung số liệu số hóa")


@pytest.fixture
def package(app, year, tmp_path) -> Path:
    output = tmp_path / "out" / f"hand-over-{YEAR}.zip"
    made = cli(app, "archive", "export", YEAR, "-o", str(output))
    assert made.exit_code == 0, made.output
    assert "6 signed documents, 4 photos" in made.output  # 4 daily revisions, 2 month documents
    return output


def unpacked(package: Path, target: Path) -> Path:
    with zipfile.ZipFile(package) as archive:
        archive.extractall(target)
    (root,) = [p for p in target.iterdir() if p.is_dir()]
    return root


def test_the_package_is_a_valid_bag_and_verifies(app, package, tmp_path):
    root = unpacked(package, tmp_path / "unpacked")
    bag = bagit.Bag(str(root))
    bag.validate()
    assert "sha256" in bag.algorithms
    assert any(name.endswith(".pdf") for name in bag.payload_entries())

    checked = cli(app, "archive", "verify", str(package))
    assert checked.exit_code == 0, checked.output
    assert "6 documents and 4 photos checked" in checked.output
    assert "The package is whole" in checked.output
    assert cli(app, "archive", "verify", str(root)).exit_code == 0  # the unpacked folder too

    events = db.session.scalars(db.select(AuditEvent).filter_by(action="archive.exported")).all()
    assert [e.target_id for e in events] == [YEAR]


def test_the_metadata_is_in_vietnamese_as_csv_and_xml(package, tmp_path):
    root = unpacked(package, tmp_path / "unpacked")
    with (root / "data" / "ho-so.csv").open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 6
    first = rows[0]
    assert first["Tên loại văn bản"] == "Báo cáo"
    assert first["Ngôn ngữ"] == "Tiếng Việt"
    assert first["Người ký"] == "Lê Thị Hằng"
    assert first["Ký hiệu của văn bản"] == "BC-UBND"
    assert first["Thời hạn bảo quản"] and first["Độ mật"] and first["Số lượng trang"].isdigit()
    assert first["Trích yếu nội dung"].startswith("Báo cáo ngày")
    kinds = [row["Trích yếu nội dung"] for row in rows]
    assert any("tổng hợp tháng" in k for k in kinds) and any("bản đính chính" in k for k in kinds)

    case_file = ET.parse(root / "data" / "ho-so.xml").getroot()  # noqa: S314 - our own file
    assert case_file.findtext("tong_so_van_ban") == "6"
    assert len(case_file.find("muc_luc_van_ban")) == 6
    folders = sorted((root / "data" / "van-ban").iterdir())
    assert len(folders) == 6
    one = ET.parse(folders[0] / "dac-ta.xml").getroot()  # noqa: S314 - our own file
    assert one.find("trich_yeu").get("nhan") == "Trích yếu nội dung"
    assert one.findtext("so_thu_tu") == "1"
    assert (folders[0] / "dac-ta.csv").is_file() and (folders[0] / "noi-dung.json").is_file()


def _first(root: Path, pattern: str) -> Path:
    return sorted((root / "data" / "van-ban").glob(pattern))[0]


def _flip(path: Path, offset: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))


def change_a_pdf_byte(root: Path) -> str:
    pdf = _first(root, "*/*.pdf")
    _flip(pdf, len(pdf.read_bytes()) // 2)
    return pdf.relative_to(root).as_posix()


def change_a_payload_byte(root: Path) -> str:
    payload = _first(root, "*/noi-dung.json")
    text = payload.read_bytes()
    _flip(payload, text.index(b'"date"') + 2)
    return payload.relative_to(root).as_posix()


def remove_a_file(root: Path) -> str:
    photo = sorted((root / "data" / "anh").iterdir())[0]
    photo.unlink()
    return photo.relative_to(root).as_posix()


def add_a_file(root: Path) -> str:
    extra = _first(root, "*/").joinpath("them.pdf")
    extra.write_bytes(b"%PDF-1.7 not signed")
    return extra.relative_to(root).as_posix()


@pytest.mark.parametrize(
    "tamper, words",
    [
        (change_a_pdf_byte, ["altered", "signature does not verify"]),
        (change_a_payload_byte, ["altered", "differs from the payload the signed PDF carries", "chu-ky.jws"]),
        (remove_a_file, ["missing"]),
        (add_a_file, ["added"]),
    ],
)
def test_each_change_is_caught_and_named(app, package, tmp_path, tamper, words):
    root = unpacked(package, tmp_path / "unpacked")
    changed = tamper(root)

    with pytest.raises(bagit.BagValidationError):
        bagit.Bag(str(root)).validate()
    checked = cli(app, "archive", "verify", str(root))

    assert checked.exit_code != 0
    problems = [line for line in checked.output.splitlines() if line.startswith("PROBLEM")]
    assert any(changed in line for line in problems), checked.output
    for word in words:
        assert any(word in line for line in problems), (word, checked.output)


def test_a_changed_zip_is_caught_too(app, package, tmp_path):
    root = unpacked(package, tmp_path / "unpacked")
    changed = change_a_pdf_byte(root)
    rezipped = Path(shutil.make_archive(str(tmp_path / "changed"), "zip", root.parent))

    checked = cli(app, "archive", "verify", str(rezipped))

    assert checked.exit_code != 0 and changed in checked.output


def test_a_year_without_signed_documents_is_an_empty_but_valid_package(app, commune, users, tmp_path):
    output = tmp_path / "empty.zip"
    assert cli(app, "archive", "export", "2024", "-o", str(output)).exit_code == 0
    assert cli(app, "archive", "verify", str(output)).exit_code == 0


def test_the_admin_downloads_the_same_package(app, year, tmp_path):
    admin = signed_in(app, "admin")
    page = admin.get("/admin/archive/")
    assert page.status_code == 200 and "Gói bàn giao lưu trữ" in page.get_data(as_text=True)

    answer = admin.post("/admin/archive/", data={"year": YEAR})

    assert answer.status_code == 200 and answer.mimetype == "application/zip"
    assert f"ho-so-luu-tru_20242_{YEAR}.zip" in answer.headers["Content-Disposition"]
    downloaded = tmp_path / "downloaded.zip"
    downloaded.write_bytes(answer.get_data())
    answer.close()
    checked = cli(app, "archive", "verify", str(downloaded))
    assert checked.exit_code == 0 and "6 documents and 4 photos checked" in checked.output
    assert not any((Path(app.instance_path) / "exports").iterdir())  # nothing left behind


def test_a_year_out_of_range_is_refused_next_to_the_field(app, year):
    answer = signed_in(app, "admin").post("/admin/archive/", data={"year": "1999"})
    assert answer.status_code == 422 and "Chọn một năm" in answer.get_data(as_text=True)


@pytest.mark.parametrize("username", ["staff", "leader", "reviewer"])
def test_only_the_admin_may_download_a_package(app, year, username):
    client = signed_in(app, username)
    assert client.get("/admin/archive/").status_code == 403
    assert client.post("/admin/archive/", data={"year": YEAR}).status_code == 403
