"""The one status of a day: every state from its facts, and every step a day takes, in one table."""

from __future__ import annotations

from dataclasses import replace

import pytest

from wardapp.core.status import TRANSITIONS, DayFacts, DayStatus, day_status, is_editable, legend

S = DayStatus
SIGNED = DayFacts(has_figures=True, complete=True, ready=True, signed=True)

# facts → status: every state, and the facts that must NOT change it.
STATES = [
    (DayFacts(), S.NO_FIGURES, "Chưa có số liệu"),
    (DayFacts(has_figures=True), S.DRAFT, "Nháp"),
    (DayFacts(has_figures=True, complete=True), S.COMPLETE, "Đủ số liệu"),
    (DayFacts(has_figures=True, complete=True, ready=True), S.READY, "Sẵn sàng ký"),
    (SIGNED, S.SIGNED, "Đã ký"),
    (replace(SIGNED, outbox="waiting"), S.SIGNED, "Đã ký"),
    (replace(SIGNED, outbox="sending"), S.SENDING, "Đang gửi"),
    (replace(SIGNED, outbox="retrying"), S.SENDING, "Đang gửi"),
    (replace(SIGNED, outbox="accepted"), S.RECEIVED, "Thành phố đã nhận"),
    (replace(SIGNED, outbox="accepted", city_accepted=True), S.ACCEPTED, "Thành phố đã duyệt"),
    (replace(SIGNED, outbox="accepted", city_returned=True), S.RETURNED, "Thành phố trả lại"),
    (replace(SIGNED, outbox="rejected"), S.REJECTED, "Bị từ chối"),
    # Boundaries: an outbox or a return of an older revision says nothing while a correction is open.
    (DayFacts(has_figures=True, complete=True, outbox="accepted", city_returned=True), S.COMPLETE, "Đủ số liệu"),
    (DayFacts(has_figures=True, complete=True, outbox="accepted", city_accepted=True), S.COMPLETE, "Đủ số liệu"),
    # An acceptance is only believed of a revision the outbox saw the city receive.
    (replace(SIGNED, outbox="sending", city_accepted=True), S.SENDING, "Đang gửi"),
    # A signed day is never judged by today's readiness (a rule added after signing).
    (replace(SIGNED, ready=False, outbox="accepted"), S.RECEIVED, "Thành phố đã nhận"),
]


@pytest.mark.parametrize(("facts", "status", "label"), STATES)
def test_it_names_each_state_in_staff_words(facts, status, label):
    assert day_status(facts) is status
    assert status.label == label
    assert status.css == f"status-{status.value}"


def test_every_state_is_reached_and_listed_in_order_in_the_legend():
    assert {status for _facts, status, _label in STATES} == set(DayStatus)
    assert legend() == [
        S.NO_FIGURES, S.DRAFT, S.COMPLETE, S.READY, S.SIGNED, S.SENDING, S.RECEIVED, S.ACCEPTED, S.RETURNED,
        S.REJECTED,
    ]  # fmt: skip
    assert [s.order for s in legend()] == list(range(len(DayStatus)))


# A day's life, step by step: (what happens, the facts after it, the status after it).
STEPS = [
    ("staff save figures that do not add up", DayFacts(has_figures=True), S.DRAFT),
    ("staff fix them", DayFacts(has_figures=True, complete=True), S.COMPLETE),
    ("the leader marks the day ready", DayFacts(has_figures=True, complete=True, ready=True), S.READY),
    ("a later change withdraws ready", DayFacts(has_figures=True, complete=True), S.COMPLETE),
    ("ready again", DayFacts(has_figures=True, complete=True, ready=True), S.READY),
    ("the leader signs", replace(SIGNED, outbox="waiting"), S.SIGNED),
    ("the sender tries, the city is down", replace(SIGNED, outbox="retrying"), S.SENDING),
    ("the city gives a receipt", replace(SIGNED, outbox="accepted"), S.RECEIVED),
    ("the city returns it", replace(SIGNED, outbox="accepted", city_returned=True), S.RETURNED),
    ("the leader opens a correction", DayFacts(has_figures=True, complete=True), S.COMPLETE),
    ("the corrected day is ready", DayFacts(has_figures=True, complete=True, ready=True), S.READY),
    ("signed again", replace(SIGNED, outbox="waiting"), S.SIGNED),
    ("the city refuses the push", replace(SIGNED, outbox="rejected"), S.REJECTED),
    ("a human resends it", replace(SIGNED, outbox="sending"), S.SENDING),
    ("the city accepts it", replace(SIGNED, outbox="accepted"), S.RECEIVED),
    ("a city reviewer accepts the day", replace(SIGNED, outbox="accepted", city_accepted=True), S.ACCEPTED),
    ("the leader corrects the accepted day", DayFacts(has_figures=True, complete=True), S.COMPLETE),
    ("the correction is ready", DayFacts(has_figures=True, complete=True, ready=True), S.READY),
    ("the correction is signed", replace(SIGNED, outbox="waiting"), S.SIGNED),
    ("the city receives the correction: to be accepted again", replace(SIGNED, outbox="accepted"), S.RECEIVED),
]


def test_a_days_life_moves_only_along_allowed_transitions():
    current = S.NO_FIGURES
    for what, facts, expected in STEPS:
        status = day_status(facts)
        assert status is expected, what
        assert status in TRANSITIONS[current], f"{what}: {current} → {status} is not a transition"
        current = status


@pytest.mark.parametrize("status", list(DayStatus))
def test_it_allows_no_jump_past_signing(status):
    """Nothing unsigned reaches the city's states without passing through "signed"."""
    city = {S.SENDING, S.RECEIVED, S.ACCEPTED, S.RETURNED, S.REJECTED}
    if is_editable(status):
        assert not (TRANSITIONS[status] & city)
        assert S.RETURNED not in TRANSITIONS[status]
    # Only a received report can be accepted; a received or accepted one returned.
    assert (S.ACCEPTED in TRANSITIONS[status]) == (status is S.RECEIVED)
    assert (S.RETURNED in TRANSITIONS[status]) == (status in (S.RECEIVED, S.ACCEPTED))
