"""The rates the dashboard and the documents draw day by day: one series per rate, a gap for a day
without figures (never a zero that was not reported)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from wardapp.core import periods, rates
from wardapp.core.i18n import LazyText

TREND_RATES = ("online_rate", "on_time_rate", "satisfaction_rate")
TREND_DAYS = 30  # the trend the leader sees while signing, signed with the day


@dataclass(frozen=True)
class Series:
    name: str
    label: LazyText | str
    values: list[float | None]  # one per day, None where the day has no figures


def rate_series(by_day: Mapping[dt.date, Mapping[str, int]], dates: Sequence[dt.date]) -> list[Series]:
    result = []
    for name in TREND_RATES:
        rate = rates.RATES_BY_NAME[name]
        result.append(Series(name, rate.label, [rate.of(by_day[d]) if d in by_day else None for d in dates]))
    return result


def last_days(end: dt.date, days: int) -> list[dt.date]:
    return list(periods.days(end - dt.timedelta(days=days - 1), end))


def signed_trend(end: dt.date, by_day: Mapping[dt.date, Mapping[str, int]], days: int = TREND_DAYS) -> dict[str, Any]:
    """The ``trend`` field of a signed payload: the rates of the ``days`` days ending at ``end``
    (rounded as every signed rate is), so the document printed from it never depends on days that
    change afterwards."""
    dates = last_days(end, days)
    series = {s.name: [None if v is None else round(v, 6) for v in s.values] for s in rate_series(by_day, dates)}
    return {"days": [d.isoformat() for d in dates], "series": series}
