"""Generated demo history (wardapp/demo/history.py)."""

from __future__ import annotations

import datetime as dt
import itertools
from statistics import mean

import pytest

from wardapp.core import rates
from wardapp.core.figures import FIGURE_NAMES, NARRATIVE_NAMES
from wardapp.core.rules import check_figures
from wardapp.demo import history

END = dt.date(2025, 9, 30)


@pytest.fixture(scope="module")
def ninety_days():
    return history.generate(90, END)


def test_it_generates_consecutive_days_ending_on_the_given_day(ninety_days):
    dates = [day for day, _, _ in ninety_days]
    assert len(dates) == 90
    assert dates[-1] == END
    assert dates[0] == END - dt.timedelta(days=89)
    assert all(b - a == dt.timedelta(days=1) for a, b in itertools.pairwise(dates))


def test_it_fills_every_figure_and_narrative_field(ninety_days):
    for _, figures, narrative in ninety_days:
        assert set(figures) == set(FIGURE_NAMES)
        assert set(narrative) == set(NARRATIVE_NAMES)
        assert all(isinstance(v, int) and v >= 0 for v in figures.values())


def test_it_generates_days_a_careful_commune_would_report(app, ninety_days):
    with app.test_request_context("/"):
        problems = {day: check_figures(f) for day, f, _ in ninety_days if check_figures(f)}
    assert problems == {}


@pytest.mark.parametrize("seed", range(10))
def test_it_keeps_every_seed_consistent(seed):
    for day, figures, _ in history.generate(120, END, seed=seed):
        assert check_figures(figures) == {}, day


def test_it_carries_yesterdays_pending_dossiers_over_to_today(ninety_days):
    assert ninety_days[0][1]["carried_over"] == 12
    for (_, yesterday, _), (day, today, _) in itertools.pairwise(ninety_days):
        assert today["carried_over"] == rates.pending_total(yesterday), day


def test_it_starts_from_the_given_carried_over():
    ((_, first, _),) = history.generate(1, END, start_carried=30)
    assert first["carried_over"] == 30


def test_it_makes_weekends_lighter_than_weekdays(ninety_days):
    weekdays = [rates.received_total(f) for day, f, _ in ninety_days if day.weekday() < 5]
    saturdays = [rates.received_total(f) for day, f, _ in ninety_days if day.weekday() == 5]
    sundays = [rates.received_total(f) for day, f, _ in ninety_days if day.weekday() == 6]
    assert mean(saturdays) < mean(weekdays) / 1.5
    assert mean(sundays) < mean(saturdays)


def test_it_raises_the_online_share_over_the_period(ninety_days):
    online = rates.RATES_BY_NAME["online_rate"]
    weekday_rates = [online.of(f) for day, f, _ in ninety_days if day.weekday() < 5]
    first_month, last_month = weekday_rates[:20], weekday_rates[-20:]
    assert mean(last_month) > mean(first_month)


def test_it_includes_some_bad_days(ninety_days):
    late = [f for _, f, _ in ninety_days if f["resolved_late"] + f["pending_overdue"] > 0]
    assert 0 < len(late) < len(ninety_days)


def test_it_is_the_same_history_for_the_same_seed():
    assert history.generate(30, END, seed=7) == history.generate(30, END, seed=7)


def test_it_is_a_different_history_for_another_seed():
    assert history.generate(30, END, seed=7) != history.generate(30, END, seed=8)
