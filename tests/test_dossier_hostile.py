"""The dossier import under attack: hostile files cost a bounded amount and are refused with a
clear message (422), never a 500; dates, text and column mappings follow the app's rules."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from wardapp import ROOT
from wardapp.dossiers.models import Dossier, DossierImport
from wardapp.extensions import db

from .dossier_files import column_xfd_xlsx, huge_shared_string_xlsx, row_two_million_xlsx, whitespace_bomb_xlsx
from .helpers import Page

# --- High 1: what one import may cost --------------------------------------------------------

# A child process imports the file as the CLI does and reports how much its peak resident memory
# rose above what it used just before (Linux: /proc/self/clear_refs 5 resets the peak, VmHWM).
IMPORT_IN_A_CHILD = """
import json, sys
from wardapp.app import create_app
from wardapp.commune.models import Commune
from wardapp.dossiers.operations import import_file

def status(field):
    for line in open("/proc/self/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1]) // 1024  # kB -> MB

app = create_app({"INSTANCE_PATH": sys.argv[1], "TESTING": True, "SECRET_KEY": "x"})
with app.app_context():
    commune = Commune.current()
    data = open(sys.argv[2], "rb").read()
    import_file(commune.id, "warm-up.csv", b"x", None)  # first use of the import's code paths
    before = status("VmRSS")
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
    outcome = import_file(commune.id, "so-theo-doi.xlsx", data, None)
    print(json.dumps({"grew_mb": status("VmHWM") - before, "errors": outcome.errors}))
"""

MEMORY_BOUND_MB = 40  # what an import of any of these files may add; the old reader took 260-410 MB


def import_in_a_child(app, path: Path) -> dict:
    child = subprocess.run(
        [sys.executable, "-c", IMPORT_IN_A_CHILD, app.instance_path, str(path)],
        cwd=ROOT,
        capture_output=True,
        timeout=300,
    )
    assert child.returncode == 0, child.stderr.decode()[-3000:]
    return json.loads(child.stdout.decode().strip().splitlines()[-1])


HOSTILE = {
    "row-2000000": (row_two_million_xlsx, "Tệp có dòng số 2.000.000: nhiều nhất 200.000 dòng một lần nhập."),
    "whitespace-bomb": (whitespace_bomb_xlsx, "Tệp không có hồ sơ nào dưới dòng tiêu đề."),
    "huge-shared-string": (huge_shared_string_xlsx, "Chuỗi văn bản số 0 của tệp dài hơn 32.767 ký tự"),
    "column-xfd": (column_xfd_xlsx, "Ô XFD2 nằm ngoài 256 cột đầu của trang tính"),
}


@pytest.mark.parametrize("name", HOSTILE)
def test_a_hostile_workbook_costs_a_bounded_amount_of_memory_and_is_refused(app, commune, tmp_path, name):
    make, message = HOSTILE[name]
    path = tmp_path / f"{name}.xlsx"
    path.write_bytes(make())
    db.session.commit()
    assert path.stat().st_size < 210_000  # a tiny file

    answer = import_in_a_child(app, path)

    assert answer["grew_mb"] < MEMORY_BOUND_MB, answer
    assert any(message in error for error in answer["errors"]), answer
    assert db.session.scalar(db.select(db.func.count(DossierImport.id))) == 0


@pytest.fixture
def staff(users, auth):
    auth.login("staff")
    return users["staff"]


def upload(client, filename: str, data: bytes, source: str = ""):
    return client.post(
        "/dossiers/",
        data={"file": (io.BytesIO(data), filename), "source": source},
        content_type="multipart/form-data",
    )


def refusal(response) -> str:
    assert response.status_code == 422, response.status_code
    page = Page.of(response)
    return " ".join(page.text(i) for i in ("import-errors", "err-file") if page.has_id(i))


@pytest.mark.parametrize("name", ["row-2000000", "column-xfd"])
def test_the_import_page_names_the_limit_a_hostile_workbook_crossed(client, staff, name):
    make, message = HOSTILE[name]
    assert message in refusal(upload(client, "so.xlsx", make()))
    assert db.session.scalar(db.select(db.func.count(Dossier.id))) == 0
