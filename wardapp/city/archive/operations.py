"""The city's hand-over package of a year (issue 26): the department's signed consolidated reports
of the year and every commune report received in it (each received revision, as the commune
signed it: its PDF, its payload and JWS), read from the store and the database as they were kept
(nothing rebuilt: a report a commune pushed without its PDF goes as its payload and JWS only), with
the archival metadata of each document. ``core.handover`` writes and checks the package.

The signatures of a commune are checked against that commune's own trust group (its enrolled
CAs, the national roots, its enrolled JWS keys); the department's documents against the
department's certificate (docs/ARCHIVES.md).
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from flask import current_app

from wardapp.city import blobs, scope, signing
from wardapp.city.consolidated import symbol
from wardapp.city.consolidated_models import ConsolidatedEdition
from wardapp.city.consolidated_signing import pdf_key
from wardapp.city.extensions import city_db as db
from wardapp.city.models import CityAudit, CityKey, ReceivedFigures, ReceivedReport
from wardapp.city.operations import official_code, trust_roots
from wardapp.core import clock, consolidated_docs, handover
from wardapp.core.payload import pdf_filename
from wardapp.core.units import find

ACTION = "archive.exported"  # the audit line of each package made (who, when, which year)
DEPARTMENT = "co-quan"  # the trust group of the department's own documents
BATCH = 200  # received reports read from the database at a time

# The retention period written into each document's metadata: reports of routine work for a month
# or shorter, 5 years; a year's report, permanent (our reading of the list of common records'
# retention periods, Circular 10/2022/TT-BNV; the archive's own list prevails, docs/ARCHIVES.md).
RETENTION = "05 năm"
RETENTION_BY_KIND = {"year": "Vĩnh viễn", "quarter": "05 năm"}
ACCESS = "Hạn chế (có dữ liệu cá nhân: tên cán bộ trong giải trình và danh sách hồ sơ trễ hạn)"
SECURITY = "Thường (không mật)"
RELIABILITY = "Bản gốc điện tử"
LANGUAGE = "Tiếng Việt"
KEYWORDS = "báo cáo; Trung tâm phục vụ hành chính công; một cửa; Nghị quyết 57-NQ/TW; tổng hợp"
PERIOD_WORDS = {
    "day": "ngày",
    "week": "tuần",
    "month": "tháng",
    "quarter": "quý",
    "year": "năm",
    "range": "giai đoạn",
}
STATES = {"received": "đã tiếp nhận", "accepted": "đã duyệt", "returned": "đã trả lại"}


def department() -> str:
    return str(current_app.config["CITY_DEPARTMENT_NAME"])


def case_file_code(year: int) -> str:
    return f"{symbol().removeprefix('BC-')}.{year}.BC-HCC"


def package_name(year: int) -> str:
    return f"ho-so-luu-tru_{symbol().removeprefix('BC-').lower()}_{year}"


@dataclass
class CityYear:
    """The documents of one year, produced one at a time (each read from the store into ``scratch``
    only when it is written), and the communes whose trust groups the package must carry."""

    year: int
    provinces: tuple[str, ...]
    scratch: Path  # beside the output: a stored file is linked or streamed here, then into the bag
    communes: set[str] = field(default_factory=set)
    pages: int = 0
    fetched: list[Path] = field(default_factory=list)

    @property
    def first(self) -> dt.date:
        return dt.date(self.year, 1, 1)

    @property
    def last(self) -> dt.date:
        return dt.date(self.year, 12, 31)

    def documents(self) -> Iterator[handover.Document]:
        """The department's consolidated reports by number, then each commune's received revisions
        by commune, day and revision."""
        for document in itertools.chain(self._consolidated(), self._received()):
            yield document
            # Written into the bag by now (a link to the same file): the scratch copy can go.
            for path in self.fetched:
                path.unlink(missing_ok=True)
            self.fetched.clear()

    # --- The department's documents -----------------------------------------------------------

    def _edition_ids(self) -> list[int]:
        rows = db.session.execute(
            db.select(ConsolidatedEdition.id, ConsolidatedEdition.scope)
            .filter(ConsolidatedEdition.register_year == self.year)
            .order_by(ConsolidatedEdition.register_number)
        ).all()
        wanted = set(self.provinces)
        return [ident for ident, key in rows if set(key.split("-")) <= wanted]

    def _consolidated(self) -> Iterator[handover.Document]:
        for ident in self._edition_ids():
            edition = db.session.get_one(ConsolidatedEdition, ident)
            yield self._edition(edition)
            db.session.expunge(edition)

    def _edition(self, edition: ConsolidatedEdition) -> handover.Document:
        provinces = edition.scope.split("-")
        name = consolidated_docs.filename(provinces, edition.start, edition.end, edition.edition)
        pdf = self._fetch(pdf_key(edition.pdf_sha256), name)
        if pdf is None:
            raise handover.HandoverError(f"{edition.document_id}: the signed PDF is not in the store")
        period = f"{handover.vn_date(edition.start)} – {handover.vn_date(edition.end)}"
        summary = (
            f"Báo cáo tổng hợp {PERIOD_WORDS.get(edition.kind, 'kỳ')} ({period}) về hoạt động của các Trung tâm "
            f"phục vụ hành chính công cấp xã, {', '.join(scope.province_name(p) for p in provinces)}"
        )
        notes = [f"Lần ban hành {edition.edition}"]
        if edition.to_date:
            notes.append("Ký khi kỳ chưa kết thúc (số liệu tính đến ngày ký)")
        if edition.superseded_by:
            notes.append(f"Đã được thay thế bởi {edition.superseded_by}")
        number, _slash, sign = edition.document_number.partition("/")
        metadata = self._metadata(
            identifier=edition.document_id,
            number=number,
            sign=sign,
            issuer=department(),
            signed_at=edition.signed_at.replace(tzinfo=dt.UTC),
            summary=summary,
            signer=(edition.signer_name, edition.signer_position),
            retention=RETENTION_BY_KIND.get(edition.kind, RETENTION),
            shape="PDF, hai chữ ký số PAdES (lãnh đạo Sở và Sở)",
            file=pdf,
            notes=notes,
        )
        files = [
            handover.PackedFile(pdf.name, source=pdf),
            handover.PackedFile(handover.PAYLOAD_FILE, data=edition.payload),
        ]
        return handover.Document(edition.document_id, metadata, files, trust=DEPARTMENT)

    # --- The communes' received reports -------------------------------------------------------

    def _received_ids(self) -> list[int]:
        return list(
            db.session.scalars(
                db.select(ReceivedReport.id)
                .join(ReceivedFigures, ReceivedFigures.report_pk == ReceivedReport.id)
                .filter(
                    ReceivedFigures.province_code.in_(self.provinces),
                    ReceivedReport.date.between(self.first, self.last),
                )
                .order_by(ReceivedReport.commune_code, ReceivedReport.date, ReceivedReport.revision)
            )
        )

    def _received(self) -> Iterator[handover.Document]:
        ids = self._received_ids()
        for start in range(0, len(ids), BATCH):
            chunk = ids[start : start + BATCH]
            rows = {
                row.id: row
                for row in db.session.scalars(db.select(ReceivedReport).filter(ReceivedReport.id.in_(chunk)))
            }
            for ident in chunk:
                yield self._report(rows[ident])
            for row in rows.values():
                db.session.expunge(row)  # nothing of a written report stays in the session

    def _sent_pdf(self, report: ReceivedReport) -> Path | None:
        """The commune's signed PDF as received (under its hash; older intakes kept it by report id)."""
        if not report.pdf_sha256:
            return None
        name = pdf_filename(report.report_id)
        found = self._fetch(blobs.sent_pdf_key(report.pdf_sha256), name)
        return found or self._fetch(blobs.legacy_sent_pdf_key(report.report_id), name)

    def _report(self, report: ReceivedReport) -> handover.Document:
        self.communes.add(report.commune_code)
        document = report.document
        commune = document.get("commune") or {}
        unit = find(report.commune_code)
        commune_name = str(commune.get("name") or (unit.name if unit else report.commune_code))
        pdf = self._sent_pdf(report)
        if report.pdf_sha256 and pdf is None:
            raise handover.HandoverError(f"{report.report_id}: the commune's signed PDF is not in the store")
        summary = (
            f"Báo cáo ngày {handover.vn_date(report.date)} về hoạt động của Trung tâm phục vụ hành chính công, "
            f"{commune_name}"
        )
        notes = [f"Lần ký {report.revision}"]
        if report.supersedes:
            summary += f" (bản đính chính, thay thế {report.supersedes})"
            notes.append(f"Lý do đính chính: {document.get('correction_reason') or ''}")
        if report.late:
            notes.append("Ký sau hạn báo cáo")
        notes.append(
            f"Tiếp nhận lúc {clock.as_local(report.received_at):%H:%M %d/%m/%Y}, biên nhận {report.receipt_id}; "
            f"trạng thái: {STATES.get(report.state, report.state)}"
        )
        if pdf is None:
            notes.append("Xã/phường không gửi bản PDF ký số: văn bản là nội dung đã ký (noi-dung.json) và chữ ký JWS")
        signer = document.get("signed_by") or {}
        payload_file = self.scratch / f"{report.id}.json"
        if pdf is None:
            payload_file.write_bytes(report.payload)
        metadata = self._metadata(
            identifier=report.report_id,
            number="",
            sign="",
            issuer=f"UBND {commune_name}",
            signed_at=dt.datetime.fromisoformat(document["signed_at"]),
            summary=summary,
            signer=(str(signer.get("full_name", "")), str(signer.get("position", ""))),
            retention=RETENTION,
            shape="PDF, hai chữ ký số PAdES (người ký và cơ quan)"
            if pdf
            else "JSON đã ký số (JWS, Ed25519), không có bản PDF",
            file=pdf or payload_file,
            notes=notes,
        )
        files = [
            handover.PackedFile(handover.PAYLOAD_FILE, data=report.payload),
            handover.PackedFile(handover.JWS_FILE, data=report.jws.encode("ascii")),
        ]
        if pdf is not None:
            files.insert(0, handover.PackedFile(pdf.name, source=pdf))
        payload_file.unlink(missing_ok=True)
        return handover.Document(report.report_id.replace(":", "_"), metadata, files, trust=report.commune_code)

    # --- Shared -------------------------------------------------------------------------------

    def _fetch(self, key: str, name: str) -> Path | None:
        """The stored file under ``key``, linked or streamed into the scratch folder."""
        target = self.scratch / name
        target.unlink(missing_ok=True)
        if not blobs.store().copy_to(key, target):
            return None
        self.fetched.append(target)
        return target

    def _metadata(
        self,
        *,
        identifier: str,
        number: str,
        sign: str,
        issuer: str,
        signed_at: dt.datetime,
        summary: str,
        signer: tuple[str, str],
        retention: str,
        shape: str,
        file: Path,
        notes: Sequence[str],
    ) -> dict[str, str]:
        local = signed_at.astimezone(clock.TZ)
        pages = handover.page_count(file) if file.suffix == ".pdf" else 0
        self.pages += pages
        return {
            "ma_dinh_danh": identifier,
            "ma_ho_so": case_file_code(self.year),
            "ten_loai": "Báo cáo",
            "so": number,
            "ky_hieu": sign,
            "ngay": handover.vn_date(local.date()),
            "co_quan_ban_hanh": issuer,
            "trich_yeu": summary,
            "ngon_ngu": LANGUAGE,
            "so_trang": str(pages) if pages else "",
            "nguoi_ky": signer[0],
            "chuc_vu_nguoi_ky": signer[1],
            "thoi_diem_ky": local.isoformat(timespec="seconds"),
            "thoi_han_bao_quan": retention,
            "che_do_su_dung": ACCESS,
            "do_mat": SECURITY,
            "muc_do_tin_cay": RELIABILITY,
            "ky_hieu_thong_tin": "",
            "tu_khoa": KEYWORDS,
            "ten_tep": file.name if file.suffix == ".pdf" else handover.PAYLOAD_FILE,
            "dinh_dang": shape,
            "dung_luong": str(file.stat().st_size),
            "sha256": handover.file_sha256(file),
            "ghi_chu": "; ".join(notes),
        }

    def trust(self) -> Iterator[handover.PackedFile]:
        """Asked after the documents: one group per commune met (its PDF roots and JWS keys), and
        the department's certificate."""
        for code in sorted(self.communes):
            keys = {row.kid: row.jwk for row in db.session.scalars(db.select(CityKey).filter_by(commune_code=code))}
            keys_file = handover.public_keys_file(keys)
            yield handover.PackedFile(f"{code}/{keys_file.name}", data=keys_file.data)
            for cert in trust_roots(code):
                root = handover.root_file(cert)
                yield handover.PackedFile(f"{code}/{root.name}", data=root.data)
        for cert in signing.department_roots():
            root = handover.root_file(cert)
            yield handover.PackedFile(f"{DEPARTMENT}/{root.name}", data=root.data)

    def case_file(self, count: int) -> dict[str, str]:
        places = ", ".join(scope.province_name(p) for p in self.provinces)
        return {
            "ma_ho_so": case_file_code(self.year),
            "tieu_de_ho_so": (
                f"Báo cáo tổng hợp và báo cáo hằng ngày của các Trung tâm phục vụ hành chính công cấp xã "
                f"nhận được năm {self.year}, {places}"
            ),
            "co_quan": f"{department()}, {places}",
            "ma_co_quan": ",".join(self.provinces),
            "thoi_han_bao_quan": RETENTION,
            "che_do_su_dung": ACCESS,
            "ngon_ngu": LANGUAGE,
            "thoi_gian_bat_dau": handover.vn_date(self.first),
            "thoi_gian_ket_thuc": handover.vn_date(self.last),
            "tong_so_van_ban": str(count),
            "so_luong_trang": str(self.pages),
            "tu_khoa": KEYWORDS,
            "ngay_lap_goi": handover.vn_date(clock.today()),
            "ghi_chu": (
                "Gói BagIt (RFC 8493); kiểm tra: flask --app wardapp.city.app:create_app archive verify TỆP. "
                "Văn bản của Sở có số, ký hiệu theo sổ đăng ký của Sở; báo cáo của xã/phường là bản đã nhận."
            ),
        }


