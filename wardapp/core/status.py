"""Where a day stands: one status, computed from plain facts, shown the same way on every screen.

The dashboard, the calendar, the report list, the report header and the PDF list all ask
``day_status`` and show its label and colour; none of them decides on its own. The order is the
path of a day, Chưa có số liệu → Nháp → Đủ số liệu → Sẵn sàng ký → Đã ký → Đang gửi → then one of
the city's answers (received, then accepted by a reviewer; or returned; or refused).
"""

from __future__ import annotations

from dataclasses import dataclass

from wardapp.core.i18n import lazy_gettext as _l
from wardapp.core.labels import Labelled


class DayStatus(Labelled):
    NO_FIGURES = "none", _l("Chưa có số liệu")
    DRAFT = "draft", _l("Nháp")
    COMPLETE = "complete", _l("Đủ số liệu")
    READY = "ready", _l("Sẵn sàng ký")
    SIGNED = "signed", _l("Đã ký")
    SENDING = "sending", _l("Đang gửi")
    RECEIVED = "received", _l("Thành phố đã nhận")
    ACCEPTED = "accepted", _l("Thành phố đã duyệt")
    RETURNED = "returned", _l("Thành phố trả lại")
    REJECTED = "rejected", _l("Bị từ chối")

    @property
    def css(self) -> str:
        """The colour class: ``status-<value>`` (app.css gives each a contrast-checked pair)."""
        return f"status-{self.value}"

    @property
    def order(self) -> int:
        return ORDER.index(self)

    @property
    def needs_action(self) -> bool:
        """The commune has something to do about this day (the city refused or returned it)."""
        return self in (DayStatus.RETURNED, DayStatus.REJECTED)


ORDER = list(DayStatus)

# Outbox states (wardapp.outbox.models.OutboxState values) as the day's status shows them. An entry
# that was never tried is "signed"; one the sender holds or will retry is "sending".
_OUTBOX = {
    None: DayStatus.SIGNED,
    "waiting": DayStatus.SIGNED,
    "sending": DayStatus.SENDING,
    "retrying": DayStatus.SENDING,
    "accepted": DayStatus.RECEIVED,
    "rejected": DayStatus.REJECTED,
}

# Where a day may go next, as people act on it. Any unsigned state can move to any other unsigned
# one (a save makes it draft or complete, any change withdraws "ready"); a correction reopens a
# signed day whatever the city said.
_EDITABLE = {DayStatus.NO_FIGURES, DayStatus.DRAFT, DayStatus.COMPLETE, DayStatus.READY}
TRANSITIONS: dict[DayStatus, set[DayStatus]] = {
    DayStatus.NO_FIGURES: {DayStatus.DRAFT, DayStatus.COMPLETE},
    DayStatus.DRAFT: {DayStatus.DRAFT, DayStatus.COMPLETE},
    DayStatus.COMPLETE: {DayStatus.DRAFT, DayStatus.COMPLETE, DayStatus.READY},
    DayStatus.READY: {DayStatus.DRAFT, DayStatus.COMPLETE, DayStatus.SIGNED},
    DayStatus.SIGNED: {DayStatus.SENDING, DayStatus.RECEIVED, DayStatus.REJECTED, DayStatus.DRAFT, DayStatus.COMPLETE},
    DayStatus.SENDING: {DayStatus.SENDING, DayStatus.RECEIVED, DayStatus.REJECTED},
    DayStatus.RECEIVED: {DayStatus.ACCEPTED, DayStatus.RETURNED, DayStatus.DRAFT, DayStatus.COMPLETE},
    # A reviewer may still return an accepted day; a correction of it needs accepting again.
    DayStatus.ACCEPTED: {DayStatus.RETURNED, DayStatus.DRAFT, DayStatus.COMPLETE},
    DayStatus.RETURNED: {DayStatus.DRAFT, DayStatus.COMPLETE},
    DayStatus.REJECTED: {DayStatus.SENDING, DayStatus.RECEIVED, DayStatus.DRAFT, DayStatus.COMPLETE},
}


@dataclass(frozen=True)
class DayFacts:
    """What is known about one day, read from the database by the caller.

    ``complete``: the figures add up (report status complete); ``signed``: the day is frozen on a
    signed revision (a correction in progress is not signed); ``outbox``, ``city_returned`` and
    ``city_accepted`` (a city reviewer accepted it, PROTOCOL section 4) describe that latest signed
    revision.
    """

    has_figures: bool = False
    complete: bool = False
    ready: bool = False
    signed: bool = False
    outbox: str | None = None
    city_returned: bool = False
    city_accepted: bool = False


def day_status(facts: DayFacts) -> DayStatus:
    """The one status of a day. Signed days are judged by what happened to the signature, never
    again by today's rules (a rule added later cannot make a signed day "not ready")."""
    if facts.signed:
        if facts.city_returned:
            return DayStatus.RETURNED
        if facts.city_accepted and facts.outbox == "accepted":
            return DayStatus.ACCEPTED
        return _OUTBOX.get(facts.outbox, DayStatus.SENDING)
    if not facts.has_figures:
        return DayStatus.NO_FIGURES
    if not facts.complete:
        return DayStatus.DRAFT
    return DayStatus.READY if facts.ready else DayStatus.COMPLETE


def is_editable(status: DayStatus) -> bool:
    return status in _EDITABLE


def legend() -> list[DayStatus]:
    """Every status in its order, for the legends under the calendar and the lists."""
    return list(ORDER)
