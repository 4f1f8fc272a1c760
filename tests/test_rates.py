"""Every rate of the day, computed from raw counts (wardapp/reports/rates.py)."""

from __future__ import annotations

import pytest

from wardapp.core import rates
from wardapp.core.figures import FIGURE_NAMES, zero_figures
from wardapp.core.rates import RATES, RATES_BY_NAME

from .factories import figures

# factories.figures(): 16 in person + 12 online + 2 postal = 30 received, 10 carried over → 40 to
# handle; 8 early + 18 on time + 2 late = 28 resolved; 11 within + 1 overdue = 12 pending.
EXPECTED = {
    "online_rate": 12 / 30,
    "full_process_rate": 7 / 12,
    "on_time_rate": (40 - 2 - 1) / 40,
    "late_rate": (2 + 1) / 40,
    "resolved_in_time_rate": (8 + 18) / 28,
    "digitization_rate": 25 / 30,
    "e_result_rate": 20 / 28,
    "online_payment_rate": 4 / 10,
    "satisfaction_rate": (6 + 10) / 17,
    "feedback_on_time_rate": 1 / 2,
}

# Overrides that leave each rate with nothing to divide by (everything else stays ordinary).
ZERO_DENOMINATOR = {
    "online_rate": dict(received_in_person=0, received_online=0, received_postal=0),
    "full_process_rate": dict(received_online=0),
    "on_time_rate": dict(received_in_person=0, received_online=0, received_postal=0, carried_over=0),
    "late_rate": dict(received_in_person=0, received_online=0, received_postal=0, carried_over=0),
    "resolved_in_time_rate": dict(resolved_early=0, resolved_on_time=0, resolved_late=0),
    "digitization_rate": dict(received_in_person=0, received_online=0, received_postal=0),
    "e_result_rate": dict(resolved_early=0, resolved_on_time=0, resolved_late=0),
    "online_payment_rate": dict(fee_bearing=0),
    "satisfaction_rate": dict(rating_very_satisfied=0, rating_satisfied=0, rating_unsatisfied=0),
    "feedback_on_time_rate": dict(feedback_received=0),
}

HUGE = 10**12


def scaled(f: dict[str, int], factor: int) -> dict[str, int]:
    return {name: value * factor for name, value in f.items()}


def test_it_has_a_worked_example_for_every_rate():
    assert set(EXPECTED) == set(RATES_BY_NAME)
    assert set(ZERO_DENOMINATOR) == set(RATES_BY_NAME)


@pytest.mark.parametrize("rate", RATES, ids=lambda r: r.name)
def test_it_computes_each_rate_from_the_counts(rate):
    assert rate.of(figures()) == EXPECTED[rate.name]


@pytest.mark.parametrize("rate", RATES, ids=lambda r: r.name)
def test_it_gives_no_rate_when_there_is_nothing_to_divide_by(rate):
    assert rate.of(figures(**ZERO_DENOMINATOR[rate.name])) is None


def test_it_gives_no_rate_at_all_on_a_day_without_dossiers():
    assert rates.compute(zero_figures()) == dict.fromkeys(RATES_BY_NAME, None)


@pytest.mark.parametrize("rate", RATES, ids=lambda r: r.name)
def test_it_stays_exact_with_huge_numbers(rate):
    # Same proportions a trillion times over: the same correctly rounded quotient.
    assert rate.of(scaled(figures(), HUGE)) == EXPECTED[rate.name]


def test_it_keeps_huge_totals_exact():
    t = rates.totals(scaled(figures(), 10**18))
    assert t == rates.Totals(
        received=30 * 10**18,
        to_handle=40 * 10**18,
        resolved=28 * 10**18,
        pending=12 * 10**18,
        ratings=17 * 10**18,
    )


def test_it_scores_a_day_where_everything_is_late():
    day = zero_figures() | {
        "received_in_person": 6,
        "carried_over": 4,
        "resolved_late": 6,
        "pending_overdue": 4,
    }
    assert RATES_BY_NAME["on_time_rate"].of(day) == 0.0
    assert RATES_BY_NAME["late_rate"].of(day) == 1.0
    assert RATES_BY_NAME["resolved_in_time_rate"].of(day) == 0.0