def export_year(
    year: int, output: Path, *, provinces: tuple[str, ...] | None = None, actor: str = "cli", ip: str | None = None
) -> handover.Exported:
    """Write the year's package of ``provinces`` (every province served by default) to ``output``
    and record it in the city's audit (the caller commits)."""
    chosen = provinces if provinces is not None else scope.served()
    output = output.resolve()
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".city-handover-", dir=output.parent) as scratch:
        package = CityYear(year, chosen, Path(scratch))
        exported = handover.export(
            output,
            bag_name=package_name(year),
            case_file=package.case_file,
            documents=handover.numbered(package.documents()),
            photos=(),
            trust=package.trust(),
            bag_info={
                "Source-Organization": f"{department()}, {', '.join(scope.province_name(p) for p in chosen)}",
                "External-Identifier": case_file_code(year),
                "External-Description": f"Hồ sơ báo cáo tổng hợp và báo cáo ngày đã nhận năm {year}",
                "Bag-Group-Identifier": ",".join(chosen),
                "Wardapp-Format": handover.FORMAT,
                "Wardapp-Version": current_app.config.get("VERSION", "") or "wardapp",
            },
        )
    db.session.add(
        CityAudit(
            actor=actor,
            ip=ip,
            action=ACTION,
            target=str(year),
            detail=f"{exported.documents} văn bản; {exported.bytes} byte; tỉnh/thành {','.join(chosen)}",
        )
    )
    return exported


