"""The commune's hand-over package of a year: every signed document of the year (each signed
revision of a daily report, corrections included, and every signed edition of the month
documents), read from the stored files and database rows as they were signed (nothing rebuilt),
with the signed photos still kept and the archival metadata of each document
(``core.handover`` writes and checks the package; docs/ARCHIVES.md says which rules apply)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app

from wardapp.audit import log as audit
from wardapp.commune.models import Commune
from wardapp.core import clock, handover, months
from wardapp.core.images import EXTENSIONS
from wardapp.core.payload import pdf_filename
from wardapp.evidence import storage as photo_storage
from wardapp.evidence.models import Photo
from wardapp.extensions import db
from wardapp.pdf.operations import month_file
from wardapp.reports.models import DailyReport
from wardapp.signing import documents
from wardapp.signing.models import MonthDocument, ReportRevision, SigningKey

# The retention period written into each document's metadata. Daily and monthly reports of an
# agency's routine work: 5 years in the list of common records' retention periods (Circular
# 10/2022/TT-BNV); the commune's archive confirms it against its own list (docs/ARCHIVES.md).
RETENTION = "05 năm"
ACCESS = "Hạn chế (có dữ liệu cá nhân: tên cán bộ trong danh sách hồ sơ trễ hạn, ảnh tại Trung tâm)"
SECURITY = "Thường (không mật)"
RELIABILITY = "Bản gốc điện tử"
LANGUAGE = "Tiếng Việt"
KEYWORDS = "báo cáo; Trung tâm phục vụ hành chính công; một cửa; Nghị quyết 57-NQ/TW"
MONTH_TITLES = {
    months.SUMMARY: "Báo cáo tổng hợp tháng %s về hoạt động của Trung tâm phục vụ hành chính công",
    months.LATE_LIST: "Danh sách hồ sơ trễ hạn và giải trình tháng %s",
}


class NoCommune(Exception):
    pass


def case_file_code(commune: Commune, year: int) -> str:
    return f"{commune.code}.{year}.BC-HCC"


def package_name(commune: Commune, year: int) -> str:
    return f"ho-so-luu-tru_{commune.code}_{year}"


@dataclass
class YearPackage:
    """The documents of one year, produced one at a time (each read only when it is written), and
    the photos the signed daily reports name, collected as they go by."""

    commune: Commune
    year: int
    photo_hashes: dict[str, str] = field(default_factory=dict)  # sha256 → content type
    pages: int = 0

    @property
    def first(self) -> dt.date:
        return dt.date(self.year, 1, 1)

    @property
    def last(self) -> dt.date:
        return dt.date(self.year, 12, 31)

    def _revision_ids(self) -> list[tuple[dt.date, int, int]]:
        rows = db.session.execute(
            db.select(DailyReport.date, ReportRevision.revision, ReportRevision.id)
            .join(DailyReport, ReportRevision.report_id == DailyReport.id)
            .filter(DailyReport.commune_id == self.commune.id, DailyReport.date.between(self.first, self.last))
        ).all()
        return [(day, revision, ident) for day, revision, ident in rows]

    def _month_ids(self) -> list[tuple[dt.date, int, int]]:
        rows = db.session.execute(
            db.select(MonthDocument.month, MonthDocument.kind, MonthDocument.edition, MonthDocument.id).filter(
                MonthDocument.commune_id == self.commune.id, MonthDocument.month.between(self.first, self.last)
            )
        ).all()
        # After the month's last day, the summary before the late list, editions in order.
        order = {kind: index for index, kind in enumerate(months.KINDS)}
        return [(month, 1000 + order[kind] * 100 + edition, ident) for month, kind, edition, ident in rows]

    def documents(self) -> Iterator[handover.Document]:
        """Daily revisions by day then revision; each month's documents after its days."""
        items = [("daily", day, rank, ident) for day, rank, ident in self._revision_ids()]
        items += [("month", _month_end(month), rank, ident) for month, rank, ident in self._month_ids()]
        for kind, _day, _rank, ident in sorted(items, key=lambda item: (item[1], item[2])):
            row: ReportRevision | MonthDocument
            if kind == "daily":
                row = db.session.get_one(ReportRevision, ident)
                yield self._daily(row)
            else:
                row = db.session.get_one(MonthDocument, ident)
                yield self._month(row)
            db.session.expunge(row)  # nothing of a written document stays in the session

    def _daily(self, revision: ReportRevision) -> handover.Document:
        pdf = documents.pdf_path(revision)
        if not pdf.is_file():
            raise handover.HandoverError(
                f"{revision.report_key}: the signed PDF is not stored (run `flask --app wsgi pdf repair`)"
            )
        payload = revision.document
        kept, purged = self._note_photos(payload.get("photos") or [])
        day = dt.date.fromisoformat(payload["date"])
        summary = f"Báo cáo ngày {handover.vn_date(day)} về hoạt động của Trung tâm phục vụ hành chính công"
        notes = [f"Lần ký {revision.revision}"]
        if revision.supersedes:
            summary += f" (bản đính chính, thay thế {revision.supersedes})"
            notes.append(f"Lý do đính chính: {revision.correction_reason}")
        if revision.late:
            notes.append("Ký sau hạn báo cáo" + (f": {revision.late_reason}" if revision.late_reason else ""))
        notes.append(
            f"Ảnh đã ký: {kept} tệp trong gói (thư mục data/{handover.PHOTOS}), "
            f"{purged} đã xóa theo thời hạn lưu giữ (mã băm SHA-256 vẫn có trong nội dung đã ký)"
        )
        signer = payload.get("signed_by") or {}
        metadata = self._metadata(
            identifier=revision.report_key,
            document_number=revision.document_number,
            signed_at=dt.datetime.fromisoformat(payload["signed_at"]),
            summary=summary,
            signer=signer,
            pdf=pdf,
            notes=notes,
        )
        files = [
            handover.PackedFile(pdf_filename(revision.report_key), source=pdf),
            handover.PackedFile(handover.PAYLOAD_FILE, data=revision.payload),
            handover.PackedFile(handover.JWS_FILE, data=revision.jws.encode("ascii")),
        ]
        return handover.Document(revision.report_key.replace(":", "_"), metadata, files)

    def _month(self, doc: MonthDocument) -> handover.Document:
        pdf = month_file(doc)
        if not pdf.is_file():
            raise handover.HandoverError(f"{doc.document_id}: the signed PDF is not stored")
        content = doc.document
        notes = [f"Lần ban hành {doc.edition}"]
        if doc.superseded_by:
            notes.append(f"Đã được thay thế bởi {doc.superseded_by}")
        metadata = self._metadata(
            identifier=doc.document_id,
            document_number=doc.document_number,
            signed_at=doc.signed_at.replace(tzinfo=dt.UTC),
            summary=MONTH_TITLES[doc.kind] % f"{doc.month:%m/%Y}",
            signer=content.get("signer") or {},
            pdf=pdf,
            notes=notes,
        )
        files = [
            handover.PackedFile(pdf.name, source=pdf),
            handover.PackedFile(handover.PAYLOAD_FILE, data=doc.payload),
        ]
        return handover.Document(doc.document_id.replace(":", "_"), metadata, files)

    def _metadata(
        self,
        *,
        identifier: str,
        document_number: str | None,
        signed_at: dt.datetime,
        summary: str,
        signer: dict,
        pdf: Path,
        notes: list[str],
    ) -> dict[str, str]:
        number, _slash, symbol = (document_number or "").partition("/")
        local = signed_at.astimezone(clock.TZ)
        pages = handover.page_count(pdf)
        self.pages += pages
        return {
            "ma_dinh_danh": identifier,
            "ma_ho_so": case_file_code(self.commune, self.year),
            "ten_loai": "Báo cáo",
            "so": number,
            "ky_hieu": symbol,
            "ngay": handover.vn_date(local.date()),
            "co_quan_ban_hanh": f"UBND {self.commune.name}",
            "trich_yeu": summary,
            "ngon_ngu": LANGUAGE,
            "so_trang": str(pages),
            "nguoi_ky": str(signer.get("full_name", "")),
            "chuc_vu_nguoi_ky": str(signer.get("position", "")),
            "thoi_diem_ky": local.isoformat(timespec="seconds"),
            "thoi_han_bao_quan": RETENTION,
            "che_do_su_dung": ACCESS,
            "do_mat": SECURITY,
            "muc_do_tin_cay": RELIABILITY,
            "ky_hieu_thong_tin": "",
            "tu_khoa": KEYWORDS,
            "ten_tep": pdf.name,
            "dinh_dang": "PDF, hai chữ ký số PAdES (người ký và cơ quan)",
            "dung_luong": str(pdf.stat().st_size),
            "sha256": handover.file_sha256(pdf),
            "ghi_chu": "; ".join(notes),
        }

    def _note_photos(self, listed: list[dict]) -> tuple[int, int]:
        """Remember the signed photos whose bytes are still kept; (kept, deleted by retention)."""
        hashes = [str(p.get("sha256")) for p in listed if p.get("sha256")]
        if not hashes:
            return 0, 0
        types = dict(
            db.session.execute(db.select(Photo.sha256, Photo.content_type).filter(Photo.sha256.in_(hashes))).all()
        )
        kept = 0
        for sha in hashes:
            if sha in types and photo_storage.original_path(sha).is_file():
                self.photo_hashes[sha] = types[sha]
                kept += 1
        return kept, len(hashes) - kept

    def photos(self) -> Iterator[handover.PackedFile]:
        for sha, content_type in sorted(self.photo_hashes.items()):
            name = f"{sha}.{EXTENSIONS.get(content_type, 'bin')}"
            yield handover.PackedFile(name, source=photo_storage.original_path(sha))

    def trust(self) -> list[handover.PackedFile]:
        keys = {row.kid: row.public_jwk for row in db.session.scalars(db.select(SigningKey))}
        return [handover.public_keys_file(keys), *(handover.root_file(cert) for cert in documents.trust_roots())]

    def case_file(self, count: int) -> dict[str, str]:
        return {
            "ma_ho_so": case_file_code(self.commune, self.year),
            "tieu_de_ho_so": (
                f"Báo cáo hằng ngày và báo cáo tháng năm {self.year} về hoạt động của Trung tâm phục vụ "
                f"hành chính công, UBND {self.commune.name}"
            ),
            "co_quan": f"UBND {self.commune.name}, {self.commune.province_name}",
            "ma_co_quan": self.commune.code,
            "thoi_han_bao_quan": RETENTION,
            "che_do_su_dung": ACCESS,
            "ngon_ngu": LANGUAGE,
            "thoi_gian_bat_dau": handover.vn_date(self.first),
            "thoi_gian_ket_thuc": handover.vn_date(self.last),
            "tong_so_van_ban": str(count),
            "so_luong_trang": str(self.pages),
            "tu_khoa": KEYWORDS,
            "ngay_lap_goi": handover.vn_date(clock.today()),
            "ghi_chu": "Gói BagIt (RFC 8493); kiểm tra: flask --app wsgi archive verify TỆP",
        }


