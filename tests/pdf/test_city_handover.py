"""The city's hand-over package (issue 26): the department's signed consolidated reports and each
commune's received reports (their PDFs as the commune signed them, payloads and JWS) in a BagIt bag
that ``bagit`` validates and the city's ``archive verify`` checks offline, each commune's
signatures against that commune's enrolled CA and key, the department's against its certificate;
one byte changed in a PDF or a payload, a file removed, a file added, a root the city does not
trust: each caught and named. On SQLite and on PostgreSQL with the files in S3."""

from __future__ import annotations

import csv
import shutil
import zipfile
from pathlib import Path

import bagit
import pytest
from cryptography.hazmat.primitives.serialization import Encoding

from wardapp.city.models import CityAudit
from wardapp.core import clock
from wardapp.core.pdf import certificates
from wardapp.delivery.sender import send_due

from ..sending import support
from .conftest import TODAY, correct, day_ready, name_leader, sign
from .test_city import push_other_commune

pytestmark = pytest.mark.engines

YEAR = str(TODAY.year)
THIS_MONTH = {"period": "month", "on": TODAY.replace(day=1).isoformat(), "confirm_to_date": "1"}
# The commune's two revisions with their PDFs, the other commune's report pushed without one, and
# the department's consolidated report of the month to date.
DOCUMENTS = 4


def cli(city, *args):
    """A city command, in the city's app context (the test runs in the commune's)."""
    with city.app.app_context():
        return city.app.test_cli_runner().invoke(args=list(args))


@pytest.fixture
def city_year(app, wired, commune, users):
    name_leader(users)
    today = day_ready(commune, users, TODAY, photos=1, late=1)
    first = sign(commune, today, users)
    assert send_due() == {"accepted": 1}
    correct(commune, today, users, "Bổ sung số liệu số hóa")
    assert send_due() == {"accepted": 1}
    push_other_commune(wired, first)
    wired.make_user("giamdoc", full_name="Nguyễn Văn Giám", role="director")
    assert wired.signed_in("giamdoc").post("/consolidated/sign", data=THIS_MONTH).status_code == 303
    wired.make_user("quantri", full_name="Quản trị Sở", role="admin")
    return wired


@pytest.fixture
def package(city_year, tmp_path) -> Path:
    output = tmp_path / "out" / f"city-{YEAR}.zip"
    made = cli(city_year, "archive", "export", YEAR, "-o", str(output))
    assert made.exit_code == 0, made.output
    assert f"{DOCUMENTS} signed documents" in made.output
    return output


def unpacked(package: Path, target: Path) -> Path:
    with zipfile.ZipFile(package) as archive:
        archive.extractall(target)
    (root,) = [p for p in target.iterdir() if p.is_dir()]
    return root


def problems(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("PROBLEM")]


def test_the_citys_package_is_a_valid_bag_and_verifies(city_year, package, tmp_path):
    root = unpacked(package, tmp_path / "unpacked")
    bagit.Bag(str(root)).validate()
    folders = sorted((root / "data" / "van-ban").iterdir())
    assert [f.name.split("_", 1)[1] for f in folders] == [
        f"TH-48-{TODAY:%Y%m}01-{TODAY:%Y%m%d}-b1",
        f"{support.OTHER_COMMUNE}_{TODAY}_r1",
        f"20242_{TODAY}_r1",
        f"20242_{TODAY}_r2",
    ]
    department, other, first, _second = folders
    assert (department / "nhom-xac-thuc.txt").read_text().strip() == "co-quan"
    assert (first / "nhom-xac-thuc.txt").read_text().strip() == "20242"
    assert (first / "chu-ky.jws").is_file() and len(list(first.glob("*.pdf"))) == 1
    assert not list(other.glob("*.pdf")) and (other / "chu-ky.jws").is_file()  # pushed without its PDF
    assert not list(department.glob("*.jws"))
    trust = root / "data" / "xac-thuc"
    assert sorted(p.name for p in trust.iterdir()) == ["20194", "20242", "co-quan"]

    checked = cli(city_year, "archive", "verify", str(package))
    assert checked.exit_code == 0, checked.output
    assert f"{DOCUMENTS} documents and 0 photos checked" in checked.output
    assert "The package is whole" in checked.output
    assert cli(city_year, "archive", "verify", str(root)).exit_code == 0  # the unpacked folder too


def test_the_metadata_names_each_issuer_in_vietnamese(package, tmp_path):
    root = unpacked(package, tmp_path / "unpacked")
    with (root / "data" / "ho-so.csv").open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == DOCUMENTS
    department, other, first, second = rows
    assert department["Tên cơ quan, tổ chức ban hành văn bản"] == "Sở Khoa học và Công nghệ"
    assert department["Người ký"] == "Nguyễn Văn Giám" and department["Ký hiệu của văn bản"] == "BC-SKHCN"
    assert department["Trích yếu nội dung"].startswith("Báo cáo tổng hợp tháng")
    assert first["Tên cơ quan, tổ chức ban hành văn bản"] == "UBND Phường Hải Châu"
    assert first["Người ký"] == "Lê Thị Hằng" and first["Số lượng trang"].isdigit()
    assert "bản đính chính" in second["Trích yếu nội dung"]
    assert "không gửi bản PDF" in other["Ghi chú"] and other["Tên tệp"] == "noi-dung.json"
    assert all(row["Ngôn ngữ"] == "Tiếng Việt" and row["Thời hạn bảo quản"] for row in rows)


def _folder(root: Path, ending: str) -> Path:
    return next(p for p in sorted((root / "data" / "van-ban").iterdir()) if p.name.endswith(ending))


