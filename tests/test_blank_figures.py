"""Figures open empty over a "0" placeholder (a field starting at "0" turned a typed 2 into "02"):
a blank counts as 0 and stays blank, a 0 shows only where it was typed."""

from __future__ import annotations

from wardapp.core.figures import FIGURE_NAMES

from .helpers import Page, signed_in
from .test_reports_form import form_data, stored, url


def test_a_new_day_opens_with_empty_figures_and_no_message(app, users):
    page = Page.of(signed_in(app, "staff").get(url()))

    typed = [name for name in FIGURE_NAMES if "readonly" not in page.field(name).attrs]
    assert typed and all(page.value(name) == "" for name in typed)
    assert all(page.field(name).attrs.get("placeholder") == "0" for name in typed)
    assert all(page.text(f"err-{name}") == "" for name in typed)


def test_a_blank_counts_as_zero_and_stays_blank_while_a_typed_zero_stays(app, users):
    staff = signed_in(app, "staff")
    data = form_data() | {"outages_system": "0", "outages_network": "", "feedback_unsatisfied": ""}

    saved = staff.post(url(), data=data)
    again = Page.of(staff.get(url()))
    refused = Page.of(staff.post(url(), data=data | {"received_online": "x", "version": "1"}))

    assert saved.status_code == 303
    assert stored()["outages_network"] == 0
    assert again.value("outages_network") == "" and again.value("received_online") == "12"
    # Sent back with a mistake elsewhere: the typed 0 is there, the blank still blank.
    assert refused.value("outages_system") == "0"
    assert refused.value("outages_network") == ""
    assert refused.text("err-outages_network") == ""
