"""The estimate of the measurable part of the Decision 766 index (wardapp/reports/index766.py)."""

from __future__ import annotations

from collections import defaultdict

import pytest

from wardapp.core import index766
from wardapp.core.figures import zero_figures
from wardapp.core.index766 import INDICATORS

from .factories import figures

BY_KEY = {i.key: i for i in INDICATORS}

# BRIEF section 3: the maximum points of each group as the portal scored them in 2025.
GROUP_MAX = {
    "Tiến độ giải quyết": 20,
    "Dịch vụ công trực tuyến": 12,
    "Thanh toán trực tuyến": 10,
    "Số hóa": 22,
    "Mức độ hài lòng": 18,
}


@pytest.fixture
def vi(app):
    with app.test_request_context("/"):
        yield


def day(**counts: int) -> dict[str, int]:
    return zero_figures() | counts


# For indicators with a target: counts at, below and above the target, and the expected score.
WITH_TARGET = {
    "online_dossiers": {  # target 50%, 6 points
        "at": (day(received_online=5, received_in_person=5), 0.5, 6),
        "below": (day(received_online=2, received_in_person=8), 0.2, 0.2 * 6 / 0.5),  # 2.4
        "above": (day(received_online=9, received_in_person=1), 0.9, 6),
    },
    "digitized": {  # target 80%, 8 points
        "at": (day(received_in_person=10, digitized=8), 0.8, 8),
        "below": (day(received_in_person=10, digitized=4), 0.4, 4),
        "above": (day(received_in_person=10, digitized=10), 1.0, 8),
    },
    "dossiers_satisfied": {  # target 90%, 6 points; late dossiers count against (dossier counts only)
        "at": (day(resolved_on_time=9, resolved_late=1, rating_unsatisfied=4), 0.9, 6),
        "below": (day(resolved_on_time=7, resolved_late=3), 0.7, 0.7 * 6 / 0.9),
        "above": (day(resolved_early=4, resolved_on_time=6), 1.0, 6),
    },
}

# Indicators without a target: rate × points.
WITHOUT_TARGET = {
    "progress": (day(resolved_early=5, resolved_on_time=10, resolved_late=5), 0.75, 15),
    "online_payment": (day(fee_bearing=4, paid_online=3), 0.75, 4.5),
    "e_results": (day(resolved_on_time=10, e_results=5), 0.5, 3.5),
    "feedback_on_time": (day(feedback_received=4, feedback_on_time=3, feedback_late=1), 0.75, 4.5),
    "feedback_satisfied": (
        day(feedback_received=4, feedback_on_time=3, feedback_late=1, feedback_unsatisfied=1),
        0.5,
        3,
    ),
}

TARGETED_CASES = [
    pytest.param(key, case, id=f"{key}-{case}") for key in WITH_TARGET for case in ("at", "below", "above")
]


def test_it_has_an_example_for_every_indicator():
    assert set(WITH_TARGET) == {i.key for i in INDICATORS if i.target}
    assert set(WITHOUT_TARGET) == {i.key for i in INDICATORS if not i.target}


@pytest.mark.parametrize("key, case", TARGETED_CASES)
def test_it_scores_an_indicator_against_its_target(key, case):
    counts, rate, score = WITH_TARGET[key][case]
    indicator = BY_KEY[key]
    assert indicator.rate(counts) == pytest.approx(rate)
    assert indicator.score(counts) == pytest.approx(score)


@pytest.mark.parametrize("key", WITH_TARGET)
def test_it_gives_full_points_at_the_target_and_never_more(key):
    indicator = BY_KEY[key]
    assert indicator.score(WITH_TARGET[key]["at"][0]) == indicator.points
    assert indicator.score(WITH_TARGET[key]["above"][0]) == indicator.points


@pytest.mark.parametrize("key", WITHOUT_TARGET)
def test_it_scores_an_indicator_without_target_as_rate_times_points(key):
    counts, rate, score = WITHOUT_TARGET[key]
    indicator = BY_KEY[key]
    assert indicator.rate(counts) == pytest.approx(rate)
    assert indicator.score(counts) == pytest.approx(score)