def _flip(path: Path, offset: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))


def change_a_commune_pdf_byte(root: Path) -> str:
    (pdf,) = _folder(root, f"20242_{TODAY}_r1").glob("*.pdf")
    _flip(pdf, len(pdf.read_bytes()) // 2)
    return pdf.relative_to(root).as_posix()


def change_a_department_pdf_byte(root: Path) -> str:
    (pdf,) = _folder(root, "-b1").glob("*.pdf")
    _flip(pdf, len(pdf.read_bytes()) // 2)
    return pdf.relative_to(root).as_posix()


def change_a_payload_byte(root: Path) -> str:
    payload = _folder(root, f"{support.OTHER_COMMUNE}_{TODAY}_r1") / "noi-dung.json"
    _flip(payload, payload.read_bytes().index(b'"date"') + 2)
    return payload.relative_to(root).as_posix()


def remove_a_file(root: Path) -> str:
    jws = _folder(root, f"20242_{TODAY}_r2") / "chu-ky.jws"
    jws.unlink()
    return jws.relative_to(root).as_posix()


def add_a_file(root: Path) -> str:
    extra = _folder(root, "-b1") / "them.pdf"
    extra.write_bytes(b"%PDF-1.7 not signed")
    return extra.relative_to(root).as_posix()


@pytest.mark.parametrize(
    "tamper, words",
    [
        (change_a_commune_pdf_byte, ["altered", "signature does not verify"]),
        (change_a_department_pdf_byte, ["altered", "signature does not verify"]),
        (change_a_payload_byte, ["altered", "signs other bytes"]),
        (remove_a_file, ["missing"]),
        (add_a_file, ["added"]),
    ],
)
def test_each_change_is_caught_and_named(city_year, package, tmp_path, tamper, words):
    root = unpacked(package, tmp_path / "unpacked")
    changed = tamper(root)

    with pytest.raises(bagit.BagValidationError):
        bagit.Bag(str(root)).validate()
    checked = cli(city_year, "archive", "verify", str(root))

    assert checked.exit_code != 0
    found = problems(checked.output)
    assert any(changed in line for line in found), checked.output
    for word in words:
        assert any(word in line for line in found), (word, checked.output)


def test_a_changed_zip_is_caught_too(city_year, package, tmp_path):
    root = unpacked(package, tmp_path / "unpacked")
    changed = change_a_commune_pdf_byte(root)
    rezipped = Path(shutil.make_archive(str(tmp_path / "changed"), "zip", root.parent))

    checked = cli(city_year, "archive", "verify", str(rezipped))

    assert checked.exit_code != 0 and changed in checked.output


def test_a_root_the_city_never_enrolled_is_named_even_in_a_rebagged_package(city_year, package, tmp_path):
    """A package re-made around a forged root (its manifests rewritten, so the bag is valid) still
    fails at the city: the root is not one the city trusts for that commune."""
    root = unpacked(package, tmp_path / "unpacked")
    (tmp_path / "forged").mkdir()
    forged = certificates.make_local_ca(tmp_path / "forged", "Giả mạo", "Không phải Ban Cơ yếu", clock.now())
    (root / "data" / "xac-thuc" / "20242" / "goc-gia-mao.pem").write_bytes(forged.public_bytes(Encoding.PEM))
    bagit.Bag(str(root)).save(manifests=True)
    bagit.Bag(str(root)).validate()

    checked = cli(city_year, "archive", "verify", str(root))

    assert checked.exit_code != 0
    assert any(
        "data/xac-thuc/20242/goc-gia-mao.pem" in line and "does not trust" in line for line in problems(checked.output)
    ), checked.output


def test_the_city_admin_downloads_the_same_package_and_it_is_recorded(city_year, tmp_path):
    admin = city_year.signed_in("quantri")
    page = admin.get("/archive/")
    assert page.status_code == 200 and "Chưa lập gói nào" in page.get_data(as_text=True)

    answer = admin.post("/archive/", data={"year": YEAR})

    assert answer.status_code == 200 and answer.mimetype == "application/zip"
    assert f"ho-so-luu-tru_skhcn_{YEAR}.zip" in answer.headers["Content-Disposition"]
    downloaded = tmp_path / "downloaded.zip"
    downloaded.write_bytes(answer.get_data())
    answer.close()
    checked = cli(city_year, "archive", "verify", str(downloaded))
    assert checked.exit_code == 0 and f"{DOCUMENTS} documents" in checked.output
    assert not any((Path(city_year.app.instance_path) / "exports").iterdir())  # nothing left behind
    [recorded] = city_year.rows(CityAudit, action="archive.exported")
    assert (recorded["actor"], recorded["target"]) == ("quantri", YEAR)
    assert f"{DOCUMENTS} văn bản" in recorded["detail"]
    listed = admin.get("/archive/").get_data(as_text=True)
    assert "quantri" in listed and f"{DOCUMENTS} văn bản" in listed


def test_a_year_out_of_range_is_refused_next_to_the_field(city_year):
    answer = city_year.signed_in("quantri").post("/archive/", data={"year": "1999"})
    assert answer.status_code == 422 and "Chọn một năm" in answer.get_data(as_text=True)


@pytest.mark.parametrize("username", ["sokhcn", "giamdoc"])
def test_only_the_city_admin_may_make_a_package(city_year, username):
    client = city_year.signed_in(username)
    assert client.get("/archive/").status_code == 403
    assert client.post("/archive/", data={"year": YEAR}).status_code == 403
    assert city_year.rows(CityAudit, action="archive.exported") == []