@dataclass(frozen=True)
class PastPackage:
    at: dt.datetime
    actor: str
    year: str
    detail: str


def last_packages(limit: int = 10) -> list[PastPackage]:
    rows = db.session.scalars(
        db.select(CityAudit).filter_by(action=ACTION).order_by(CityAudit.id.desc()).limit(limit)
    ).all()
    return [PastPackage(row.at, row.actor, row.target, row.detail) for row in rows]


def _fingerprints(certs: Sequence[x509.Certificate]) -> set[str]:
    return {cert.fingerprint(hashes.SHA256()).hex() for cert in certs}


def untrusted(folder: Path) -> list[str]:
    """What the package's trust groups (``data/xac-thuc/<group>/``) carry that this city does not
    itself trust: a root that is not one of the commune's (its enrolled CAs and the national
    roots) or the department's certificate, a JWS key not enrolled for that commune. A package
    signed throughout by a forged root and key would otherwise verify against itself."""
    problems = []
    for group in sorted(p for p in folder.iterdir() if p.is_dir()):
        shown = f"data/{handover.TRUST}/{group.name}"
        if group.name == DEPARTMENT:
            known = _fingerprints(signing.department_roots())
        elif official_code(group.name) is not None:
            known = _fingerprints(trust_roots(group.name))
            problems += _unknown_keys(group, shown)
        else:
            problems.append(f"{shown}: not a commune of the official list nor the department")
            continue
        for pem in sorted(group.glob("*.pem")):
            try:
                cert = x509.load_pem_x509_certificate(pem.read_bytes())
            except ValueError:
                continue  # said by the package's own check
            if cert.fingerprint(hashes.SHA256()).hex() not in known:
                problems.append(f"{shown}/{pem.name}: a root this city does not trust for {group.name}")
    return problems


def _unknown_keys(group: Path, shown: str) -> list[str]:
    path = group / handover.KEYS_FILE
    try:
        listed = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []  # said by the package's own check
    enrolled = {row.kid: row.jwk for row in db.session.scalars(db.select(CityKey).filter_by(commune_code=group.name))}
    return [
        f"{shown}/{handover.KEYS_FILE}: key {kid} is not enrolled for {group.name}"
        for kid, jwk in sorted(listed.items() if isinstance(listed, dict) else [])
        if kid not in enrolled or enrolled[kid].get("x") != (jwk or {}).get("x")
    ]
