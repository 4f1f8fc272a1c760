"""Every rate the app shows, computed from raw counts in one place.

Pure functions over a mapping of figure name → count. A rate whose denominator is zero is
``None`` ("no dossiers, no rate"), never 0% or 100%: a quiet day must not look bad or perfect.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from wardapp.core.figures import FIGURE_NAMES
from wardapp.core.i18n import LazyText
from wardapp.core.i18n import lazy_gettext as _l

Figures = Mapping[str, int]


def received_total(f: Figures) -> int:
    return f["received_in_person"] + f["received_online"] + f["received_postal"]


def to_handle(f: Figures) -> int:
    """Dossiers to handle in the day: received plus carried over (form II.06a)."""
    return received_total(f) + f["carried_over"]


def resolved_total(f: Figures) -> int:
    return f["resolved_early"] + f["resolved_on_time"] + f["resolved_late"]


def pending_total(f: Figures) -> int:
    return f["pending_within"] + f["pending_overdue"]


def ratings_total(f: Figures) -> int:
    return f["rating_very_satisfied"] + f["rating_satisfied"] + f["rating_unsatisfied"]


def ratio(numerator: int, denominator: int) -> float | None:
    return None if denominator <= 0 else numerator / denominator


@dataclass(frozen=True)
class Rate:
    name: str
    label: LazyText
    numerator: Callable[[Figures], int]
    denominator: Callable[[Figures], int]
    explanation: LazyText

    def of(self, f: Figures) -> float | None:
        return ratio(self.numerator(f), self.denominator(f))


RATES = (
    Rate(
        "online_rate",
        _l("Tỷ lệ hồ sơ trực tuyến"),
        lambda f: f["received_online"],
        received_total,
        _l("hồ sơ trực tuyến / tổng hồ sơ tiếp nhận"),
    ),
    Rate(
        "full_process_rate",
        _l("Tỷ lệ trực tuyến toàn trình"),
        lambda f: f["online_full_process"],
        lambda f: f["received_online"],
        _l("toàn trình / hồ sơ trực tuyến"),
    ),
    Rate(
        "on_time_rate",
        _l("Tỷ lệ đúng hạn"),
        lambda f: to_handle(f) - f["resolved_late"] - f["pending_overdue"],
        to_handle,
        _l("100% − tỷ lệ trễ hạn"),
    ),
    Rate(
        "late_rate",
        _l("Tỷ lệ trễ hạn"),
        lambda f: f["resolved_late"] + f["pending_overdue"],
        to_handle,
        _l("(giải quyết quá hạn + đang quá hạn) / (tiếp nhận + tồn kỳ trước)"),
    ),
    Rate(
        "resolved_in_time_rate",
        _l("Tỷ lệ giải quyết trước và đúng hạn"),
        lambda f: f["resolved_early"] + f["resolved_on_time"],
        resolved_total,
        _l("(trước hạn + đúng hạn) / đã giải quyết"),
    ),
    Rate(
        "digitization_rate",
        _l("Tỷ lệ số hóa hồ sơ"),
        lambda f: f["digitized"],
        received_total,
        _l("hồ sơ được số hóa / tổng hồ sơ tiếp nhận"),
    ),
    Rate(
        "e_result_rate",
        _l("Tỷ lệ trả kết quả điện tử"),
        lambda f: f["e_results"],
        resolved_total,
        _l("kết quả điện tử / đã giải quyết"),
    ),
    Rate(
        "online_payment_rate",
        _l("Tỷ lệ thanh toán trực tuyến"),
        lambda f: f["paid_online"],
        lambda f: f["fee_bearing"],
        _l("thanh toán trực tuyến / hồ sơ có phí, lệ phí"),
    ),
    Rate(
        "satisfaction_rate",
        _l("Tỷ lệ hài lòng"),
        lambda f: f["rating_very_satisfied"] + f["rating_satisfied"],
        ratings_total,
        _l("(rất hài lòng + hài lòng) / tổng lượt đánh giá"),
    ),
    Rate(
        "feedback_on_time_rate",
        _l("Tỷ lệ PAKN xử lý đúng hạn"),
        lambda f: f["feedback_on_time"],
        lambda f: f["feedback_received"],
        _l("PAKN đúng hạn / PAKN tiếp nhận"),
    ),
)

RATES_BY_NAME = {r.name: r for r in RATES}


@dataclass(frozen=True)
class Totals:
    received: int
    to_handle: int
    resolved: int
    pending: int
    ratings: int


def totals(f: Figures) -> Totals:
    return Totals(received_total(f), to_handle(f), resolved_total(f), pending_total(f), ratings_total(f))


def compute(f: Figures) -> dict[str, float | None]:
    """Every rate by name; ``None`` where there is nothing to divide by."""
    return {rate.name: rate.of(f) for rate in RATES}


# Stocks are counted at a moment, not over a day: adding them across days would count the same
# dossier again every day it waits.
OPENING_STOCKS = ("carried_over",)
CLOSING_STOCKS = ("pending_within", "pending_overdue")
# Levels describe a day (counters open, staff, waiting time): a period has their daily average.
LEVELS = ("counters_open", "staff_on_duty", "avg_wait_minutes")


def sum_figures(days: list[Figures]) -> dict[str, int]:
    """Counts over several days (oldest first); rates of a period are rates of these sums.

    Flows are added up; the period opens with its first day's carried-over dossiers and closes
    with its last day's pending ones, so received + carried over = resolved + pending still holds.
    Levels are averaged over the days (rounded to whole numbers).
    """
    total = dict.fromkeys(FIGURE_NAMES, 0)
    for day in days:
        for name in FIGURE_NAMES:
            total[name] += day[name]
    if days:
        for name in OPENING_STOCKS:
            total[name] = days[0][name]
        for name in CLOSING_STOCKS:
            total[name] = days[-1][name]
        for name in LEVELS:
            total[name] = round(total[name] / len(days))
    return total
