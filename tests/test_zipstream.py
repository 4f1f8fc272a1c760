"""The hand-over package's ZIP writer (core/zipstream.py): an ordinary ZIP, read back by
``zipfile`` and by Info-ZIP's ``unzip``, with ZIP64 records where they are needed, and nothing
kept in memory per entry (a province's year is some 240,000 files)."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import tracemalloc
import zipfile

import pytest

from wardapp.core import zipstream

STAMP = dt.datetime(2026, 3, 9, 14, 25, 37)
FILES = {
    "bag/data/van-ban/0001_x/bao-cao.pdf": (bytes(range(256)) * 800, False),
    "bag/data/van-ban/0001_x/dac-ta.xml": ("<van_ban>Báo cáo ngày</van_ban>\n".encode() * 500, True),
    "bag/data/van-ban/0001_x/trống.txt": (b"", True),  # a name outside ASCII, an empty file
    "bag/manifest-sha256.txt": (b"0" * 64 + b"  data/x\n", True),
}


def write(tmp_path, **options) -> tuple[zipstream.ZipStream, object]:
    target = tmp_path / "package.zip"
    with zipstream.ZipStream(target, STAMP, **options) as archive:
        for name, (data, compress) in FILES.items():
            source = tmp_path / f"source-{len(name)}-{len(data)}"
            source.write_bytes(data)
            archive.add(name, source, compress=compress)
    return archive, target


def unzip_test(target) -> None:
    # Info-ZIP comes with .ci/system-packages.txt: a missing one fails here rather than skipping.
    assert shutil.which("unzip"), "Info-ZIP unzip is missing: .ci/ensure-system installs it"
    done = subprocess.run(["unzip", "-t", str(target)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("zip64_from", [zipstream.LIMIT_32, 0], ids=["plain", "zip64"])
def test_the_zip_reads_back_whole_with_zipfile_and_unzip(tmp_path, zip64_from):
    archive, target = write(tmp_path, zip64_from=zip64_from)

    assert archive.entries == len(FILES)
    with zipfile.ZipFile(target) as read:
        assert read.testzip() is None  # every entry's CRC checked
        assert [info.filename for info in read.infolist()] == list(FILES)
        for name, (data, compress) in FILES.items():
            info = read.getinfo(name)
            assert read.read(name) == data
            assert info.compress_type == (zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED)
            assert info.date_time == (2026, 3, 9, 14, 25, 36)  # ZIP keeps two-second steps
    assert (b"PK\x06\x06" in target.read_bytes()) == (zip64_from == 0)  # the ZIP64 end record
    unzip_test(target)


def test_nothing_is_kept_in_memory_per_entry(tmp_path):
    """Two thousand entries more cost no more memory than the first two hundred left
    (``zipfile.ZipFile`` keeps about 450 bytes per entry: some 900 kB here)."""
    source = tmp_path / "noi-dung.json"
    source.write_bytes(b'{"a": 1}')
    tracemalloc.start()
    try:
        with zipstream.ZipStream(tmp_path / "many.zip", STAMP) as archive:
            for n in range(2200):
                archive.add(f"bag/data/van-ban/{n:06d}_commune_2026-01-01_r1/noi-dung.json", source, compress=True)
                if n == 199:
                    after_200, _peak = tracemalloc.get_traced_memory()
            after_2200, _peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert after_2200 - after_200 < 20_000, f"{after_2200 - after_200} bytes for 2,000 entries"
    with zipfile.ZipFile(tmp_path / "many.zip") as read:
        assert len(read.infolist()) == 2200
