"""A ZIP file written entry by entry that keeps nothing per entry in memory (pure).

``zipfile.ZipFile`` keeps a ``ZipInfo`` for every entry until it writes the central directory at
the end: about 450 bytes each (measured), so a province's year of hand-over packages (some
240,000 files) would hold about 100 MB of them. Here each entry's central directory record is
written to a side file as soon as the entry is written, and copied after the last entry; what
stays in memory is a few counters. The file is an ordinary ZIP (APPNOTE 6.3), read by
``zipfile`` and any unzip: ZIP64 records are added only where an offset, a size or the number
of entries needs them (a package over 4 GiB, more than 65,535 files).
"""

from __future__ import annotations

import datetime as dt
import shutil
import struct
import tempfile
import zlib
from pathlib import Path
from typing import BinaryIO

LIMIT_32, LIMIT_16 = 0xFFFFFFFF, 0xFFFF
BLOCK = 1 << 20
STORED, DEFLATED = 0, 8
MADE_BY = (3 << 8) | 45  # Unix, APPNOTE 4.5 (ZIP64)
UTF8_NAME = 0x800  # general purpose flag: the name is UTF-8
REGULAR_FILE = 0o100644 << 16  # external attributes: a regular file, rw-r--r--

LOCAL = struct.Struct("<IHHHHHIIIHH")
CENTRAL = struct.Struct("<IHHHHHHIIIHHHHHII")
END = struct.Struct("<IHHHHIIH")
END64 = struct.Struct("<IQHHIIQQQQ")
LOCATOR64 = struct.Struct("<IIQI")


class ZipStreamError(Exception):
    pass


class ZipStream:
    """Write a ZIP to ``target`` (a seekable file, created): ``add(name, path, compress)`` once per
    entry, then ``close()`` (or use it as a context manager). Every entry carries ``stamp`` as its
    time. ``zip64_from``: the offset, size or count from which ZIP64 records are written (tests
    lower it to write them for a small file)."""

    def __init__(self, target: Path, stamp: dt.datetime, *, zip64_from: int = LIMIT_32):
        self._out: BinaryIO = target.open("wb")
        # Beside the output (a province's directory is MBs); closed by close() or on an error.
        self._central: BinaryIO = tempfile.TemporaryFile(dir=target.parent)  # noqa: SIM115
        self._dos_time, self._dos_date = _dos(stamp)
        self._zip64_from = zip64_from
        self.entries = 0

    def __enter__(self) -> ZipStream:
        return self

    def __exit__(self, kind: object, *exc: object) -> None:
        if kind is None:
            self.close()
        else:
            self._out.close()
            self._central.close()

    def add(self, name: str, source: Path | str, *, compress: bool) -> None:
        """The file ``source`` as the entry ``name``, read and written block by block. Its local
        header is written first with zeros, then completed once its checksum and sizes are known
        (the output is a file: it can seek back)."""
        encoded, flags = _name(name)
        method = DEFLATED if compress else STORED
        offset = self._out.tell()
        self._out.write(
            LOCAL.pack(0x04034B50, 20, flags, method, self._dos_time, self._dos_date, 0, 0, 0, len(encoded), 0)
        )
        self._out.write(encoded)
        crc, size, packed = self._copy(source, compress)
        if max(size, packed) >= LIMIT_32:
            raise ZipStreamError(f"{name}: a file of 4 GiB or more")  # a hand-over holds no such file
        end = self._out.tell()
        self._out.seek(offset + 14)
        self._out.write(struct.pack("<III", crc, packed, size))
        self._out.seek(end)
        self._write_central(encoded, flags, method, crc, size, packed, offset)
        self.entries += 1

    def _copy(self, source: Path | str, compress: bool) -> tuple[int, int, int]:
        crc = size = packed = 0
        deflate = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15) if compress else None
        with open(source, "rb") as data:
            while block := data.read(BLOCK):
                crc = zlib.crc32(block, crc)
                size += len(block)
                out = deflate.compress(block) if deflate else block
                self._out.write(out)
                packed += len(out)
        if deflate:
            tail = deflate.flush()
            self._out.write(tail)
            packed += len(tail)
        return crc, size, packed

    def _write_central(
        self, name: bytes, flags: int, method: int, crc: int, size: int, packed: int, offset: int
    ) -> None:
        extra = b""
        if offset >= self._zip64_from:  # the sizes stay under 4 GiB (add refuses more)
            extra = struct.pack("<HHQ", 0x0001, 8, offset)
            offset = LIMIT_32
        needed = 45 if extra else 20
        self._central.write(
            CENTRAL.pack(
                0x02014B50,
                MADE_BY,
                needed,
                flags,
                method,
                self._dos_time,
                self._dos_date,
                crc,
                packed,
                size,
                len(name),
                len(extra),
                0,
                0,
                0,
                REGULAR_FILE,
                offset,
            )
        )
        self._central.write(name + extra)

    def close(self) -> None:
        """The central directory (copied from the side file), then its end records."""
        start = self._out.tell()
        self._central.seek(0)
        shutil.copyfileobj(self._central, self._out, BLOCK)
        self._central.close()
        size = self._out.tell() - start
        count = self.entries
        if max(start, size) >= self._zip64_from or count >= min(LIMIT_16, self._zip64_from):
            end64 = self._out.tell()
            self._out.write(END64.pack(0x06064B50, END64.size - 12, MADE_BY, 45, 0, 0, count, count, size, start))
            self._out.write(LOCATOR64.pack(0x07064B50, 0, end64, 1))
            # What does not fit says so; a reader takes it from the ZIP64 record (as zipfile writes it).
            count, size, start = min(count, LIMIT_16), min(size, LIMIT_32), min(start, LIMIT_32)
        self._out.write(END.pack(0x06054B50, 0, 0, count, count, size, start, 0))
        self._out.close()


def _name(name: str) -> tuple[bytes, int]:
    try:
        return name.encode("ascii"), 0
    except UnicodeEncodeError:
        return name.encode("utf-8"), UTF8_NAME


def _dos(stamp: dt.datetime) -> tuple[int, int]:
    """A time as ZIP entries carry it (local, to two seconds; 1980 at the earliest)."""
    stamp = max(stamp, dt.datetime(1980, 1, 1, tzinfo=stamp.tzinfo))
    return (
        (stamp.hour << 11) | (stamp.minute << 5) | (stamp.second // 2),
        ((stamp.year - 1980) << 9) | (stamp.month << 5) | stamp.day,
    )