def test_it_scores_a_day_where_nothing_is_late():
    day = figures(resolved_late=0, resolved_on_time=20, pending_overdue=0, pending_within=12, apology_letters=0)
    assert RATES_BY_NAME["on_time_rate"].of(day) == 1.0
    assert RATES_BY_NAME["late_rate"].of(day) == 0.0


def test_it_makes_on_time_and_late_add_up_to_one_hundred_percent():
    day = figures()
    on_time = RATES_BY_NAME["on_time_rate"].of(day)
    late = RATES_BY_NAME["late_rate"].of(day)
    assert on_time + late == pytest.approx(1.0)


def test_it_counts_pending_overdue_dossiers_as_late():
    # Nothing resolved late, but 5 dossiers are waiting past their deadline.
    day = figures(resolved_late=0, resolved_on_time=20, pending_within=7, pending_overdue=5)
    assert RATES_BY_NAME["late_rate"].of(day) == 5 / 40


def test_it_totals_the_summary_table():
    assert rates.totals(figures()) == rates.Totals(received=30, to_handle=40, resolved=28, pending=12, ratings=17)


def test_it_adds_carried_over_dossiers_to_those_to_handle():
    assert rates.to_handle(figures(carried_over=0)) == 30
    assert rates.to_handle(figures(carried_over=25)) == 55


def test_it_computes_every_rate_by_name_in_table_order():
    computed = rates.compute(figures())
    assert list(computed) == [r.name for r in RATES]
    assert computed == EXPECTED


def test_it_refuses_a_negative_denominator_as_no_rate():
    assert rates.ratio(3, 0) is None
    assert rates.ratio(3, -1) is None
    assert rates.ratio(0, 4) == 0.0


# -- several days -----------------------------------------------------------------------------


def day_after(carried: int, **overrides: int) -> dict[str, int]:
    """An ordinary, balanced day: 30 received, 28 resolved, so 2 more are left pending."""
    return figures(carried_over=carried, pending_within=carried + 1, pending_overdue=1, **overrides)


def three_days() -> list[dict[str, int]]:
    first = day_after(10)
    second = day_after(rates.pending_total(first), received_online=14, online_partial=7, received_in_person=14)
    third = day_after(rates.pending_total(second), resolved_late=0, resolved_on_time=20, apology_letters=0)
    return [first, second, third]


def test_it_adds_up_the_flows_of_several_days():
    days = three_days()
    total = rates.sum_figures(days)
    assert total["received_online"] == 12 + 14 + 12
    assert total["received_in_person"] == 16 + 14 + 16
    assert total["resolved_late"] == 2 + 2 + 0
    assert total["rating_satisfied"] == 30


def test_it_opens_a_period_with_its_first_days_carried_over():
    assert rates.sum_figures(three_days())["carried_over"] == 10


def test_it_closes_a_period_with_its_last_days_pending():
    days = three_days()
    total = rates.sum_figures(days)
    assert total["pending_within"] == days[-1]["pending_within"] == 15
    assert total["pending_overdue"] == days[-1]["pending_overdue"] == 1


def test_it_keeps_the_balance_over_a_period():
    total = rates.sum_figures(three_days())
    assert rates.to_handle(total) == rates.resolved_total(total) + rates.pending_total(total)
    assert rates.to_handle(total) == 90 + 10


def test_it_rates_a_period_from_its_sums():
    total = rates.sum_figures(three_days())
    # late: 2 + 2 + 0 resolved late, plus 1 still overdue at the end; 100 to handle.
    assert RATES_BY_NAME["late_rate"].of(total) == 5 / 100


def test_it_sums_a_single_day_to_itself():
    day = figures()
    assert rates.sum_figures([day]) == day


def test_it_sums_no_days_to_zero():
    assert rates.sum_figures([]) == dict.fromkeys(FIGURE_NAMES, 0)
