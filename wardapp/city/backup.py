"""The city intake's backups (``platform.backup``): its database and instance files, and the
check that a restored intake is whole (every received report verifies with its enrolled key, every
photo matches)."""

from __future__ import annotations

from joserfc.jwk import OKPKey

from wardapp.city.extensions import city_db as db
from wardapp.city.intake import blobs
from wardapp.city.models import CityKey, ReceivedPhoto, ReceivedReport
from wardapp.core.payload import sha256
from wardapp.platform.backup import Backups, Check


def check_instance() -> Check:
    result = Check()
    keys = {row.kid: OKPKey.import_key(row.jwk) for row in db.session.scalars(db.select(CityKey))}
    for report in db.session.scalars(db.select(ReceivedReport).order_by(ReceivedReport.id)):
        key = keys.get(report.kid)
        if key is None:
            result.revisions += 1
            result.problems.append(f"{report.report_id}: key {report.kid} is not enrolled")
            continue
        result.signed(report.report_id, report.jws, key, report.payload, report.payload_sha256)
    for photo in db.session.scalars(db.select(ReceivedPhoto).order_by(ReceivedPhoto.id)):
        data = blobs.store().get(blobs.photo_key(photo.sha256))  # the instance folder, or the object store
        result.photo(photo.sha256, None if data is None else sha256(data))
    return result


BACKUPS = Backups("city", db, check_instance)
create, restore = BACKUPS.create, BACKUPS.restore
