"""History in the reader's words: audit actions, field names and values as people typed them.

The audit log and the revision diff store internal keys (``feedback_late``, ``user.created``,
``2026-09-15``); the screens show them through here, so nobody reads a key, a JSON escape or an ISO
date. A key this module does not know is shown as itself rather than hidden.
"""

from __future__ import annotations

import datetime as dt
import re

from wardapp.core import figures
from wardapp.core.i18n import fmt_date, fmt_datetime, fmt_number
from wardapp.core.i18n import gettext as _
from wardapp.core.i18n import lazy_gettext as _l

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