@pytest.mark.parametrize("indicator", INDICATORS, ids=lambda i: i.key)
def test_it_gives_no_score_without_data(indicator):
    assert indicator.rate(zero_figures()) is None
    assert indicator.score(zero_figures()) is None


def test_counter_ratings_are_not_subtracted_from_dossiers():
    """Ratings and dossiers are different units: five unsatisfied ratings do not remove dossiers."""
    counts = day(resolved_on_time=2, resolved_late=1, rating_unsatisfied=5)
    assert BY_KEY["dossiers_satisfied"].rate(counts) == pytest.approx(2 / 3)
    assert BY_KEY["dossiers_satisfied"].rate(day(resolved_on_time=3, rating_unsatisfied=50)) == 1.0


def test_it_estimates_an_ordinary_day():
    result = index766.estimate(figures())
    by_key = {r.indicator.key: r.score for r in result.results}
    assert by_key == pytest.approx(
        {
            "progress": 26 / 28 * 20,
            "online_dossiers": 0.4 * 6 / 0.5,
            "online_payment": 0.4 * 6,
            "e_results": 20 / 28 * 7,
            "digitized": 8,  # 25 / 30 is above the 80% target
            "feedback_on_time": 3,
            "feedback_satisfied": 3,  # 2 received, 1 of them late
            "dossiers_satisfied": 6,  # 26 of 28 not late is above the 90% target
        }
    )
    assert result.points == pytest.approx(sum(by_key.values()))
    assert result.measured_max == 65
    assert result.coverage == pytest.approx(0.65)
    assert result.share == pytest.approx(result.points / 65)


def test_it_leaves_indicators_without_data_out_of_the_measured_part():
    result = index766.estimate(
        figures(feedback_received=0, feedback_on_time=0, feedback_late=0, fee_bearing=0, paid_online=0)
    )
    unmeasured = {r.indicator.key for r in result.results if r.score is None}
    assert unmeasured == {"feedback_on_time", "feedback_satisfied", "online_payment"}
    assert result.measured_max == 65 - 6 - 6 - 6
    assert result.coverage == pytest.approx(0.47)


def test_it_gives_full_marks_on_a_perfect_day():
    perfect = day(
        received_online=10,
        online_full_process=10,
        resolved_early=4,
        resolved_on_time=6,
        fee_bearing=5,
        paid_online=5,
        digitized=10,
        e_results=10,
        feedback_received=2,
        feedback_on_time=2,
    )
    result = index766.estimate(perfect)
    assert result.points == result.measured_max == 65
    assert result.share == 1.0


def test_it_estimates_nothing_on_a_day_without_data():
    result = index766.estimate(zero_figures())
    assert result.points == 0
    assert result.measured_max == 0
    assert result.coverage == 0
    assert result.share is None
    assert [r.indicator for r in result.results] == list(INDICATORS)


def test_it_keeps_the_estimate_below_one_hundred_points():
    assert sum(i.points for i in INDICATORS) <= index766.TOTAL_POINTS


def test_it_keeps_each_group_within_its_published_maximum(vi):
    points = defaultdict(float)
    for indicator in INDICATORS:
        points[str(indicator.group)] += indicator.points
    assert set(points) <= set(GROUP_MAX), set(points) - set(GROUP_MAX)
    for group, total in points.items():
        assert total <= GROUP_MAX[group], group


def test_it_gives_progress_all_twenty_points_of_its_group(vi):
    assert BY_KEY["progress"].points == 20
    assert str(BY_KEY["progress"].group) == "Tiến độ giải quyết"


def test_it_marks_the_assumed_weights():
    # Weights the portal does not publish are marked, so the page can say they are our reading.
    assert {i.key for i in INDICATORS if i.assumed} == {"online_dossiers", "e_results", "digitized"}
