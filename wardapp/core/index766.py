"""The measurable part of the Decision 766/QĐ-TTg service-quality index, estimated from counts.

The national index has 100 points in six groups, most of which a commune cannot compute from its
own daily counts. This table lists only the indicators that it can, with their points as the
portal scored them in 2025; weights marked ``assumed`` are not published and are our reading,
kept here, in one place, so they can be corrected. Any result is an *estimate of the measurable
part*, shown with its coverage, never as "the 766 score".

Scoring: with a target, a rate at or above it earns full points, below it ``rate × max ÷ target``;
without a target, ``rate × max``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from wardapp.core import rates
from wardapp.core.i18n import LazyText
from wardapp.core.i18n import lazy_gettext as _l

Figures = Mapping[str, int]

TOTAL_POINTS = 100
# 766 bands: only these two are confirmed.
EXCELLENT_FROM = 90
WEAK_BELOW = 50


@dataclass(frozen=True)
class Indicator:
    key: str
    group: LazyText
    label: LazyText
    points: float
    measure: rates.Rate  # the rate it scores: one of rates.RATES wherever the app already shows it
    target: float | None = None
    assumed: bool = False  # weight not published: our reading

    def rate(self, f: Figures) -> float | None:
        return self.measure.of(f)

    def score(self, f: Figures) -> float | None:
        value = self.rate(f)
        if value is None:
            return None
        if self.target:
            return self.points if value >= self.target else value * self.points / self.target
        return value * self.points


# The two indicators the app shows nowhere else.
FEEDBACK_WITHOUT_COMPLAINT = rates.Rate(
    "feedback_satisfied_rate",
    _l("Tỷ lệ PAKN hài lòng"),
    lambda f: max(f["feedback_received"] - f["feedback_unsatisfied"] - f["feedback_late"], 0),
    lambda f: f["feedback_received"],
    _l("(Tổng PAKN − không hài lòng hoặc quá hạn) / tổng PAKN"),
)
DOSSIERS_WITHOUT_COMPLAINT = rates.Rate(
    "dossiers_satisfied_rate",
    _l("Tỷ lệ hồ sơ không quá hạn"),
    # Dossier counts only: resolved minus resolved late. Counter ratings are ratings, not dossiers
    # (one visit may rate several dossiers, or none), so subtracting them mixed two units; the
    # unsatisfied or complained-about dossiers the portal counts are not recorded per dossier,
    # so this measures only the lateness part of the indicator.
    lambda f: max(rates.resolved_total(f) - f["resolved_late"], 0),
    rates.resolved_total,
    _l("(Hồ sơ − quá hạn) / hồ sơ đã giải quyết"),
)


INDICATORS = (
    Indicator(
        "progress",
        _l("Tiến độ giải quyết"),
        _l("Hồ sơ giải quyết trước và đúng hạn / hồ sơ đã giải quyết"),
        20,
        rates.RATES_BY_NAME["resolved_in_time_rate"],
    ),
    Indicator(
        "online_dossiers",
        _l("Dịch vụ công trực tuyến"),
        _l("Hồ sơ trực tuyến / hồ sơ tiếp nhận (mục tiêu 50%)"),
        6,
        rates.RATES_BY_NAME["online_rate"],
        target=0.5,
        assumed=True,
    ),
    Indicator(
        "online_payment",
        _l("Thanh toán trực tuyến"),
        _l("Hồ sơ thanh toán trực tuyến / hồ sơ có phí, lệ phí"),
        6,
        rates.RATES_BY_NAME["online_payment_rate"],
    ),
    Indicator(
        "e_results",
        _l("Số hóa"),
        _l("Hồ sơ trả kết quả điện tử / hồ sơ đã giải quyết"),
        7,
        rates.RATES_BY_NAME["e_result_rate"],
        assumed=True,
    ),
    Indicator(
        "digitized",
        _l("Số hóa"),
        _l("Hồ sơ được số hóa / hồ sơ tiếp nhận (mục tiêu 80%)"),
        8,
        rates.RATES_BY_NAME["digitization_rate"],
        target=0.8,
        assumed=True,
    ),
    Indicator(
        "feedback_on_time",
        _l("Mức độ hài lòng"),
        _l("PAKN xử lý đúng hạn / tổng PAKN"),
        6,
        rates.RATES_BY_NAME["feedback_on_time_rate"],
    ),
    Indicator(
        "feedback_satisfied",
        _l("Mức độ hài lòng"),
        _l("(Tổng PAKN − không hài lòng hoặc quá hạn) / tổng PAKN"),
        6,
        FEEDBACK_WITHOUT_COMPLAINT,
    ),
    Indicator(
        "dossiers_satisfied",
        _l("Mức độ hài lòng"),
        _l("(Hồ sơ − quá hạn) / hồ sơ đã giải quyết (mục tiêu 90%)"),
        6,
        DOSSIERS_WITHOUT_COMPLAINT,
        target=0.9,
    ),
)


@dataclass(frozen=True)
class IndicatorResult:
    indicator: Indicator
    rate: float | None
    score: float | None


@dataclass(frozen=True)
class Estimate:
    results: list[IndicatorResult]
    points: float  # earned on the indicators that had data
    measured_max: float  # the maximum of those indicators
    coverage: float  # measured_max / 100: the share of the whole index this estimate covers

    @property
    def share(self) -> float | None:
        """Points earned as a share of the measured maximum."""
        return None if self.measured_max == 0 else self.points / self.measured_max


def estimate(f: Figures) -> Estimate:
    results = [IndicatorResult(i, i.rate(f), i.score(f)) for i in INDICATORS]
    measured = [r for r in results if r.score is not None]
    measured_max = sum(r.indicator.points for r in measured)
    return Estimate(
        results=results,
        points=sum(r.score for r in measured if r.score is not None),
        measured_max=measured_max,
        coverage=measured_max / TOTAL_POINTS,
    )
