"""History in the reader's words: audit actions, field names and values as people typed them.

The audit log and the revision diff store internal keys (``feedback_late``, ``user.created``,
``2026-09-15``); the screens show them through here, so nobody reads a key, a JSON escape or an ISO
date. A key this module does not know is shown as itself rather than hidden.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from typing import Any, cast

from wardapp.core import figures
from wardapp.core.i18n import fmt_date, fmt_datetime, fmt_number
from wardapp.core.i18n import gettext as _
from wardapp.core.i18n import lazy_gettext as _l
from wardapp.core.text import without_forbidden

ACTIONS = {
    "commune.set_up": _l("Thiết lập xã/phường"),
    "settings.changed": _l("Thay đổi cài đặt"),
    "login": _l("Đăng nhập"),
    "user.created": _l("Tạo tài khoản"),
    "user.role_changed": _l("Đổi vai trò"),
    "user.deactivated": _l("Vô hiệu hóa tài khoản"),
    "user.reactivated": _l("Kích hoạt lại tài khoản"),
    "user.updated": _l("Sửa tài khoản"),
    "user.password_changed": _l("Đổi mật khẩu"),
    "login.failed": _l("Đăng nhập sai"),
    "login.refused_inactive": _l("Từ chối đăng nhập: tài khoản đã vô hiệu hóa"),
    "login.refused_locked": _l("Từ chối đăng nhập: tài khoản tạm khóa"),
    "report.created": _l("Tạo báo cáo ngày"),
    "report.updated": _l("Sửa báo cáo ngày"),
    "report.ready": _l("Đánh dấu sẵn sàng ký"),
    "report.signed": _l("Ký báo cáo"),
    "report.correction_opened": _l("Mở bản sửa đổi"),
    "report.returned": _l("Thành phố trả lại báo cáo"),
    "report.accepted": _l("Thành phố duyệt báo cáo"),
    "outbox.resend_requested": _l("Yêu cầu gửi lại"),
    "photo.added": _l("Thêm ảnh"),
    "photo.removed": _l("Gỡ ảnh"),
    "photo_category.added": _l("Thêm loại ảnh bắt buộc"),
    "photo_category.changed": _l("Sửa loại ảnh"),
    "late_dossier.added": _l("Ghi hồ sơ trễ hạn"),
    "late_dossier.removed": _l("Xóa hồ sơ trễ hạn"),
    "explanation.added": _l("Giải trình"),
    "task.created": _l("Thêm nhiệm vụ"),
    "task.updated": _l("Sửa nhiệm vụ"),
    "task.imported": _l("Nhập nhiệm vụ từ CSV"),
    "task.progress": _l("Cập nhật tiến độ nhiệm vụ"),
    "team.updated": _l("Sửa thông tin tổ phản ứng nhanh"),
    "team.member_added": _l("Thêm thành viên tổ"),
    "team.member_removed": _l("Bỏ thành viên tổ"),
    "team.case_added": _l("Ghi trường hợp hỗ trợ"),
    "team.case_removed": _l("Xóa trường hợp hỗ trợ"),
    "key.created": _l("Tạo khóa ký"),
    "key.retired": _l("Ngừng dùng khóa ký"),
    "token.created": _l("Tạo mã truy cập"),
    "token.revoked": _l("Thu hồi mã truy cập"),
    "pdf_cert.imported": _l("Nhập chứng thư ký PDF"),
    "archive.exported": _l("Lập gói bàn giao lưu trữ"),
    "retention.photos_purged": _l("Xóa ảnh hết thời hạn lưu giữ"),
    "retention.logs_purged": _l("Xóa nhật ký hết thời hạn lưu giữ"),
}

_FIELDS = {
    "active": _l("Đang hoạt động"),
    "apology_issued": _l("Đã phát hành thư xin lỗi"),
    "attempt": _l("Lần gửi"),
    "behind_tolerance": _l("Mức chậm cho phép"),
    "by": _l("Người thực hiện"),
    "caption": _l("Chú thích"),
    "category": _l("Loại ảnh"),
    "cause": _l("Nguyên nhân"),
    "code": _l("Mã"),
    "comment": _l("Ý kiến"),
    "count": _l("Số hồ sơ"),
    "date": _l("Ngày"),
    "deadline": _l("Hạn"),
    "decision_date": _l("Ngày quyết định"),
    "decision_number": _l("Số quyết định"),
    "decision_signer": _l("Người ký quyết định"),
    "dossier_code": _l("Mã hồ sơ"),
    "duties": _l("Nhiệm vụ"),
    "error": _l("Lỗi"),
    "expected_output": _l("Sản phẩm"),
    "explanations": _l("Giải trình"),
    "field": _l("Lĩnh vực"),
    "full_name": _l("Họ và tên"),
    "goal": _l("Mục tiêu"),
    "http_status": _l("Mã trả lời HTTP"),
    "is_leader": _l("Tổ trưởng"),
    "item": _l("Nội dung"),
    "key": _l("Mã"),
    "kid": _l("Khóa ký"),
    "kind": _l("Loại"),
    "label": _l("Tên"),
    "late": _l("Ký muộn"),
    "locale": _l("Ngôn ngữ"),
    "member_id": _l("Thành viên"),
    "name": _l("Tên"),
    "new_appointment": _l("Ngày hẹn trả mới"),
    "new_date": _l("Thời hạn mới"),
    "next_revision": _l("Phiên bản tiếp theo"),
    "note": _l("Ghi chú"),
    "officer": _l("Cán bộ"),
    "original_name": _l("Tên tệp"),
    "outcome": _l("Kết quả"),
    "payload_sha256": _l("Mã băm nội dung"),
    "percent": _l("Tiến độ (%)"),
    "phone": _l("Điện thoại"),
    "photos": _l("Ảnh Trung tâm"),
    "position": _l("Chức vụ"),
    "problem": _l("Vấn đề"),
    "procedure": _l("Thủ tục"),
    "province": _l("Tỉnh/thành phố"),
    "reason": _l("Lý do"),
    "remedy": _l("Biện pháp khắc phục"),
    "required": _l("Bắt buộc"),
    "responsible": _l("Người chịu trách nhiệm"),
    "role": _l("Vai trò"),
    "source_document": _l("Văn bản giao"),
    "start_date": _l("Ngày bắt đầu"),
    "status": _l("Trạng thái"),
    "taken_at": _l("Thời điểm chụp"),
    "team_deadline": _l("Hạn thành lập tổ phản ứng nhanh"),
    "photo_retention_years": _l("Thời hạn lưu giữ ảnh (năm)"),
    "log_retention_months": _l("Thời hạn lưu giữ nhật ký (tháng)"),
    "time": _l("Thời gian"),
    "title": _l("Tên nhiệm vụ"),
    "unit": _l("Đơn vị"),
    "username": _l("Tên đăng nhập"),
    "valid_from": _l("Áp dụng từ ngày"),
    "retired_from": _l("Không áp dụng từ ngày"),
}

_VALUES: dict[str, dict[str, object]] = {
    "role": {
        "staff": _l("Cán bộ một cửa"),
        "leader": _l("Lãnh đạo UBND"),
        "reviewer": _l("Cán bộ thẩm định (thành phố)"),
        "admin": _l("Quản trị hệ thống"),
    },
    "status": {
        "draft": _l("Nháp"),
        "complete": _l("Đủ số liệu"),
        "signed": _l("Đã ký"),
    },
    "kind": {
        "resolved_late": _l("Giải quyết quá hạn"),
        "pending_overdue": _l("Đang giải quyết quá hạn"),
    },
    "locale": {"vi": "Tiếng Việt", "en": "English"},
}

_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


def action_label(action: str) -> str:
    label = ACTIONS.get(action)
    return str(label) if label is not None else action


def field_label(key: str) -> str:
    """A figure's, a narrative field's or another stored key's label in the reader's language."""
    if key in figures.BY_NAME:
        return str(figures.BY_NAME[key].label)
    for text in figures.NARRATIVE:
        if text.name == key:
            return str(text.label)
    label = _FIELDS.get(key)
    return str(label) if label is not None else key


def show_value(key: str, value: object) -> str:
    """A stored value as the person typed or read it: dates dd/mm/yyyy, numbers 1.234, yes/no,
    roles and states in words; nothing shown as JSON."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("Có") if value else _("Không")
    if isinstance(value, int | float):
        return fmt_number(value)
    if isinstance(value, dict):
        return "; ".join(f"{field_label(k)}: {show_value(k, v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(show_value(key, v) for v in value)
    text = str(value)
    words = _VALUES.get(key, {})
    if text in words:
        return str(words[text])
    if _ISO_DAY.match(text):
        return fmt_date(dt.date.fromisoformat(text))
    if _ISO_MOMENT.match(text):
        try:
            return fmt_datetime(text)
        except ValueError:
            return text
    return text


def changed_rows(before: dict[str, object] | None, after: dict[str, object] | None) -> list[tuple[str, str, str]]:
    """(label, before, after) for every key of either side, in the order they were stored."""
    before, after = before or {}, after or {}
    keys = list(dict.fromkeys([*before.keys(), *after.keys()]))
    return [
        (field_label(k), show_value(k, before.get(k)) if before else "", show_value(k, after.get(k)) if after else "")
        for k in keys
    ]


_PAYLOAD_FIELDS = {
    "correction_reason": _l("Lý do sửa đổi"),
    "late_reason": _l("Lý do ký muộn"),
    "category_label": _l("Tên loại ảnh"),
    "filename": _l("Tên tệp"),
    "item_label": _l("Nội dung cần giải trình"),
    "author": _l("Người giải trình"),
    "leader": _l("Tổ trưởng"),
    "state": _l("Trạng thái"),
}


def _payload_field(key: str | int) -> str:
    label = _PAYLOAD_FIELDS.get(str(key))
    return str(label) if label is not None else field_label(str(key))


def _item(document: Mapping[str, Any], section: str, index: int) -> Mapping[str, Any]:
    items = document.get(section)
    item = items[index] if isinstance(items, list) and 0 <= index < len(items) else None
    return cast(Mapping[str, Any], item) if isinstance(item, Mapping) else {}


def _shown(value: object) -> str:
    """A stored name shown in a message: its own hidden characters out (they would reorder it)."""
    return without_forbidden(str(value or "")).strip()


def payload_place(document: Mapping[str, Any], path: Sequence[str | int]) -> str:
    """Where a value of a daily report's payload comes from, in the reader's words, naming the item
    ("Nhiệm vụ NV-01 – Tên nhiệm vụ") so the person knows which screen to correct it on."""
    head, rest = (path[0], list(path[1:])) if path else ("", [])
    index = rest[0] if rest and isinstance(rest[0], int) else None
    last = _payload_field(path[-1]) if path else ""
    if head == "tasks" and index is not None:
        return _("Nhiệm vụ %(code)s – %(field)s", code=_shown(_item(document, "tasks", index).get("code")), field=last)
    if head == "response_team" and rest[:1] == ["members"] and len(rest) > 1 and isinstance(rest[1], int):
        team = document.get("response_team") or {}
        members = team.get("members") if isinstance(team, Mapping) else None
        member = members[rest[1]] if isinstance(members, list) and rest[1] < len(members) else {}
        name = _shown(member.get("name") if isinstance(member, Mapping) else "")
        return _("Tổ phản ứng nhanh, thành viên %(name)s – %(field)s", name=name, field=last)
    if head == "response_team":
        return _("Tổ phản ứng nhanh – %(field)s", field=last)
    if head == "photos" and index is not None:
        label = _shown(_item(document, "photos", index).get("category_label"))
        return _("Ảnh %(n)s (%(category)s) – %(field)s", n=index + 1, category=label, field=last)
    if head == "explanations" and index is not None:
        label = _shown(_item(document, "explanations", index).get("item_label"))
        return _("Giải trình “%(item)s” – %(field)s", item=label, field=last)
    if head == "late_dossiers" and index is not None:
        procedure = _shown(_item(document, "late_dossiers", index).get("procedure"))
        return _("Hồ sơ trễ hạn %(n)s (%(procedure)s) – %(field)s", n=index + 1, procedure=procedure, field=last)
    if head == "signed_by":
        return _("Tài khoản người ký – %(field)s", field=last)
    if head == "commune":
        return _("Tên xã/phường")
    if head == "figure_sources" and len(rest) >= 2 and rest[0] == "figures":
        return _("Nguồn số liệu “%(figure)s” – %(field)s", figure=field_label(str(rest[1])), field=last)
    if head in ("narrative", "late_reason", "correction_reason"):
        return last
    return "/".join(str(part) for part in path)
