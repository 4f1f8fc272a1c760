"""The outlier rule on hand-built series: a steady commune, a weekly pattern, a sudden jump, a
drop, too little history; a share; and the thresholds as settings."""

from __future__ import annotations

import datetime as dt

from wardapp.core.outliers import Rule, comparable, flags_of, judge

RULE = Rule()
DAY = dt.date(2026, 11, 20)  # a Friday


def weeks_back(values_by_weekday, weeks: int = 12, last: dt.date = DAY) -> dict[dt.date, dict]:
    """``weeks`` weeks of history before ``last`` (not ``last`` itself); each day's received count
    from a function of its date."""
    series = {}
    for back in range(1, weeks * 7 + 1):
        day = last - dt.timedelta(days=back)
        series[day] = {"received_in_person": values_by_weekday(day)}
    return series


def received_flags(series, day=DAY, rule=RULE):
    return [f for f in flags_of([day], series, rule) if f.metric.name == "received"]


def test_a_steady_commune_is_never_flagged_for_an_ordinary_day_but_is_for_a_jump():
    series = weeks_back(lambda d: 30)
    series[DAY] = {"received_in_person": 31}
    assert received_flags(series) == []

    series[DAY] = {"received_in_person": 300}
    [flag] = received_flags(series)
    assert flag.judgement.median == 30 and flag.judgement.low < 31 < flag.judgement.high


def test_a_weekly_pattern_is_compared_with_the_same_weekday():
    # Mondays are market days: 90 dossiers; other days 20 (with a little noise).
    def pattern(d):
        return 90 + d.day % 3 if d.weekday() == 0 else 20 + d.day % 3

    monday = DAY + dt.timedelta(days=3)
    series = weeks_back(pattern, last=monday)
    series[monday] = {"received_in_person": 91}
    assert received_flags(series, monday) == []  # a usual Monday
    series[monday] = {"received_in_person": 21}
    [flag] = received_flags(series, monday)  # a Monday like a Tuesday is unusual
    assert flag.judgement.median >= 90 and flag.judgement.z < -3.5


def test_a_sudden_jump_in_a_noisy_series_is_flagged_and_the_noise_is_not():
    noise = [28, 31, 30, 33, 27, 30, 29, 32, 30, 31, 26, 34]
    series = weeks_back(lambda d: noise[((DAY - d).days // 7 - 1) % 12])
    series[DAY] = {"received_in_person": 35}
    assert received_flags(series) == []
    series[DAY] = {"received_in_person": 60}
    [flag] = received_flags(series)
    assert flag.judgement.z > 3.5 and flag.judgement.history == 12


def test_too_little_history_gives_no_judgement():
    series = weeks_back(lambda d: 30, weeks=7)  # seven comparable Fridays, eight needed
    series[DAY] = {"received_in_person": 3000}
    assert received_flags(series) == []
    assert judge(3000, [30] * 7, RULE) is None
    assert judge(3000, [30] * 8, RULE) is not None


def test_only_the_last_weeks_count():
    old = {DAY - dt.timedelta(weeks=w): 500.0 for w in range(13, 30)}
    assert comparable(DAY, old, 12) == []
    recent = {DAY - dt.timedelta(weeks=w): 30.0 for w in range(1, 13)}
    assert comparable(DAY, {**old, **recent}, 12) == [30.0] * 12


def test_a_share_is_judged_in_points_with_its_own_floor():
    series = {d: {"online_rate": 0.40} for d in weeks_back(lambda d: 0)}
    series[DAY] = {"online_rate": 0.43}
    assert [f for f in flags_of([DAY], series, RULE) if f.metric.name == "online_rate"] == []
    series[DAY] = {"online_rate": 0.95}
    [flag] = [f for f in flags_of([DAY], series, RULE) if f.metric.name == "online_rate"]
    assert flag.metric.share and flag.judgement.value == 0.95


def test_the_thresholds_are_settings():
    series = weeks_back(lambda d: 30 + d.day % 5)
    series[DAY] = {"received_in_person": 40}
    assert received_flags(series) == []
    assert received_flags(series, rule=Rule(threshold=2.0)) != []
    assert received_flags(series, rule=Rule(min_history=13)) == []
