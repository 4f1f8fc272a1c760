"""Benchmark: a 10 MB camera photo accepted and stored, against its floor; and what follows.

The floor is what any upload must do: hash the bytes (SHA-256) and write them durably (the app's
``write_atomic``, fsync). The app's way is what the uploader waits for: ``images.check_header``
(the size, format, dimensions and pixel limit from the header, the EXIF, the JPEG's structure:
start, frame and scan headers, end-of-image marker; and the SHA-256) and the durable write of the
original. The step right after the answer, in the same worker, is timed and reported on its own so
that nothing is hidden: ``images.thumbnail`` (every byte entropy-decoded at 1/8 scale, the
thumbnail made) and its durable write. All three are timed alternately in one process, so the
ratio holds whatever the machine's load. Peak memory is taken in fresh child processes
(``ru_maxrss`` after the imports and after one photo), for the answer, for the answer and the step
after it, and, for comparison, for a full-size decode as the code did before.

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
if {way!r} == "full":  # the former way: a full-size decode to check, another to thumbnail
    import io
    Image.open(io.BytesIO(data)).load()
    image = ImageOps.exif_transpose(Image.open(io.BytesIO(data)))
    image.thumbnail(images.THUMB_SIZE)
else:
    images.check_header(data, max_bytes={max_bytes}, max_pixels={max_pixels})
    if {way!r} == "after":
        images.thumbnail(data)
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
    """What the uploader waits for (evidence.operations.add_photo, before its commit)."""
    images.check_header(data, max_bytes=MAX_BYTES, max_pixels=MAX_PIXELS)
    write_atomic(folder / "original", data)


def after_answer(data: bytes, folder: Path) -> None:
    """The step after the answer (evidence.operations.settle): decode, thumbnail, keep it."""
    write_atomic(folder / "thumb", images.thumbnail(data))


def floor(data: bytes, folder: Path) -> None:
    hashlib.sha256(data).hexdigest()
    write_atomic(folder / "original", data)


def peak_mb(path: Path, way: str) -> float:
    code = PEAK.format(root=str(ROOT), path=str(path), way=way, max_bytes=MAX_BYTES, max_pixels=MAX_PIXELS)
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
        times: dict[str, list[float]] = {"app": [], "floor": [], "after answer": []}
        app_way(data, folder)  # warm-up
        after_answer(data, folder)
        for _ in range(args.rounds):
            for name, function in (("app", app_way), ("floor", floor), ("after answer", after_answer)):
                started = time.perf_counter()
                function(data, folder)
                times[name].append((time.perf_counter() - started) * 1000)
        peaks = {
            "app": peak_mb(photo, "answer"),
            "app and after answer": peak_mb(photo, "after"),
            "full decode (before)": peak_mb(photo, "full"),
        }
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
    result["after_answer_ratio"] = round(medians["after answer"] / medians["floor"], 2)
    print(
        f"10 MB upload ({len(data) / 1e6:.1f} MB), load {result['load']}: the answer waits for header + "
        f"structure + hash + store {medians['app']:.1f} ms, hash + store {medians['floor']:.1f} ms: "
        f"{ratio:.2f}× (target ≤ {TARGET_RATIO:.0f}×, {'MET' if ratio <= TARGET_RATIO else 'MISSED'}); "
        f"right after the answer, decode + thumbnail + store {medians['after answer']:.1f} ms "
        f"({result['after_answer_ratio']:.2f}× the floor); peak memory added: answer {peaks['app']:.0f} MB, "
        f"with the step after it {peaks['app and after answer']:.0f} MB "
        f"(a full-size decode: {peaks['full decode (before)']:.0f} MB)"
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
