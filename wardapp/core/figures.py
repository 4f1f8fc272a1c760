"""The day's figures: the one list of what a commune counts each day (BRIEF section 3).

The form, the model, the rules, the rates, the payload and the PDF all iterate over this list,
so a figure is added here once. Only raw counts are entered; rates are computed in ``rates``.
"""

from __future__ import annotations

from dataclasses import dataclass

from wardapp.core.i18n import LazyText
from wardapp.core.i18n import lazy_gettext as _l


@dataclass(frozen=True)
class Figure:
    name: str
    label: object  # lazy string
    group: str
    unit: object = _l("hồ sơ")
    # Filled by the app rather than typed where the previous day is known.
    carried: bool = False


@dataclass(frozen=True)
class Group:
    key: str
    label: LazyText


GROUPS = (
    Group("reception", _l("Tiếp nhận hồ sơ")),
    Group("settlement", _l("Giải quyết hồ sơ")),
    Group("online", _l("Dịch vụ công trực tuyến")),
    Group("payment", _l("Thanh toán trực tuyến")),
    Group("digitization", _l("Số hóa")),
    Group("feedback", _l("Phản ánh, kiến nghị (PAKN)")),
    Group("satisfaction", _l("Đánh giá mức độ hài lòng tại quầy")),
    Group("operations", _l("Vận hành trung tâm")),
)

_CASES = _l("lượt")

FIGURES = (
    Figure("received_in_person", _l("Tiếp nhận trực tiếp"), "reception"),
    Figure("received_online", _l("Tiếp nhận trực tuyến"), "reception"),
    Figure("received_postal", _l("Tiếp nhận qua bưu chính công ích"), "reception"),
    Figure("carried_over", _l("Tồn kỳ trước chuyển sang"), "reception", carried=True),
    Figure("resolved_early", _l("Giải quyết trước hạn"), "settlement"),
    Figure("resolved_on_time", _l("Giải quyết đúng hạn"), "settlement"),
    Figure("resolved_late", _l("Giải quyết quá hạn"), "settlement"),
    Figure("pending_within", _l("Đang giải quyết trong hạn"), "settlement"),
    Figure("pending_overdue", _l("Đang giải quyết quá hạn"), "settlement"),
    Figure("apology_letters", _l("Thư xin lỗi đã phát hành"), "settlement", _l("thư")),
    Figure("online_full_process", _l("Trực tuyến toàn trình"), "online"),
    Figure("online_partial", _l("Trực tuyến một phần"), "online"),
    Figure("fee_bearing", _l("Hồ sơ thuộc thủ tục có phí, lệ phí"), "payment"),
    Figure("paid_online", _l("Trong đó thanh toán trực tuyến"), "payment"),
    Figure("digitized", _l("Hồ sơ được số hóa thành phần"), "digitization"),
    Figure("e_results", _l("Kết quả trả bản điện tử"), "digitization"),
    Figure("feedback_received", _l("PAKN tiếp nhận"), "feedback", _l("phản ánh")),
    Figure("feedback_on_time", _l("PAKN xử lý đúng hạn"), "feedback", _l("phản ánh")),
    Figure("feedback_late", _l("PAKN xử lý quá hạn"), "feedback", _l("phản ánh")),
    Figure("feedback_unsatisfied", _l("PAKN người gửi không hài lòng"), "feedback", _l("phản ánh")),
    Figure("rating_very_satisfied", _l("Rất hài lòng"), "satisfaction", _CASES),
    Figure("rating_satisfied", _l("Hài lòng"), "satisfaction", _CASES),
    Figure("rating_unsatisfied", _l("Không hài lòng"), "satisfaction", _CASES),
    Figure("counters_open", _l("Quầy hoạt động"), "operations", _l("quầy")),
    Figure("staff_on_duty", _l("Cán bộ trực"), "operations", _l("người")),
    Figure("avg_wait_minutes", _l("Thời gian chờ trung bình"), "operations", _l("phút")),
    Figure("outages_system", _l("Sự cố hệ thống phần mềm"), "operations", _l("lần")),
    Figure("outages_network", _l("Sự cố mạng, đường truyền"), "operations", _l("lần")),
    Figure("response_team_cases", _l("Lượt hỗ trợ của Tổ phản ứng nhanh"), "operations", _CASES),
)

FIGURE_NAMES = tuple(f.name for f in FIGURES)
BY_NAME = {f.name: f for f in FIGURES}


@dataclass(frozen=True)
class TextField:
    name: str
    label: LazyText


NARRATIVE = (
    TextField("highlights", _l("Kết quả nổi bật")),
    TextField("difficulties", _l("Khó khăn, vướng mắc")),
    TextField("proposals", _l("Đề xuất, kiến nghị")),
)
NARRATIVE_NAMES = tuple(t.name for t in NARRATIVE)


def figures_by_group() -> list[tuple[Group, list[Figure]]]:
    return [(g, [f for f in FIGURES if f.group == g.key]) for g in GROUPS]


def zero_figures() -> dict[str, int]:
    return dict.fromkeys(FIGURE_NAMES, 0)
