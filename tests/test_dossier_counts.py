"""The counting rules of the dossier log, on hand-built dossier sets, and the form's sum rules."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from wardapp.core import rates
from wardapp.core.dossier_counts import (
    LOG_FIGURES,
    Channel,
    DossierFacts,
    State,
    computable,
    count_day,
    late_on_day,
)
from wardapp.core.figures import zero_figures
from wardapp.core.rules import check_figures

DAY = dt.date(2026, 11, 24)


def at(day_offset: int, hh: int = 9, mm: int = 0, ss: int = 0) -> dt.datetime:
    return dt.datetime.combine(DAY + dt.timedelta(days=day_offset), dt.time(hh, mm, ss))


def dossier(code="H1", **kw) -> DossierFacts:
    kw.setdefault("received_at", at(-1))
    kw.setdefault("channel", Channel.IN_PERSON)
    return DossierFacts(code=code, **kw)


def nonzero(counts: dict[str, int]) -> dict[str, int]:
    return {k: v for k, v in counts.items() if v}


def test_received_at_the_last_second_belongs_to_the_day_and_midnight_to_the_next():
    last_second = dossier("A", received_at=at(0, 23, 59, 59))
    midnight = dossier("B", received_at=at(1, 0, 0, 0))
    assert nonzero(count_day([last_second, midnight], DAY)) == {"received_in_person": 1, "pending_within": 1}
    # The next day, the first is carried over and the second is received.
    assert nonzero(count_day([last_second, midnight], DAY + dt.timedelta(days=1))) == {
        "received_in_person": 1,
        "carried_over": 1,
        "pending_within": 2,
    }


def test_finished_at_midnight_is_pending_at_the_end_of_the_day_before():
    d = dossier(received_at=at(-2), due_at=at(3, 23, 59, 59), finished_at=at(1, 0, 0, 0))
    assert nonzero(count_day([d], DAY)) == {"carried_over": 1, "pending_within": 1}
    assert nonzero(count_day([d], DAY + dt.timedelta(days=1))) == {"carried_over": 1, "resolved_early": 1}


def test_appointment_time_is_the_boundary_between_on_time_and_late():
    due = at(0, 10, 0, 0)
    exactly = dossier("A", due_at=due, finished_at=due)
    a_minute_after = dossier("B", due_at=due, finished_at=at(0, 10, 1))
    before_on_the_day = dossier("C", due_at=due, finished_at=at(0, 8))
    counts = count_day([exactly, a_minute_after, before_on_the_day], DAY)
    assert nonzero(counts) == {"carried_over": 3, "resolved_on_time": 2, "resolved_late": 1}


def test_finished_on_its_due_day_without_a_time_is_on_time_and_the_day_before_is_early():
    due_day_only = at(0, 23, 59, 59)  # how the importer stores "24/11/2026"
    on_due_day = dossier("A", due_at=due_day_only, finished_at=at(0, 16, 45))
    day_before = dossier("B", received_at=at(-3), due_at=due_day_only, finished_at=at(-1, 16))
    assert nonzero(count_day([on_due_day, day_before], DAY)) == {"carried_over": 1, "resolved_on_time": 1}
    assert nonzero(count_day([day_before], DAY - dt.timedelta(days=1))) == {"carried_over": 1, "resolved_early": 1}


def test_unfinished_past_its_appointment_is_overdue_at_the_end_of_the_due_day():
    d = dossier(due_at=at(0, 10))
    assert nonzero(count_day([d], DAY - dt.timedelta(days=1))) == {"received_in_person": 1, "pending_within": 1}
    assert nonzero(count_day([d], DAY)) == {"carried_over": 1, "pending_overdue": 1}
    assert [(x.kind, x.dossier.code) for x in late_on_day([d], DAY)] == [("pending_overdue", "H1")]


def test_received_and_finished_the_same_day_is_neither_carried_nor_pending():
    d = dossier(received_at=at(0, 8), finished_at=at(0, 15), channel=Channel.ONLINE, full_process=True, e_result=True)
    assert nonzero(count_day([d], DAY)) == {
        "received_online": 1,
        "online_full_process": 1,
        "resolved_on_time": 1,
        "e_results": 1,
    }
    assert nonzero(count_day([d], DAY + dt.timedelta(days=1))) == {}


def test_waiting_for_the_applicant_is_pending_within_deadline_past_its_appointment():
    d = dossier(received_at=at(-5), due_at=at(-1), state=State.WAITING)
    assert nonzero(count_day([d], DAY)) == {"carried_over": 1, "pending_within": 1}
    assert late_on_day([d], DAY) == []


def test_waiting_then_finished_after_the_appointment_is_late():
    d = dossier(received_at=at(-5), due_at=at(-1), finished_at=at(0, 11), state=State.WAITING)
    assert nonzero(count_day([d], DAY)) == {"carried_over": 1, "resolved_late": 1}
    assert [x.kind for x in late_on_day([d], DAY)] == ["resolved_late"]


def test_withdrawn_is_never_counted():
    withdrawn = dossier("W", received_at=at(0, 8), due_at=at(-1), state=State.WITHDRAWN)
    kept = dossier("K", received_at=at(0, 8))
    assert nonzero(count_day([withdrawn, kept], DAY)) == {"received_in_person": 1, "pending_within": 1}
    assert late_on_day([withdrawn], DAY) == []


def test_reopened_dossier_counts_by_its_latest_state():
    finished = dossier(received_at=at(-3), due_at=at(2), finished_at=at(-1, 10))
    reopened = dossier(received_at=at(-3), due_at=at(2), finished_at=None)
    assert nonzero(count_day([finished], DAY)) == {}
    assert nonzero(count_day([reopened], DAY)) == {"carried_over": 1, "pending_within": 1}


def test_channels_and_payment_and_digitization_of_the_days_receipts():
    dossiers = [
        dossier("A", received_at=at(0, 8), channel=Channel.POSTAL, fee_bearing=True, digitized=True),
        dossier("B", received_at=at(0, 9), channel=Channel.ONLINE, fee_bearing=True, paid_online=True),
        dossier("C", received_at=at(0, 10), channel=Channel.ONLINE, full_process=None),
        dossier("D", received_at=at(-1, 10), channel=Channel.ONLINE, fee_bearing=True),  # yesterday's
    ]
    assert nonzero(count_day(dossiers, DAY)) == {
        "received_postal": 1,
        "received_online": 2,
        "online_partial": 2,
        "carried_over": 1,
        "pending_within": 4,
        "fee_bearing": 2,
        "paid_online": 1,
        "digitized": 1,
    }


def test_an_export_without_a_column_leaves_its_figures_typed():
    assert "received_online" not in computable({"finished_at", "due_at"})
    assert "pending_overdue" in computable({"finished_at", "due_at"})
    assert set(computable(set().union(*LOG_FIGURES.values()))) == set(LOG_FIGURES)


# --- the form's sum rules hold for every log -------------------------------------------------

moments = st.integers(min_value=-6 * 24 * 60, max_value=6 * 24 * 60).map(
    lambda minutes: dt.datetime.combine(DAY, dt.time()) + dt.timedelta(minutes=minutes)
)


@st.composite
def dossier_sets(draw):
    count = draw(st.integers(min_value=0, max_value=40))
    result = []
    for i in range(count):
        received = draw(moments)
        finished = draw(st.one_of(st.none(), moments.filter(lambda m, r=received: m >= r)))
        due = draw(st.one_of(st.none(), moments))
        result.append(
            DossierFacts(
                code=f"H{i}",
                received_at=received,
                due_at=due,
                finished_at=finished,
                channel=draw(st.sampled_from(Channel)),
                state=draw(st.sampled_from(State)),
                full_process=draw(st.one_of(st.none(), st.booleans())),
                fee_bearing=draw(st.booleans()),
                paid_online=draw(st.booleans()),
                digitized=draw(st.booleans()),
                e_result=draw(st.booleans()),
            )
        )
    return result


@settings(max_examples=150, deadline=None)
@given(dossier_sets(), st.integers(min_value=-3, max_value=3))
def test_computed_figures_always_satisfy_the_forms_sum_rules(dossiers, offset):
    day = DAY + dt.timedelta(days=offset)
    counts = count_day(dossiers, day)
    # Typed figures at values a person would type on any day with visitors.
    figures = zero_figures() | counts | {"counters_open": 1, "staff_on_duty": 1}
    assert check_figures(figures) == {}
    # Carried over is the previous day's pending, so days chain.
    yesterday = count_day(dossiers, day - dt.timedelta(days=1))
    assert counts["carried_over"] == yesterday["pending_within"] + yesterday["pending_overdue"]
    late = late_on_day(dossiers, day)
    assert sum(x.kind == "resolved_late" for x in late) == counts["resolved_late"]
    assert sum(x.kind == "pending_overdue" for x in late) == counts["pending_overdue"]
    assert rates.resolved_total(figures) + rates.pending_total(figures) == rates.to_handle(figures)
