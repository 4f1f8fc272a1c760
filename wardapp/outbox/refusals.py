"""Every refusal the city can answer (docs/PROTOCOL.md, "Sending"), in the words of the person who
must act: what happened, who acts (the commune's technical staff or the city's IT), what to do.

One table, read by every screen that shows a refused day (the day, its revisions, the dashboard's
banner) and by the sender, which retries on a slow schedule the refusals whose cause is at the city:
they heal when the city's IT acts, without anyone at the commune pressing a button per day.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

CITY = "city"  # the city's IT must act; the commune's report is fine and is retried
COMMUNE = "commune"  # the commune's technical staff must act (with the city's IT where said)


@dataclass(frozen=True)
class Explanation:
    code: str
    what: LazyString  # what happened, in one sentence
    action: LazyString  # who does what now
    who: str  # CITY or COMMUNE

    @property
    def at_city(self) -> bool:
        return self.who == CITY

    @property
    def who_label(self) -> LazyString:
        return _WHO[self.who]


_WHO = {
    CITY: _l("Bộ phận công nghệ thông tin của thành phố"),
    COMMUNE: _l("Cán bộ kỹ thuật của xã/phường"),
}

EXPLANATIONS: dict[str, Explanation] = {
    e.code: e
    for e in (
        Explanation(
            "unknown_key",
            _l("Thành phố chưa kết nối khóa ký của xã/phường nên chưa nhận báo cáo."),
            _l(
                "Kết nối tệp kết nối của xã/phường (nếu thành phố chưa có, cán bộ kỹ thuật của xã/phường xuất tệp"
                " bằng lệnh flask --app wsgi keys export và gửi cho thành phố)."
            ),
            CITY,
        ),
        Explanation(
            "bad_pdf/untrusted_ca",
            _l("Thành phố chưa tin cậy chứng thư ký văn bản PDF của xã/phường nên từ chối bản PDF đã ký."),
            _l("Kết nối lại tệp kết nối mới nhất của xã/phường: tệp này có chứng thư CA ký văn bản PDF."),
            CITY,
        ),
        Explanation(
            "too_large",
            _l("Báo cáo (kèm ảnh và bản PDF) lớn hơn mức máy chủ của thành phố cho phép nhận."),
            _l("Nâng giới hạn dung lượng nhận của máy chủ thành phố (ví dụ 200 MB)."),
            CITY,
        ),
        Explanation(
            "bad_pdf",
            _l("Bản PDF đã ký của báo cáo không kiểm tra được ở thành phố (chữ ký không còn nguyên vẹn)."),
            _l(
                "Kiểm tra chứng thư ký số và tệp PDF của ngày này, rồi liên hệ bộ phận công nghệ thông tin của "
                "thành phố."
            ),
            COMMUNE,
        ),
        Explanation(
            "bad_signature",
            _l("Chữ ký số của báo cáo không khớp với khóa thành phố đã kết nối cho xã/phường."),
            _l("Gửi tệp kết nối mới nhất cho thành phố (có thể khóa ký đã được đổi), rồi bấm gửi lại."),
            COMMUNE,
        ),
        Explanation(
            "schema_violation",
            _l("Nội dung báo cáo không đúng định dạng thành phố chấp nhận."),
            _l(
                "Kiểm tra phiên bản phần mềm (xã/phường và thành phố cần cùng phiên bản giao thức) và liên hệ bộ "
                "phận công nghệ thông tin của thành phố."
            ),
            COMMUNE,
        ),
        Explanation(
            "commune_mismatch",
            _l("Mã, tên hoặc tỉnh của xã/phường trong báo cáo không khớp với xã/phường thành phố đã kết nối."),
            _l(
                "Kiểm tra mã xã/phường đã cài đặt, rồi cùng bộ phận công nghệ thông tin của thành phố kiểm tra "
                "tệp kết nối."
            ),
            COMMUNE,
        ),
        Explanation(
            "photo_missing",
            _l("Thành phố không nhận được một ảnh có trong báo cáo."),
            _l("Kiểm tra các tệp ảnh trên máy chủ của xã/phường (có thể cần khôi phục từ bản sao lưu)."),
            COMMUNE,
        ),
        Explanation(
            "photo_mismatch",
            _l("Một ảnh gửi kèm khác với ảnh đã ký trong báo cáo (hoặc không phải tệp ảnh)."),
            _l("Kiểm tra các tệp ảnh trên máy chủ của xã/phường (có thể cần khôi phục từ bản sao lưu)."),
            COMMUNE,
        ),
        Explanation(
            "conflict",
            _l("Thành phố đã nhận một báo cáo khác cùng số hiệu cho ngày này."),
            _l("Liên hệ bộ phận công nghệ thông tin của thành phố: có thể hai máy chủ cùng gửi báo cáo của xã/phường."),
            COMMUNE,
        ),
        Explanation(
            "malformed_request",
            _l("Thành phố không đọc được yêu cầu gửi báo cáo."),
            _l(
                "Kiểm tra địa chỉ hệ thống của thành phố (WARDAPP_CITY_URL) và máy chủ trung gian, rồi liên hệ bộ"
                " phận công nghệ thông tin của thành phố."
            ),
            COMMUNE,
        ),
        Explanation(
            "local",
            _l("Máy chủ của xã/phường không đọc được tệp cần gửi (ảnh hoặc bản PDF đã ký)."),
            _l("Kiểm tra các tệp trên máy chủ của xã/phường (có thể cần khôi phục từ bản sao lưu)."),
            COMMUNE,
        ),
    )
}

_OTHER = Explanation(
    "other",
    _l("Thành phố từ chối báo cáo với một lý do chưa được mô tả."),
    _l(
        "Xem chi tiết kỹ thuật bên dưới, kiểm tra địa chỉ hệ thống của thành phố (WARDAPP_CITY_URL) và "
        "liên hệ bộ phận công nghệ thông tin của thành phố."
    ),
    COMMUNE,
)

# Refusals (code/reason as the sender records them) whose cure is at the city: retried by themselves.
AT_CITY = tuple(code for code, e in EXPLANATIONS.items() if e.at_city)


def explain(refusal: str | None) -> Explanation:
    """The explanation of a recorded refusal (``code`` or ``code/reason``): the most specific one
    known, else the code's own, else a general one that still says who to call."""
    if not refusal:
        return _OTHER
    return EXPLANATIONS.get(refusal) or EXPLANATIONS.get(refusal.split("/", 1)[0]) or _OTHER
