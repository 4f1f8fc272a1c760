"""Flags judged at intake (city/flag_store.py), on SQLite and on PostgreSQL: what intake stores is
what the kernel's rule computes from the current revisions, whatever order the days and their
corrections arrive in; the flag list shows a new arrival's flag on its first load; a reviewer's
check survives a correction; the backfill command judges days received before flags were stored."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from tests.city import support as city
from tests.factories import figures
from wardapp.city import flag_store
from wardapp.city.extensions import city_db
from wardapp.city.models import FigureFlag, ReceivedFigures
from wardapp.core import outliers

from ..helpers import TODAY

pytestmark = pytest.mark.engines  # on SQLite and on PostgreSQL

HAI_CHAU = city.Commune("20242")  # Đà Nẵng, 48
HAI_VAN = city.Commune("20194")
LAST = TODAY - dt.timedelta(days=1)
RULE = {"CITY_OUTLIER_WEEKS": 4, "CITY_OUTLIER_MIN_HISTORY": 3, "CITY_OUTLIER_THRESHOLD": 3.5}


@pytest.fixture
def intake(city_app):
    city_app.config.update(RULE)
    city.enrol_all(city_app, [HAI_CHAU, HAI_VAN])
    city.make_user(city_app, "danang", provinces="48")
    return city_app


def received(count: int) -> dict:
    """An ordinary day with ``count`` dossiers received in person (the sums still close)."""
    return figures(received_in_person=count, pending_within=11 + count - 16)


def stored_flags(app) -> set[tuple]:
    """The flags of the current revisions, as intake stored them."""
    F, G = ReceivedFigures, FigureFlag
    with app.app_context():
        rows = city_db.session.execute(
            city_db.select(G.commune_code, G.date, G.metric, G.value, G.low, G.high)
            .join(F, F.report_pk == G.report_pk)
            .filter(F.current.is_(True))
        )
        return {(c, d, m, round(v, 6), round(lo, 6), round(hi, 6)) for c, d, m, v, lo, hi in rows}


def kernel_flags(app) -> set[tuple]:
    """What the kernel's rule says of every current revision, judged afresh from them all."""
    F = ReceivedFigures
    with app.app_context():
        rule = flag_store.rule()
        rows = city_db.session.execute(
            city_db.select(F.commune_code, F.date, *[getattr(F, c) for c in outliers.COLUMNS]).filter(
                F.current.is_(True)
            )
        ).all()
    series: dict[str, dict] = {}
    for row in rows:
        series.setdefault(row.commune_code, {})[row.date] = {c: getattr(row, c) for c in outliers.COLUMNS}
    out = set()
    for code, days in series.items():
        for flag in outliers.flags_of(list(days), days, rule):
            j = flag.judgement
            out.add((code, flag.day, flag.metric.name, round(j.value, 6), round(j.low, 6), round(j.high, 6)))
    return out


def test_flags_stored_at_intake_are_what_the_kernel_computes_whatever_the_order(intake):
    # Nine Thursdays of one commune, steady then a jump, two other weekdays beside them; sent in a
    # shuffled order (an outage's backlog), with corrections of an early day and of the jump.
    rng = random.Random(25)
    days = [LAST - dt.timedelta(weeks=w, days=d) for w in range(9) for d in (0, 1, 3)]
    counts = {d: 30 + rng.randrange(-2, 3) for d in days}
    counts[LAST] = 300
    counts[LAST - dt.timedelta(weeks=6)] = 90
    client = intake.test_client()
    order = days[:]
    rng.shuffle(order)
    for day in order:
        city.push(client, city.signed(HAI_CHAU, day, figures_=received(counts[day])))
    assert stored_flags(intake) == kernel_flags(intake)
    assert any(f[1] == LAST and f[2] == "received" for f in stored_flags(intake))

    # The early jump corrected to an ordinary day: the later Thursdays are judged again.
    early = LAST - dt.timedelta(weeks=6)
    city.push(client, city.signed(HAI_CHAU, early, revision=2, figures_=received(31)))
    city.push(client, city.signed(HAI_CHAU, LAST, revision=2, figures_=received(120)))
    assert stored_flags(intake) == kernel_flags(intake)
    assert not any(f[1] == early for f in stored_flags(intake))
    assert ("20242", LAST, "received", 134.0) in {f[:4] for f in stored_flags(intake)}  # 120 + 12 online + 2 postal


