"""Exporting a year of received reports keeps the process's peak memory under 200 MB (issue 26):
the city's package streams from the store and the database to disk. The received PDFs together
weigh more than the bound, so a package that held the year in memory could not pass.

The year is seeded straight into the tables and the store (pushing thousands of reports would
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
from wardapp.city import blobs
from wardapp.city.extensions import city_db
from wardapp.city.models import ReceivedFigures, ReceivedReport
from wardapp.core.units import all_units

from . import support

YEAR = 2026
COMMUNES, DAYS = 10, 240
LIMIT_MB = 200


def noisy_pdf() -> bytes:
    """A one-page PDF of about 115 kB (a noise image does not compress)."""
    image = Image.frombytes("RGB", (360, 270), hashlib.shake_256(b"center").digest(360 * 270 * 3))
    out = io.BytesIO()
    image.save(out, "PDF", quality=95)
    return out.getvalue()


def seed_year(city) -> int:
    """``COMMUNES`` × ``DAYS`` received reports of ``YEAR``, each with its own stored PDF; returns
    the PDFs' bytes."""
    codes = sorted(u.code for u in all_units().values() if u.province_code == "48")[:COMMUNES]
    communes = [support.Commune(code) for code in codes]
    support.enrol_all(city, communes)
    base = noisy_pdf()
    narrative = "Tình hình tiếp nhận và giải quyết hồ sơ trong ngày. " * 400  # about 20 kB per payload
    total = 0
    with city.app_context():
        files = blobs.store()
        pk = 1
        for commune in communes:
            reports, rows = [], []
            for offset in range(DAYS):
                day = dt.date(YEAR, 1, 1) + dt.timedelta(days=offset)
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
        city_db.session.commit()
        city_db.engine.dispose()
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


def test_a_year_of_received_reports_is_exported_within_200_mb(city, tmp_path):
    pdf_bytes = seed_year(city)
    assert pdf_bytes > LIMIT_MB * 1024 * 1024  # the PDFs alone would not fit under the bound
    output = tmp_path / "year.zip"

    done = subprocess.run(
        [sys.executable, "-c", CHILD, city.instance_path, str(output), str(YEAR)],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )

    assert done.returncode == 0, done.stderr[-3000:]
    documents, peak_kb = (int(x) for x in done.stdout.split()[-2:])
    assert documents == COMMUNES * DAYS
    assert output.stat().st_size > pdf_bytes
    print(f"peak memory {peak_kb // 1024} MB for {documents} reports")
    assert peak_kb < LIMIT_MB * 1024, f"peak memory {peak_kb // 1024} MB"
