"""Benchmark: a 10 MB camera photo checked, thumbnailed and stored, against its floor.

The floor is what any upload must do: hash the bytes (SHA-256) and write them durably (the app's
``write_atomic``, fsync). The app does that plus ``images.check`` (decode every byte, read the EXIF,
make the thumbnail, in one decode at reduced size) and writes the thumbnail too. Both are timed
alternately in one process, so the ratio holds whatever the machine's load. Peak memory is taken
in fresh child processes (``ru_maxrss`` after the imports and after one photo), for the app's way
and, for comparison, for a full-size decode as the code did before.

    .venv/bin/python bench/upload.py            # also in `make bench`
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import io
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PIL import Image  # noqa: E402

from wardapp.core import images  # noqa: E402
from wardapp.core.files import write_atomic  # noqa: E402

TARGET_RATIO = 3.0
MAX_BYTES, MAX_PIXELS = 15_000_000, 100_000_000

PEAK = """
import resource, sys
sys.path.insert(0, {root!r})
from pathlib import Path
from PIL import Image, ImageOps
from wardapp.core import images
data = Path({path!r}).read_bytes()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
if {full!r}:  # the former way: a full-size decode to check, another to thumbnail
    import io
    Image.open(io.BytesIO(data)).load()
    image = ImageOps.exif_transpose(Image.open(io.BytesIO(data)))
    image.thumbnail(images.THUMB_SIZE)
else:
    images.check(data, max_bytes={max_bytes}, max_pixels={max_pixels})
print(before, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def camera_photo(target_bytes: int = 10_000_000) -> bytes:
    """A 4000×3000 JPEG of about 10 MB with an EXIF capture time, like a phone camera's."""
    image = Image.effect_noise((2000, 1500), 60).convert("RGB").resize((4000, 3000), Image.Resampling.BILINEAR)
    exif = Image.Exif()
    exif.get_ifd(0x8769)[0x9003] = "2026:11:20 08:30:00"
    for quality in (97, 95, 92, 90, 85):
        out = io.BytesIO()
        image.save(out, "JPEG", quality=quality, exif=exif)
        if out.tell() <= target_bytes * 1.2:
            break
    return out.getvalue()


def app_way(data: bytes, folder: Path) -> None:
    checked = images.check(data, max_bytes=MAX_BYTES, max_pixels=MAX_PIXELS)
    write_atomic(folder / "original", data)
    write_atomic(folder / "thumb", checked.thumbnail)


def floor(data: bytes, folder: Path) -> None:
    hashlib.sha256(data).hexdigest()
    write_atomic(folder / "original", data)


def peak_mb(path: Path, full: bool) -> float:
    code = PEAK.format(root=str(ROOT), path=str(path), full=full, max_bytes=MAX_BYTES, max_pixels=MAX_PIXELS)
    before, after = map(int, subprocess.check_output([sys.executable, "-c", code], text=True).split())
    return (after - before) / 1024  # ru_maxrss is in KiB on Linux


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "upload.json")
    args = parser.parse_args()
    data = camera_photo()
    with tempfile.TemporaryDirectory(prefix="wardapp-upload-") as tmp:
        folder = Path(tmp)
        photo = folder / "photo.jpg"
        photo.write_bytes(data)
        times: dict[str, list[float]] = {"app": [], "floor": []}
        app_way(data, folder)  # warm-up
        for _ in range(args.rounds):
            for name, function in (("app", app_way), ("floor", floor)):
                started = time.perf_counter()
                function(data, folder)
                times[name].append((time.perf_counter() - started) * 1000)
        peaks = {"app": peak_mb(photo, full=False), "full decode (before)": peak_mb(photo, full=True)}
    medians = {name: statistics.median(values) for name, values in times.items()}
    ratio = medians["app"] / medians["floor"]
    result = {
        "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "load": " ".join(Path("/proc/loadavg").read_text().split()[:3]),
        "photo_bytes": len(data),
        "median_ms": {k: round(v, 1) for k, v in medians.items()},
        "ratio": round(ratio, 2),
        "peak_mb": {k: round(v, 1) for k, v in peaks.items()},
        "target": {"ratio": TARGET_RATIO, "met": ratio <= TARGET_RATIO},
    }
    print(
        f"10 MB upload ({len(data) / 1e6:.1f} MB), load {result['load']}: check + thumbnail + store "
        f"{medians['app']:.1f} ms, hash + store {medians['floor']:.1f} ms: {ratio:.2f}× (target ≤ {TARGET_RATIO:.0f}×, "
        f"{'MET' if ratio <= TARGET_RATIO else 'MISSED'}); peak memory added: {peaks['app']:.0f} MB "
        f"(a full-size decode: {peaks['full decode (before)']:.0f} MB)"
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
