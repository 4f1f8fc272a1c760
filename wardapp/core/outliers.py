"""Is a day's figure out of line with the commune's own history? One robust rule, plain data in.

The rule (as DHIS2's outlier analysis does it, with the commune's own comparable days as the
reference): take the same figure on the commune's comparable past days — the **same day of the
week** (its weekday type: a Monday is compared with Mondays, so a weekly pattern is not a
surprise) within the last ``weeks`` weeks — and compute their median and their median absolute
deviation (MAD). The day's **modified z-score** is ``0.6745 × (value − median) / MAD``, i.e.
``(value − median) / (1.4826 × MAD)``; above ``threshold`` (3.5, Iglewicz and Hoaglin) in either
direction the figure is flagged. The usual range shown beside it is ``median ± threshold × scale``.

- **Too little history** (fewer than ``min_history`` comparable days): no judgement at all, never
  a flag (a new commune is not "unusual").
- **A perfectly steady history** has MAD 0; the scale then falls back to the mean absolute
  deviation × 1.2533 (its own consistency constant), and never goes below the figure's
  ``min_scale`` (one dossier for a count, five points for a share): a steady 30 a day makes 31
  normal and 300 a flag.

Thresholds are settings of the city (``CITY_OUTLIER_*``), passed in as a :class:`Rule`.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from statistics import median

from wardapp.core.i18n import lazy_gettext as _l

MAD_TO_SIGMA = 1.4826  # 1 / 0.6745: the MAD of a normal distribution is 0.6745 σ
MEAN_AD_TO_SIGMA = 1.2533  # sqrt(π / 2): the same for the mean absolute deviation


@dataclass(frozen=True)
class Rule:
    threshold: float = 3.5
    weeks: int = 12
    min_history: int = 8


@dataclass(frozen=True)
class Judgement:
    value: float
    median: float
    scale: float
    z: float
    low: float
    high: float
    history: int  # how many comparable days it was judged against

    def out_of_range(self, rule: Rule) -> bool:
        return abs(self.z) > rule.threshold


def comparable(day: dt.date, history: Mapping[dt.date, float], weeks: int) -> list[float]:
    """The values of the same day of the week in the ``weeks`` weeks before ``day`` (not the day)."""
    out = []
    for back in range(1, weeks + 1):
        value = history.get(day - dt.timedelta(weeks=back))
        if value is not None:
            out.append(value)
    return out


def judge(value: float, past: Sequence[float], rule: Rule, min_scale: float = 0.0) -> Judgement | None:
    """The value against its comparable past; None when there is too little history to judge."""
    if len(past) < max(rule.min_history, 1):
        return None
    middle = median(past)
    deviations = [abs(x - middle) for x in past]
    scale = MAD_TO_SIGMA * median(deviations)
    if scale == 0:
        scale = MEAN_AD_TO_SIGMA * sum(deviations) / len(deviations)
    scale = max(scale, min_scale)
    if scale == 0:
        z = 0.0 if value == middle else math.copysign(math.inf, value - middle)
    else:
        z = (value - middle) / scale
    spread = rule.threshold * scale
    return Judgement(value, middle, scale, z, middle - spread, middle + spread, len(past))


@dataclass(frozen=True)
class Metric:
    """A figure or rate worth checking: the figures' or rates' columns it reads from a day (added
    up), and how it is read."""

    name: str
    label: object  # lazy: translated when shown
    columns: tuple[str, ...]
    min_scale: float
    share: bool = False  # a rate between 0 and 1 (shown as a percentage)

    def read(self, row: Mapping[str, float | None]) -> float | None:
        if not self.share:
            return float(sum(row.get(n) or 0 for n in self.columns))
        (rate,) = self.columns
        value = row.get(rate)
        return None if value is None else float(value)


# What the issue names: received, settled in time and late, online share, payment, satisfaction.
METRICS = (
    Metric("received", _l("Hồ sơ tiếp nhận"), ("received_in_person", "received_online", "received_postal"), 1.0),
    Metric("resolved_in_time", _l("Giải quyết đúng hạn"), ("resolved_early", "resolved_on_time"), 1.0),
    Metric("resolved_late", _l("Giải quyết quá hạn"), ("resolved_late",), 1.0),
    Metric("online_rate", _l("Tỷ lệ trực tuyến"), ("online_rate",), 0.05, share=True),
    Metric("online_payment_rate", _l("Tỷ lệ thanh toán trực tuyến"), ("online_payment_rate",), 0.05, share=True),
    Metric("satisfaction_rate", _l("Tỷ lệ hài lòng"), ("satisfaction_rate",), 0.05, share=True),
)
METRICS_BY_NAME = {m.name: m for m in METRICS}
# The figures' and rates' columns the metrics read (what the city selects for them), each once.
COLUMNS = tuple(dict.fromkeys(column for metric in METRICS for column in metric.columns))


@dataclass(frozen=True)
class Flag:
    day: dt.date
    metric: Metric
    judgement: Judgement


def flags_of(days: Sequence[dt.date], series: Mapping[dt.date, Mapping[str, float | None]], rule: Rule) -> list[Flag]:
    """Every metric of each of ``days`` that is out of line with the commune's comparable days in
    ``series`` (the commune's rows by day, history included)."""
    out = []
    for metric in METRICS:
        values = {d: v for d, row in series.items() if (v := metric.read(row)) is not None}
        for day in days:
            value = values.get(day)
            if value is None:
                continue
            judged = judge(value, comparable(day, values, rule.weeks), rule, metric.min_scale)
            if judged is not None and judged.out_of_range(rule):
                out.append(Flag(day, metric, judged))
    return out
