"""Migration 8b4e6c2d1f57 (photos.pixels) on SQLite and on PostgreSQL, with photos in the database:
down, the column goes and every photo stays; up, every photo that was there is readable (each one
was decoded completely before it was accepted), so no day's checklist changes."""

from __future__ import annotations

import flask_migrate
import pytest
import sqlalchemy as sa

from wardapp.evidence.models import Photo, PhotoCategory, PixelState
from wardapp.evidence.operations import add_photo, checklist, photos_of
from wardapp.extensions import db
from wardapp.reports.models import DailyReport

from . import factories
from .photos import DAY, jpeg, png

pytestmark = pytest.mark.engines  # on SQLite and on PostgreSQL

BEFORE, PIXELS = "6d2a1f0b8c31", "8b4e6c2d1f57"


def columns() -> dict[str, dict]:
    return {c["name"]: c for c in sa.inspect(db.engine).get_columns("photos")}


def test_the_pixels_migration_keeps_every_photo_and_makes_the_old_ones_readable(app, commune, users):
    report = factories.make_report(commune, DAY, users["staff"])
    counters = db.session.scalar(db.select(PhotoCategory).filter_by(commune_id=commune.id, key="counters"))
    for data in (jpeg(), png()):
        add_photo(report, data, "anh.jpg", counters, "Quầy", users["staff"])
    db.session.execute(sa.update(Photo).where(Photo.content_type == "image/jpeg").values(pixels=PixelState.PENDING))
    db.session.commit()
    ids = sorted(db.session.scalars(db.select(Photo.id)))
    report_id = report.id
    db.session.remove()

    flask_migrate.downgrade(revision=BEFORE)

    assert "pixels" not in columns()
    with db.engine.connect() as connection:
        assert sorted(connection.scalars(sa.text("SELECT id FROM photos"))) == ids

    flask_migrate.upgrade()  # through the pixels revision and every later one, as an update does

    assert columns()["pixels"]["nullable"] is False
    with db.engine.connect() as connection:
        states = connection.execute(sa.text("SELECT id, pixels FROM photos ORDER BY id")).all()
    assert states == [(i, "readable") for i in ids]
    # The models read it: both photos count for their category, as they did before the column.
    db.session.remove()
    report = db.session.get(DailyReport, report_id)
    item = next(i for i in checklist(report.commune_id, photos_of(report), DAY) if i.category.key == "counters")
    assert (item.count + item.unverified, item.unreadable) == (2, 0)
