"""The archival hand-over package: a period's signed documents as a BagIt bag (RFC 8493, made and
checked by the ``bagit`` library) in one ZIP file, with their archival metadata (pure: no Flask, no
database session; docs/ARCHIVES.md says which rules the fields follow).

Inside the bag (``data/`` is its payload; every file is listed with its SHA-256 in
``manifest-sha256.txt``, the tag files in ``tagmanifest-sha256.txt``)::

    data/ho-so.csv, data/ho-so.xml          the case file and its list of documents (mục lục văn bản)
    data/van-ban/<NNNN>_<id>/               one folder per signed document:
        <file>.pdf                          the stored signed PDF, as it was signed
        noi-dung.json                       the signed payload (the JSON the PDF embeds)
        chu-ky.jws                          its JWS (daily reports)
        dac-ta.csv, dac-ta.xml              the document's metadata
    data/anh/<sha256>.<ext>                 the signed photos still kept (their hashes are signed)
    data/xac-thuc/goc-*.pem                 the roots the PDFs' signatures chain to
    data/xac-thuc/khoa-jws.json             the public keys of the JWS signatures

A package holding several signers' documents (the city's: each commune's received reports, the
department's consolidated ones) keeps each signer's roots and keys apart, in a trust group
``data/xac-thuc/<group>/`` (the same two kinds of files); each document's folder then names its
group in ``nhom-xac-thuc.txt``, so a commune's PDF is checked against that commune's CAs only and
its JWS against that commune's keys only. A document naming no group uses ``data/xac-thuc/``.

Everything is read from stored files and streamed: a file is hard-linked (or copied) into the bag
in a work folder beside the output, its manifest line written as it is placed, and the folder is
written into the ZIP block by block at the end (``core.zipstream``: its central directory goes to
a side file as each entry is written). Neither a year of photos nor the list of its files sits
in memory.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import os
import re
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import bagit
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from joserfc import jws
from joserfc.jwk import OKPKey

from wardapp.core import clock, consolidated_docs, zipstream
from wardapp.core.pdf import verification

FORMAT = "wardapp-handover/1"
DOCUMENTS, PHOTOS, TRUST = "van-ban", "anh", "xac-thuc"
PAYLOAD_FILE, JWS_FILE = "noi-dung.json", "chu-ky.jws"
METADATA_STEM, CASE_FILE_STEM = "dac-ta", "ho-so"
# What every document a package holds is, for the archive: in Vietnamese, not classified, the
# electronic original.
LANGUAGE, SECURITY, RELIABILITY = "Tiếng Việt", "Thường (không mật)", "Bản gốc điện tử"
KEYS_FILE = "khoa-jws.json"
TRUST_GROUP_FILE = "nhom-xac-thuc.txt"
TRUST_GROUP = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
# The largest consolidated JSON read back (a province's year of commune-days is a few MB).
MAX_CONSOLIDATED_JSON = 64 * 1000 * 1000
# Already compressed: stored as they are in the ZIP (deflating them only costs time).
STORED_SUFFIXES = (".pdf", ".jpg", ".jpeg", ".png", ".webp", ".heic", ".heif")

# The metadata of one document, in the order the CSV columns and XML elements take. The names
# follow the document fields of Circular 02/2019/TT-BNV's Appendix I (kept by Circular
# 05/2025/TT-BNV's data of an archival document), plus what the issue asks (signer, retention,
# security level) and what proves the file (name, format, size, SHA-256, signing time).
DOCUMENT_FIELDS: tuple[tuple[str, str], ...] = (
    ("ma_dinh_danh", "Mã định danh văn bản"),
    ("ma_ho_so", "Mã hồ sơ"),
    ("so_thu_tu", "Số thứ tự văn bản trong hồ sơ"),
    ("ten_loai", "Tên loại văn bản"),
    ("so", "Số của văn bản"),
    ("ky_hieu", "Ký hiệu của văn bản"),
    ("ngay", "Ngày, tháng, năm văn bản"),
    ("co_quan_ban_hanh", "Tên cơ quan, tổ chức ban hành văn bản"),
    ("trich_yeu", "Trích yếu nội dung"),
    ("ngon_ngu", "Ngôn ngữ"),
    ("so_trang", "Số lượng trang"),
    ("nguoi_ky", "Người ký"),
    ("chuc_vu_nguoi_ky", "Chức vụ người ký"),
    ("thoi_diem_ky", "Thời điểm ký số"),
    ("thoi_han_bao_quan", "Thời hạn bảo quản"),
    ("che_do_su_dung", "Chế độ sử dụng"),
    ("do_mat", "Độ mật"),
    ("muc_do_tin_cay", "Mức độ tin cậy"),
    ("ky_hieu_thong_tin", "Ký hiệu thông tin"),
    ("tu_khoa", "Từ khóa"),
    ("ten_tep", "Tên tệp"),
    ("dinh_dang", "Định dạng"),
    ("dung_luong", "Dung lượng (byte)"),
    ("sha256", "Mã băm SHA-256 của tệp"),
    ("ghi_chu", "Ghi chú"),
)

# The case file (hồ sơ): the fields of a case file in the same rules.
CASE_FILE_FIELDS: tuple[tuple[str, str], ...] = (
    ("ma_ho_so", "Mã hồ sơ"),
    ("tieu_de_ho_so", "Tiêu đề hồ sơ"),
    ("co_quan", "Tên cơ quan, tổ chức lập hồ sơ"),
    ("ma_co_quan", "Mã đơn vị hành chính"),
    ("thoi_han_bao_quan", "Thời hạn bảo quản"),
    ("che_do_su_dung", "Chế độ sử dụng"),
    ("ngon_ngu", "Ngôn ngữ"),
    ("thoi_gian_bat_dau", "Thời gian bắt đầu"),
    ("thoi_gian_ket_thuc", "Thời gian kết thúc"),
    ("tong_so_van_ban", "Tổng số văn bản trong hồ sơ"),
    ("so_luong_trang", "Số lượng trang"),
    ("tu_khoa", "Từ khóa"),
    ("ngay_lap_goi", "Ngày lập gói bàn giao"),
    ("ghi_chu", "Ghi chú"),
)


class HandoverError(Exception):
    pass


@dataclass(frozen=True)
class PackedFile:
    """One file of the package: a stored file (``source``) or a few bytes made for it (``data``)."""

    name: str
    source: Path | None = None
    data: bytes | None = None


@dataclass(frozen=True)
class Document:
    """One signed document: its folder name, its metadata (DOCUMENT_FIELDS keys) and its files;
    ``trust``: the trust group its signatures are checked against (empty: the package's own)."""

    folder: str
    metadata: Mapping[str, str]
    files: Sequence[PackedFile]
    trust: str = ""


@dataclass
class Exported:
    path: Path
    documents: int = 0
    photos: int = 0
    bytes: int = 0


@dataclass
class Verified:
    documents: int = 0
    photos: int = 0
    problems: list[str] = field(default_factory=list)
    roots: list[str] = field(default_factory=list)  # "subject (SHA-256 fingerprint)" of each root

    @property
    def ok(self) -> bool:
        return not self.problems


# --- Metadata files ---------------------------------------------------------------------------


def csv_bytes(fields: Sequence[tuple[str, str]], rows: Iterable[Mapping[str, str]]) -> bytes:
    """A CSV with the Vietnamese labels as its header, UTF-8 with a BOM (so a spreadsheet opens the
    accents right)."""
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow([label for _key, label in fields])
    for row in rows:
        writer.writerow([row.get(key, "") for key, _label in fields])
    return out.getvalue().encode("utf-8-sig")


def _element(tag: str, fields: Sequence[tuple[str, str]], values: Mapping[str, str]) -> ET.Element:
    node = ET.Element(tag)
    for key, label in fields:
        child = ET.SubElement(node, key, {"nhan": label})
        child.text = str(values.get(key, ""))
    return node


def document_xml(metadata: Mapping[str, str]) -> bytes:
    root = _element("van_ban", DOCUMENT_FIELDS, metadata)
    root.set("dinh_dang_goi", FORMAT)
    return _xml_bytes(root)


def _xml_bytes(root: ET.Element) -> bytes:
    ET.indent(root)
    data: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return data


# --- Making the package -----------------------------------------------------------------------

BAGIT_TXT = "BagIt-Version: 0.97\nTag-File-Character-Encoding: UTF-8\n"  # what bagit.make_bag writes
MANIFEST, TAG_MANIFEST = "manifest-sha256.txt", "tagmanifest-sha256.txt"
LINE_BREAKS = re.compile(r"[\r\n]")  # a tag's value is one line (bagit strips them the same way)
BLOCK = 1 << 20  # files are read, hashed and copied a mebibyte at a time


class BagWriter:
    """A BagIt bag written as it is filled, laid out as ``bagit.make_bag`` lays one out (and checked
    by ``bagit`` in the tests): each payload file is placed under ``data/`` and its manifest line
    written at once, its SHA-256 computed as its bytes are written (a stored file hard-linked in
    is read once for it). What it keeps is two totals, never a file's name or hash:
    ``bagit.make_bag`` walks and hashes the finished tree again, holding every file's line in
    lists and its manifest in a dict (about 430 bytes a file, measured: a province's year has some
    200,000 files)."""

    def __init__(self, root: Path):
        self.root, self.data = root, root / "data"
        self.data.mkdir(parents=True)
        self._data = str(self.data)
        self.files = self.bytes = 0
        self._manifest = (root / MANIFEST).open("w", encoding="utf-8", newline="\n")

    def __enter__(self) -> BagWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self._manifest.close()

    def place(self, relative: str, item: PackedFile) -> None:
        """``item`` at ``data/<relative>``: its bytes, or the stored file hard-linked when the store
        is on the same disk (no copy at all), otherwise copied block by block. (Plain strings, not
        ``Path``, for the same reason as ``_files``.)"""
        target = os.path.join(self._data, relative)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        if item.data is not None:
            with open(target, "wb") as out:
                out.write(item.data)
            self._list(relative, hashlib.sha256(item.data).hexdigest(), len(item.data))
        elif item.source is None:
            raise HandoverError(f"{item.name}: neither a stored file nor data")
        else:
            self._list(relative, *_link_or_copy(item.source, target))

    def put(self, relative: str, data: bytes) -> None:
        self.place(relative, PackedFile(relative, data=data))

    def record(self, relative: str) -> None:
        """A file another writer made in ``data/`` (the case file's list): read once for its hash."""
        path = self.data / relative
        self._list(relative, file_sha256(path), path.stat().st_size)

    def _list(self, relative: str, digest: str, size: int) -> None:
        # The two spaces and the CR/LF escapes of bagit's own manifests.
        name = f"data/{relative}".replace("\r", "%0D").replace("\n", "%0A")
        self._manifest.write(f"{digest}  {name}\n")
        self.files += 1
        self.bytes += size

    def finish(self, bag_info: Mapping[str, str]) -> None:
        """The tag files: ``bagit.txt``, ``bag-info.txt`` (with ``Payload-Oxum``, the payload's bytes
        and files, which bagit checks first) and ``tagmanifest-sha256.txt`` over them and the
        manifest."""
        self._manifest.close()
        info = {"Bagging-Date": clock.today().isoformat(), "Bag-Software-Agent": f"wardapp ({FORMAT})"}
        info |= dict(bag_info)
        info["Payload-Oxum"] = f"{self.bytes}.{self.files}"
        (self.root / "bagit.txt").write_text(BAGIT_TXT, encoding="utf-8")
        lines = (f"{key}: {LINE_BREAKS.sub('', str(value))}\n" for key, value in sorted(info.items()))
        (self.root / "bag-info.txt").write_text("".join(lines), encoding="utf-8")
        tags = ("bagit.txt", "bag-info.txt", MANIFEST)
        listed = "".join(f"{file_sha256(self.root / name)} {name}\n" for name in tags)
        (self.root / TAG_MANIFEST).write_text(listed, encoding="utf-8")


def _link_or_copy(source: Path, target: str) -> tuple[str, int]:
    """Put a stored file at ``target``; its SHA-256 and size."""
    try:
        os.link(source, target)
    except OSError:
        digest, size = hashlib.sha256(), 0
        with open(source, "rb") as src, open(target, "wb") as out:
            while block := src.read(BLOCK):
                digest.update(block)
                out.write(block)
                size += len(block)
        return digest.hexdigest(), size
    return file_sha256(target), os.stat(target).st_size


def export(
    output: Path,
    *,
    bag_name: str,
    case_file: Callable[[int], Mapping[str, str]],
    documents: Iterable[Document],
    photos: Iterable[PackedFile],
    trust: Iterable[PackedFile],
    bag_info: Mapping[str, str],
) -> Exported:
    """Write the package to ``output`` (a ZIP holding the bag in ``bag_name/``), atomically: a
    half-written package never has the final name. ``documents`` and ``photos`` are consumed once,
    one at a time, each file written into the bag (and its manifest) as it comes; ``case_file`` is
    asked for the case file's fields with the number of documents, after they are all written."""
    output = output.resolve()
    output.parent.mkdir(parents=True, exist_ok=True)
    result = Exported(output)
    with (
        tempfile.TemporaryDirectory(prefix=".handover-", dir=output.parent) as work,
        BagWriter(Path(work) / bag_name) as bag,
    ):
        listing = CaseFileListing(bag.data, Path(work) / "muc-luc.part")
        with listing:
            for document in documents:
                _write_document(bag, document)
                listing.add(document.metadata)
        for photo in photos:
            bag.place(f"{PHOTOS}/{photo.name}", photo)
            result.photos += 1
        for item in trust:
            bag.place(f"{TRUST}/{item.name}", item)
        listing.finish(case_file(listing.count))
        bag.record(f"{CASE_FILE_STEM}.csv")
        bag.record(f"{CASE_FILE_STEM}.xml")
        result.documents = listing.count
        bag.finish(bag_info)
        partial = output.with_name(output.name + ".part")
        _zip_folder(bag.root, partial)
        partial.replace(output)
    result.bytes = output.stat().st_size
    return result


def _write_document(bag: BagWriter, document: Document) -> None:
    folder = f"{DOCUMENTS}/{document.folder}"
    for item in document.files:
        bag.place(f"{folder}/{item.name}", item)
    if document.trust:
        if not TRUST_GROUP.fullmatch(document.trust):
            raise HandoverError(f"{document.folder}: not a trust group name: {document.trust!r}")
        bag.put(f"{folder}/{TRUST_GROUP_FILE}", (document.trust + "\n").encode("ascii"))
    bag.put(f"{folder}/{METADATA_STEM}.csv", csv_bytes(DOCUMENT_FIELDS, [document.metadata]))
    bag.put(f"{folder}/{METADATA_STEM}.xml", document_xml(document.metadata))


class CaseFileListing:
    """The case file's list of documents (``ho-so.csv``, ``ho-so.xml``), written a row at a time as
    each document is: a province's year of documents is never held in memory. The XML's entries go
    to a side file first, since the case file's own fields (its totals) come before them."""

    def __init__(self, folder: Path, entries: Path):
        self.folder, self.entries, self.count = folder, entries, 0

    def __enter__(self) -> CaseFileListing:
        self._csv_file = (self.folder / f"{CASE_FILE_STEM}.csv").open("w", encoding="utf-8-sig", newline="")
        self._csv = csv.writer(self._csv_file)
        self._csv.writerow([label for _key, label in DOCUMENT_FIELDS])
        self._xml = self.entries.open("wb")
        return self

    def add(self, metadata: Mapping[str, str]) -> None:
        self._csv.writerow([metadata.get(key, "") for key, _label in DOCUMENT_FIELDS])
        entry = _element("van_ban", DOCUMENT_FIELDS, metadata)
        ET.indent(entry, level=2)
        self._xml.write(b"\n    " + ET.tostring(entry, encoding="utf-8"))
        self.count += 1

    def __exit__(self, *exc: object) -> None:
        self._csv_file.close()
        self._xml.close()

    def finish(self, case_file: Mapping[str, str]) -> None:
        """``ho-so.xml``: the case file's fields, then its list, copied block by block."""
        root = _element("ho_so", CASE_FILE_FIELDS, case_file)
        root.set("dinh_dang_goi", FORMAT)
        ET.SubElement(root, "muc_luc_van_ban").text = "@@"
        head, marker, rest = _xml_bytes(root).rpartition(b"@@</muc_luc_van_ban>")  # the last element
        tail = marker.removeprefix(b"@@") + rest
        with (self.folder / f"{CASE_FILE_STEM}.xml").open("wb") as out, self.entries.open("rb") as entries:
            out.write(head)
            shutil.copyfileobj(entries, out, 1 << 20)
            out.write((b"\n  " if self.count else b"") + tail)
        self.entries.unlink()


def _zip_folder(folder: Path, target: Path) -> None:
    """The bag into one ZIP, file by file in name order, each copied block by block; every entry
    dated when the package is made. ``core.zipstream`` keeps no entry in memory (``zipfile``
    would keep one of about 450 bytes per file until the end). The work folder is emptied as it
    goes, each file removed once in the ZIP: ``shutil.rmtree`` would list the year's folder of
    documents whole (some 300 bytes each) to delete it."""
    with zipstream.ZipStream(target, clock.now().astimezone(clock.TZ)) as archive:
        for name, path in _taken_files(str(folder), folder.name):
            archive.add(name, path, compress=not name.lower().endswith(STORED_SUFFIXES))
            os.unlink(path)


def _taken_files(folder: str, prefix: str) -> Iterator[tuple[str, str]]:
    """Every file under ``folder`` in name order (the order of the sorted paths) as its name in the
    ZIP and its path, one folder's names listed at a time (never a list of all the package's
    files); each sub-folder is removed once its files are taken (and removed by the caller).
    Plain strings, not ``Path``: pathlib interns each part of a path, and a year's hundreds of
    thousands of names would make CPython's table of interned strings grow."""
    for name in sorted(os.listdir(folder)):
        path = os.path.join(folder, name)
        if os.path.isdir(path):
            yield from _taken_files(path, f"{prefix}/{name}")
            os.rmdir(path)
        elif os.path.isfile(path):
            yield f"{prefix}/{name}", path


# --- Checking a package -----------------------------------------------------------------------


TrustCheck = Callable[[Path], list[str]]


def verify(path: Path, trusted: TrustCheck | None = None) -> Verified:
    """Check a package (the ZIP, or its unpacked folder) offline: the bag (every file listed, none
    added, each SHA-256 as in the manifest), then every PDF's signatures against the roots the
    package carries, the payload each PDF embeds, and each JWS with the package's public keys.
    ``trusted``: given the package's ``data/xac-thuc`` folder, what in it the checking party does
    not itself trust (a package could carry its own forged root)."""
    if path.is_dir():
        return _verify_folder(path, trusted)
    if not zipfile.is_zipfile(path):
        return Verified(problems=[f"{path.name}: neither a ZIP file nor a folder"])
    with tempfile.TemporaryDirectory(prefix=".handover-check-") as work:
        _unzip(path, Path(work))
        return _verify_folder(Path(work), trusted)


def _unzip(path: Path, target: Path) -> None:
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            parts = Path(info.filename).parts
            if info.filename.startswith("/") or ".." in parts:
                raise HandoverError(f"{info.filename}: an unsafe name in the ZIP")
            if info.is_dir():
                continue
            destination = target / info.filename
            destination.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(info) as source, destination.open("wb") as out:
                shutil.copyfileobj(source, out, 1 << 20)


def bag_root(folder: Path) -> Path | None:
    """The folder holding ``bagit.txt``: the given one, or its only sub-folder (an unpacked ZIP)."""
    if (folder / "bagit.txt").is_file():
        return folder
    found = [child for child in folder.iterdir() if child.is_dir() and (child / "bagit.txt").is_file()]
    return found[0] if len(found) == 1 else None


def _verify_folder(folder: Path, trusted: TrustCheck | None = None) -> Verified:
    result = Verified()
    root = bag_root(folder)
    if root is None:
        result.problems.append(f"{folder}: no bagit.txt: not a BagIt package")
        return result
    try:
        bag = bagit.Bag(str(root))
    except bagit.BagError as error:
        result.problems.append(f"not a valid BagIt package: {error}")
        return result
    result.problems += bag_problems(bag)
    _check_documents(root / "data", result)
    if trusted is not None and (root / "data" / TRUST).is_dir():
        result.problems += trusted(root / "data" / TRUST)
    return result


def bag_problems(bag: Any) -> list[str]:
    """What ``bagit`` finds wrong, each file named. bagit's own ``validate`` stops at the first
    failed step (the file count and size of Payload-Oxum, before naming any file), so the names
    come from the manifest compared with the files and each listed file's hash recomputed."""
    try:
        bag.validate(processes=1)
        return []
    except bagit.BagValidationError as error:
        summary = str(error.message)
    root = Path(bag.path)
    only_listed, only_present = bag.compare_manifests_with_fs()
    problems = [f"{name}: missing (listed in the manifest, not in the package)" for name in sorted(only_listed)]
    problems += [f"{name}: added (in the package, not in the manifest)" for name in sorted(only_present)]
    missing = set(only_listed)
    for name, digests in sorted(bag.entries.items()):
        expected = digests.get("sha256")
        if name in missing or expected is None or not (root / name).is_file():
            continue
        if file_sha256(root / name) != expected.lower():
            problems.append(f"{name}: altered (its SHA-256 differs from the manifest)")
    return problems or [f"the bag does not validate: {summary}"]


def file_sha256(path: Path | str) -> str:
    """A file's SHA-256, read a mebibyte at a time (a package holds a year of photos)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _roots(folder: Path, result: Verified) -> list[x509.Certificate]:
    roots = []
    shown = folder.relative_to(folder.parents[1]).as_posix() if len(folder.parents) > 1 else folder.name
    for pem in sorted(folder.glob("*.pem")):
        try:
            cert = x509.load_pem_x509_certificate(pem.read_bytes())
        except ValueError:
            result.problems.append(f"data/{shown}/{pem.name}: not a PEM certificate")
            continue
        roots.append(cert)
        described = f"{cert.subject.rfc4514_string()} (SHA-256 {cert.fingerprint(hashes.SHA256()).hex()})"
        if described not in result.roots:  # the same national root in every commune's group: once
            result.roots.append(described)
    return roots


def _public_keys(folder: Path, result: Verified, shown: str) -> dict[str, OKPKey]:
    try:
        listed = json.loads((folder / KEYS_FILE).read_text(encoding="utf-8"))
        return {kid: OKPKey.import_key({k: v for k, v in jwk.items() if k != "kid"}) for kid, jwk in listed.items()}
    except (OSError, ValueError, TypeError, AttributeError) as error:
        result.problems.append(f"{shown}/{KEYS_FILE}: public keys unreadable ({type(error).__name__})")
        return {}


@dataclass
class _Trust:
    """The roots and keys of the package's trust groups, each read once, when a document first
    names it (a province's package has one group per commune)."""

    folder: Path  # data/xac-thuc
    result: Verified
    groups: dict[str, tuple[list[x509.Certificate], dict[str, OKPKey]] | None] = field(default_factory=dict)

    def of(self, group: str) -> tuple[list[x509.Certificate], dict[str, OKPKey]] | None:
        """A group's roots and keys ("" is the package's own), None when the package lacks it."""
        if group not in self.groups:
            folder = self.folder / group if group else self.folder
            shown = f"data/{TRUST}/{group}".rstrip("/")
            if group and not (TRUST_GROUP.fullmatch(group) and folder.is_dir()):
                self.groups[group] = None
            else:
                keys = _public_keys(folder, self.result, shown) if (folder / KEYS_FILE).exists() or not group else {}
                self.groups[group] = (_roots(folder, self.result), keys)
        return self.groups[group]


def _check_documents(data: Path, result: Verified) -> None:
    trust = _Trust(data / TRUST, result)
    folders = sorted(p for p in (data / DOCUMENTS).iterdir() if p.is_dir()) if (data / DOCUMENTS).is_dir() else []
    for folder in folders:
        result.documents += 1
        shown = f"data/{DOCUMENTS}/{folder.name}"
        group = _group_of(folder)
        found = trust.of(group)
        if found is None:
            result.problems.append(f"{shown}/{TRUST_GROUP_FILE}: names the trust group {group!r}, not in the package")
            continue
        roots, keys = found
        result.problems += check_document(folder, shown, roots, keys)
    if (data / PHOTOS).is_dir():
        result.photos = sum(1 for p in (data / PHOTOS).iterdir() if p.is_file())


def _group_of(folder: Path) -> str:
    path = folder / TRUST_GROUP_FILE
    return path.read_text(encoding="ascii", errors="replace").strip() if path.is_file() else ""


def check_document(folder: Path, shown: str, roots: list[x509.Certificate], keys: Mapping[str, OKPKey]) -> list[str]:
    """One document folder: its PDF's signatures, the payload it embeds against ``noi-dung.json``,
    and the JWS (when there is one) against the same payload. A report a commune pushed without
    its PDF is kept at the city as its payload and JWS only: the JWS is then its signature."""
    pdfs = sorted(folder.glob("*.pdf"))
    jws_path = folder / JWS_FILE
    payload_path = folder / PAYLOAD_FILE
    payload = payload_path.read_bytes() if payload_path.is_file() else None
    problems = []
    if len(pdfs) > 1 or (not pdfs and not jws_path.is_file()):
        return [f"{shown}: {len(pdfs)} PDF files instead of one"]
    if pdfs:
        problems += _check_pdf(pdfs[0], shown, roots, payload)
    if jws_path.is_file():
        if payload is None:
            problems.append(f"{shown}/{PAYLOAD_FILE}: missing beside its JWS")
        else:
            problem = _check_jws(jws_path.read_text(encoding="ascii", errors="replace").strip(), payload, keys)
            if problem:
                problems.append(f"{shown}/{JWS_FILE}: {problem}")
    return problems


def _check_pdf(pdf: Path, shown: str, roots: list[x509.Certificate], payload: bytes | None) -> list[str]:
    problems = []
    data = pdf.read_bytes()
    check = verification.check_pdf(data, roots)
    if not check.valid:
        problems.append(f"{shown}/{pdf.name}: signature does not verify ({_why(check)})")
    embedded = check.payload
    if embedded is None:
        embedded = verification.month_document(verification.embedded_files(data))
    if embedded is None:
        embedded = _consolidated_json(data)
    if payload is not None and embedded is not None and embedded != payload:
        problems.append(f"{shown}/{PAYLOAD_FILE}: differs from the payload the signed PDF carries")
    return problems


def _consolidated_json(data: bytes) -> bytes | None:
    """The JSON a department's consolidated report embeds (every commune-day it adds up: a
    province's year is larger than a daily report's limit, so it is read with the package's)."""
    try:
        files = verification.embedded_files(
            data, wanted=lambda name: name.endswith(consolidated_docs.SUFFIX), limit=MAX_CONSOLIDATED_JSON
        )
    except verification.TooLarge:
        return None
    found = [content for _name, content in sorted(files.items())]
    return found[0] if len(found) == 1 else None


def _why(check: verification.PdfCheck) -> str:
    if check.error:
        return check.error
    reasons = []
    for signature in check.signatures:
        if not signature.intact:
            reasons.append(f"{signature.field}: not intact")
        elif not signature.trusted:
            reasons.append(f"{signature.field}: not trusted")
        elif not signature.whole_document:
            reasons.append(f"{signature.field}: does not cover the whole file")
        elif signature.error:
            reasons.append(f"{signature.field}: {signature.error}")
    return "; ".join(reasons) or "invalid"


def _check_jws(token: str, payload: bytes, keys: Mapping[str, OKPKey]) -> str | None:
    try:
        header = json.loads(_b64(token.split(".", 1)[0]))
        key = keys.get(str(header.get("kid")))
        if key is None:
            return f"signed with key {header.get('kid')!r}, which the package does not carry"
        verified = jws.deserialize_compact(token, key, algorithms=["Ed25519", "EdDSA"])
    except Exception as error:  # joserfc raises several types for a bad token
        return f"does not verify ({type(error).__name__})"
    if verified.payload != payload:
        return f"signs other bytes than {PAYLOAD_FILE}"
    return None


def _b64(part: str) -> bytes:
    import base64

    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


# --- Small helpers for the apps ---------------------------------------------------------------


def public_keys_file(keys: Mapping[str, Mapping[str, Any]]) -> PackedFile:
    return PackedFile(KEYS_FILE, data=json.dumps(dict(keys), indent=1, sort_keys=True).encode())


def root_file(cert: x509.Certificate) -> PackedFile:
    from cryptography.hazmat.primitives import serialization

    name = f"goc-{cert.fingerprint(hashes.SHA256()).hex()[:16]}.pem"
    return PackedFile(name, data=cert.public_bytes(serialization.Encoding.PEM))


def page_count(pdf: Path) -> int:
    import pypdf  # here, not at start-up: it brings fontTools (tests/test_architecture.py)

    with pdf.open("rb") as handle:
        return len(pypdf.PdfReader(handle).pages)


def report_lines(checked: Verified) -> list[str]:
    """What ``archive verify`` prints, at the commune and at the city."""
    lines = [f"{checked.documents} documents and {checked.photos} photos checked."]
    lines += [f"Signatures checked against the root in the package: {root}" for root in checked.roots]
    lines += [f"PROBLEM {problem}" for problem in checked.problems]
    return lines


def vn_date(value: dt.date) -> str:
    return f"{value:%d/%m/%Y}"


@dataclass(frozen=True)
class Keeping:
    """How an app's packages are kept: for how long, how openly, found by which keywords."""

    retention: str  # "05 năm", "Vĩnh viễn"
    access: str
    keywords: str


def case_file_keeping(keeping: Keeping, first: dt.date, last: dt.date, count: int, pages: int) -> dict[str, str]:
    """The case file's fields every package fills alike (CASE_FILE_FIELDS): how long and how openly
    it is kept, its language, the span and size of what it holds, the day it was made (today)."""
    return {
        "thoi_han_bao_quan": keeping.retention,
        "che_do_su_dung": keeping.access,
        "ngon_ngu": LANGUAGE,
        "thoi_gian_bat_dau": vn_date(first),
        "thoi_gian_ket_thuc": vn_date(last),
        "tong_so_van_ban": str(count),
        "so_luong_trang": str(pages),
        "tu_khoa": keeping.keywords,
        "ngay_lap_goi": vn_date(clock.today()),
    }


def numbered(documents: Iterable[Document]) -> Iterator[Document]:
    """The same documents, each folder prefixed with its place in the case file (0001_...)."""
    for index, document in enumerate(documents, start=1):
        yield replace(
            document, folder=f"{index:04d}_{document.folder}", metadata={**document.metadata, "so_thu_tu": str(index)}
        )