def _month_end(first: dt.date) -> dt.date:
    return (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)


def export_year(year: int, output: Path, actor=None) -> handover.Exported:
    """Write the year's package to ``output``, audit it and commit."""
    commune = Commune.current()
    if commune is None:
        raise NoCommune()
    package = YearPackage(commune, year)
    exported = handover.export(
        output,
        bag_name=package_name(commune, year),
        case_file=package.case_file,
        documents=handover.numbered(package.documents()),
        photos=package.photos(),
        trust=package.trust(),
        bag_info={
            "Source-Organization": f"UBND {commune.name}, {commune.province_name}",
            "External-Identifier": case_file_code(commune, year),
            "External-Description": f"Hồ sơ báo cáo của Trung tâm phục vụ hành chính công năm {year}",
            "Bag-Group-Identifier": commune.code,
            "Wardapp-Format": handover.FORMAT,
            "Wardapp-Version": current_app.config.get("VERSION", "") or "wardapp",
        },
    )
    audit.record(
        "archive.exported",
        target_type="archive",
        target_id=str(year),
        actor=actor,
        after={"documents": exported.documents, "photos": exported.photos, "bytes": exported.bytes},
        summary=f"{year}: {exported.documents} văn bản, {exported.photos} ảnh",
    )
    db.session.commit()
    return exported
