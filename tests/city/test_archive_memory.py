"""Exporting a year of received reports keeps the process's peak memory under 200 MB, and the
memory does not grow with the number of reports beyond a few hundred bytes per file (issue 26):
the city's package streams from the store and the database to disk, its manifest and its ZIP's
directory written as each file is placed. The received PDFs together weigh more than the bound,
so a package that held the year in memory could not pass; one that kept an entry per file (the
bagit manifest, zipfile's directory: some 6 kB per report) fails the growth.

The years are seeded straight into the tables and the store (pushing thousands of reports would
take minutes): one PDF of about 115 kB made distinct per report (a comment after its end), and a
payload of about 20 kB each; the export reads only stored rows and files, never verifies them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import subprocess
import sys
import textwrap

from PIL import Image

from tests.factories import figures
from wardapp.city.extensions import city_db
from wardapp.city.intake import blobs
from wardapp.city.models import ReceivedFigures, ReceivedReport
from wardapp.core.units import all_units

from . import support

YEAR, SMALL_YEAR = 2026, 2025
COMMUNES, DAYS, SMALL_DAYS = 10, 240, 80  # 2,400 reports in YEAR, a third as many in SMALL_YEAR
LIMIT_MB = 200
# Each received report is six files in the package (PDF, payload, JWS, trust group, metadata as
# CSV and XML). Between the two years the peak may grow by GROWTH_PER_FILE bytes per file more
# (measured: some 30, docs/PERFORMANCE.md); a package keeping an entry per file (bagit's
# manifest, zipfile's directory) grew by some 6.7 kB per report, 10.7 MB between these years.
FILES_PER_REPORT, GROWTH_PER_FILE = 6, 250


def noisy_pdf() -> bytes:
    """A one-page PDF of about 115 kB (a noise image does not compress)."""
    image = Image.frombytes("RGB", (360, 270), hashlib.shake_256(b"center").digest(360 * 270 * 3))
    out = io.BytesIO()
    image.save(out, "PDF", quality=95)
    return out.getvalue()


def seed_years(city) -> int:
    """``COMMUNES`` × ``DAYS`` received reports of ``YEAR`` and ``COMMUNES`` × ``SMALL_DAYS`` of
    ``SMALL_YEAR``, each with its own stored PDF; returns the bytes of ``YEAR``'s PDFs."""
    codes = sorted(u.code for u in all_units().values() if u.province_code == "48")[:COMMUNES]
    communes = [support.Commune(code) for code in codes]
    support.enrol_all(city, communes)
    with city.app_context():
        total = seed_year(communes, YEAR, DAYS, first_pk=1)
        seed_year(communes, SMALL_YEAR, SMALL_DAYS, first_pk=COMMUNES * DAYS + 1)
        city_db.session.commit()
        city_db.engine.dispose()
    return total


def seed_year(communes: list[support.Commune], year: int, days: int, first_pk: int) -> int:
    """``days`` received reports of ``year`` for each commune; returns their PDFs' bytes."""
    files = blobs.store()
    base = noisy_pdf()
    narrative = "Tình hình tiếp nhận và giải quyết hồ sơ trong ngày. " * 400  # about 20 kB per payload
    total, pk = 0, first_pk
    for commune in communes:
        reports, rows = [], []
        for offset in range(days):
            day = dt.date(year, 1, 1) + dt.timedelta(days=offset)
            report, row = support.history_rows(pk, commune.unit, day, figures(), commune.key.thumbprint())
            document = json.loads(report["payload"]) | {"narrative": {"highlights": narrative}}
            report["payload"] = json.dumps(document, ensure_ascii=False).encode()
            pdf = base + f"\n%{pk:08d}\n".encode()
            report["pdf_sha256"] = hashlib.sha256(pdf).hexdigest()
            files.create(blobs.sent_pdf_key(report["pdf_sha256"]), pdf, "application/pdf")
            total += len(pdf)
            reports.append(report)
            rows.append(row)
            pk += 1
        city_db.session.execute(city_db.insert(ReceivedReport), reports)
        city_db.session.execute(city_db.insert(ReceivedFigures), rows)
    return total


# The child reads its peak from /proc/self/status (VmHWM, its own high-water mark): ru_maxrss
# would carry pytest's across fork and exec (tests/pdf/test_handover_memory.py).
CHILD = textwrap.dedent(
    """
    import re, sys
    from pathlib import Path
    from wardapp.city.app import create_app
    from wardapp.city.archive.operations import export_year
    app = create_app({"INSTANCE_PATH": sys.argv[1], "SECRET_KEY": "test", "TESTING": True})
    with app.app_context():
        exported = export_year(int(sys.argv[3]), Path(sys.argv[2]))
    status = Path("/proc/self/status").read_text()
    print(exported.documents, re.search(r"VmHWM:\\s+(\\d+) kB", status).group(1))
    """
)


def export_in_child(city, output, year: int) -> tuple[int, int]:
    """The year's package made by a fresh process; (documents, its peak memory in kB)."""
    done = subprocess.run(
        [sys.executable, "-c", CHILD, city.instance_path, str(output), str(year)],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    documents, peak_kb = (int(x) for x in done.stdout.split()[-2:])
    return documents, peak_kb


def test_a_year_of_received_reports_is_exported_within_200_mb_and_without_growing(city, tmp_path):
    pdf_bytes = seed_years(city)
    assert pdf_bytes > LIMIT_MB * 1024 * 1024  # the PDFs alone would not fit under the bound

    small_documents, small_peak_kb = export_in_child(city, tmp_path / "small.zip", SMALL_YEAR)
    documents, peak_kb = export_in_child(city, tmp_path / "year.zip", YEAR)

    assert (small_documents, documents) == (COMMUNES * SMALL_DAYS, COMMUNES * DAYS)
    assert (tmp_path / "year.zip").stat().st_size > pdf_bytes
    grown = (peak_kb - small_peak_kb) * 1024
    allowed = (documents - small_documents) * FILES_PER_REPORT * GROWTH_PER_FILE
    print(f"peak memory {small_peak_kb} kB for {small_documents} reports, {peak_kb} kB for {documents}")
    assert peak_kb < LIMIT_MB * 1024, f"peak memory {peak_kb // 1024} MB"
    assert grown < allowed, f"memory grows by {grown // 1024} kB for {documents - small_documents} reports more"