def test_the_flag_list_shows_a_new_arrivals_flag_on_its_first_load(intake):
    client = intake.test_client()
    for weeks in range(1, 5):
        for commune in (HAI_CHAU, HAI_VAN):
            city.push(client, city.signed(commune, LAST - dt.timedelta(weeks=weeks)))
    reviewer = city.signed_in(intake, "danang")
    listed = f"/review/flags?province=48&from={LAST}&to={LAST}"
    assert 'data-metric="received"' not in reviewer.get(listed).get_data(as_text=True)

    city.push(client, city.signed(HAI_CHAU, LAST, figures_=received(300)))
    page = reviewer.get(listed).get_data(as_text=True)

    assert f'<tr data-commune="{HAI_CHAU.code}" data-metric="received"' in page and ">314<" in page
    city.push(client, city.signed(HAI_VAN, LAST, figures_=received(200)))
    assert f'<tr data-commune="{HAI_VAN.code}" data-metric="received"' in reviewer.get(listed).get_data(as_text=True)


def test_a_reviewers_check_is_kept_across_a_correction(intake):
    client = intake.test_client()
    for weeks in range(1, 5):
        city.push(client, city.signed(HAI_CHAU, LAST - dt.timedelta(weeks=weeks)))
    city.push(client, city.signed(HAI_CHAU, LAST, figures_=received(300)))
    reviewer = city.signed_in(intake, "danang")
    listed = f"/review/flags?province=48&from={LAST}&to={LAST}"
    form = {"commune": HAI_CHAU.code, "date": LAST.isoformat(), "metric": "received"}
    assert reviewer.post("/review/flags/check", data={**form, "comment": "Đợt cao điểm đất đai"}).status_code == 303

    # The commune corrects the day, still far above its usual count: the check stays, said to be
    # made on the revision before the correction.
    city.push(client, city.signed(HAI_CHAU, LAST, revision=2, figures_=received(250)))
    page = reviewer.get(listed).get_data(as_text=True)
    row = page[page.index('data-metric="received"') :]
    row = row[: row.index("</tr>")]
    assert ">264<" in row and "Đợt cao điểm đất đai" in row and "trên bản trước khi sửa" in row
    assert 'data-metric="received"' not in reviewer.get(listed + "&open=1").get_data(as_text=True)

    # Corrected back to an ordinary day: nothing left to check.
    city.push(client, city.signed(HAI_CHAU, LAST, revision=3))
    assert 'data-metric="received"' not in reviewer.get(listed).get_data(as_text=True)


def test_the_backfill_command_judges_days_received_before_flags_were_stored(intake):
    city.push(intake.test_client(), city.signed(HAI_CHAU, LAST, figures_=received(300)))  # judged on no history
    # Five weeks before it written straight into the tables (after the push: PostgreSQL's ids).
    city.bulk_history(intake, [HAI_CHAU, HAI_VAN], LAST - dt.timedelta(days=1), 7 * 5)
    with intake.app_context():  # as if received before this version: no flag stored
        city_db.session.execute(city_db.delete(FigureFlag))
        city_db.session.commit()
    assert stored_flags(intake) == set()

    result = intake.test_cli_runner().invoke(args=["city", "review", "backfill-flags", "--province", "48"])

    assert result.exit_code == 0, result.output
    assert stored_flags(intake) == kernel_flags(intake) != set()
    assert "flags stored" in result.output
