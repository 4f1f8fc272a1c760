"""Exporting a year of a commune with 365 × 6 photos keeps the process's peak memory under 200 MB
(issue 26): the package streams from the stored files to disk. The photos together weigh more
than the bound, so a package that held them in memory could not pass.

The year is seeded straight into the tables (signing 365 days one by one would take minutes):
one really signed day gives the PDF every day links to and the payload each day's is made from;
the export reads only stored rows and files, never verifies or rebuilds, so that is all it needs.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import subprocess
import sys
import textwrap

from PIL import Image

from wardapp.evidence import storage
from wardapp.evidence.models import Photo
from wardapp.extensions import db
from wardapp.reports.models import DailyReport
from wardapp.signing import documents
from wardapp.signing.models import ReportRevision

from .conftest import day_ready, sign

YEAR = 2025
PHOTOS_A_DAY = 6
LIMIT_MB = 200


def noisy_jpeg() -> bytes:
    """A real JPEG of about 115 kB (noise does not compress)."""
    image = Image.frombytes("RGB", (360, 270), hashlib.shake_256(b"center").digest(360 * 270 * 3))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=95)
    return out.getvalue()


def seed_year(commune, users, template: ReportRevision) -> int:
    """365 signed days of ``YEAR``, each with 6 distinct photos stored; returns the photos' bytes."""
    base = noisy_jpeg()
    pdf = documents.pdf_path(template)
    document = template.document
    category_id = db.session.scalar(db.select(Photo.category_id).limit(1))
    total = 0
    day = dt.date(YEAR, 1, 1)
    number = 0
    while day.year == YEAR:
        report = DailyReport(commune_id=commune.id, date=day, status="signed")
        db.session.add(report)
        db.session.flush()
        listed = []
        for n in range(PHOTOS_A_DAY):
            data = base + f"{day}:{n}".encode()  # bytes after the end marker: still a valid JPEG
            sha = hashlib.sha256(data).hexdigest()
            path = storage.original_path(sha)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            total += len(data)
            db.session.add(
                Photo(
                    report_id=report.id,
                    category_id=category_id,
                    sha256=sha,
                    content_type="image/jpeg",
                    bytes=len(data),
                    width=360,
                    height=270,
                )
            )
            listed.append({"sha256": sha, "category": "counters"})
        number += 1
        key = f"{commune.code}:{day}:r1"
        payload = json.dumps(document | {"report_id": key, "date": day.isoformat(), "photos": listed}).encode()
        revision = ReportRevision(
            report_id=report.id,
            revision=1,
            report_key=key,
            payload=payload,
            payload_sha256=hashlib.sha256(payload).hexdigest(),
            jws=template.jws,
            kid=template.kid,
            signed_at=template.signed_at,
            signed_by_id=users["leader"].id,
            register_year=YEAR,
            register_number=number,
            document_number=f"{number:02d}/BC-UBND",
        )
        db.session.add(revision)
        os.link(pdf, documents.pdf_path(revision))
        day += dt.timedelta(days=1)
    db.session.commit()
    return total


# The child reads its peak from /proc/self/status (VmHWM, the high-water mark of its own memory).
# Its ru_maxrss would not do: Linux carries the parent's high-water mark across fork and exec into
# the child's, so under pytest it starts at pytest's own size.
CHILD = textwrap.dedent(
    """
    import re, sys
    from pathlib import Path
    from wardapp.app import create_app
    from wardapp.handover.operations import export_year
    app = create_app({"INSTANCE_PATH": sys.argv[1], "SECRET_KEY": "test"})
    with app.app_context():
        exported = export_year(int(sys.argv[3]), Path(sys.argv[2]))
    status = Path("/proc/self/status").read_text()
    print(exported.documents, exported.photos, re.search(r"VmHWM:\\s+(\\d+) kB", status).group(1))
    """
)


def test_a_year_with_365_x_6_photos_is_exported_within_200_mb(app, commune, users, tmp_path):
    template = sign(commune, day_ready(commune, users, dt.date(2026, 11, 20), photos=1), users)
    photo_bytes = seed_year(commune, users, template)
    assert photo_bytes > LIMIT_MB * 1024 * 1024  # the photos alone would not fit under the bound
    output = tmp_path / "year.zip"

    done = subprocess.run(
        [sys.executable, "-c", CHILD, app.instance_path, str(output), str(YEAR)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )

    assert done.returncode == 0, done.stderr[-3000:]
    documents_count, photos_count, peak_kb = (int(x) for x in done.stdout.split()[-3:])
    assert (documents_count, photos_count) == (365, 365 * PHOTOS_A_DAY)
    assert output.stat().st_size > photo_bytes
    print(f"peak memory {peak_kb} kB")
    assert peak_kb < LIMIT_MB * 1024, f"peak memory {peak_kb // 1024} MB"
