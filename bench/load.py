"""Benchmark: a commune's real day on the configuration the README runs (gunicorn.conf.py).

Builds a throw-away instance (the demo commune, ``--days`` of history, the last 92 days before the
demo's own signed week signed by the leader with six photos each, their PDFs kept as signing keeps
them; ``--unbuilt-pdfs`` deletes them, as for reports signed before PDFs were kept at signing, so the
ZIPs build them), serves it with gunicorn, then:

1. **alone**: one typing client for ``--alone-seconds``: opens today's form, sends the live check
   every 300 ms with a changed figure, saves after ten checks, again;
2. **the day**: ten such typing clients at once, plus a reviewer pulling the 30-day ZIP then the
   92-day ZIP (and again), plus an uploader sending 10 MB camera photos one after the other, for
   ``--day-seconds`` and at least until the reviewer has both ZIPs once.

Target (issue 14): the live check's p95 during the day within 3× its p95 alone, measured in the
same run; no answer 5xx. Prints a table and writes bench/out/load.json.

    .venv/bin/python bench/load.py              # also in `make bench`
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import re
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402
import run as pages  # noqa: E402  (bench/run.py: server start and stop, percentiles, machine)
from upload import camera_photo  # noqa: E402  (bench/upload.py: a dense camera-size JPEG)

HOST = pages.HOST
TARGET_RATIO = 3.0
CHECK_EVERY = 0.3  # seconds between two live checks of one typing client
CHECKS_PER_SAVE = 10
SIGNED_DAYS = 92
PHOTOS_PER_DAY = 6
INPUT = re.compile(r"<(?:input|textarea)\b[^>]*>", re.S)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--days", type=int, default=400, help="days of demo history (default 400)")
    parser.add_argument("--typists", type=int, default=10, help="typing clients during the day (default 10)")
    parser.add_argument("--alone-seconds", type=float, default=30, help="the one-client phase (default 30 s)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (default 4, as `make run`)")
    parser.add_argument("--max-seconds", type=float, default=600, help="give up on the day after this long")
    parser.add_argument("--day-seconds", type=float, default=60, help="the day lasts at least this long (default 60 s)")
    parser.add_argument(
        "--unbuilt-pdfs",
        action="store_true",
        help="delete the signed days' PDFs first (days signed before PDFs were kept): the ZIPs build them",
    )
    parser.add_argument("--strict", action="store_true", help="exit with status 1 when the target is missed")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "load.json")
    return parser.parse_args()


# --- the instance -------------------------------------------------------------------------------


def build_instance(
    instance: Path, days: int, signed_days: int = SIGNED_DAYS, *, keep_pdfs: bool = True
) -> tuple[dict[str, str], dt.date]:
    """The demo commune with ``days`` of history and ``signed_days`` more days signed with photos."""
    import flask_migrate

    from wardapp.app import create_app
    from wardapp.auth.models import User
    from wardapp.commune.models import Commune
    from wardapp.core import clock
    from wardapp.demo.evidence import demo_photo
    from wardapp.demo.seed import seed
    from wardapp.demo.signed import _explain_all
    from wardapp.evidence.models import PhotoCategory
    from wardapp.evidence.operations import add_photo
    from wardapp.extensions import db
    from wardapp.reports.models import DailyReport
    from wardapp.signing.operations import sign_report

    app = create_app({"INSTANCE_PATH": instance})
    with app.app_context():
        flask_migrate.upgrade()
        today = clock.today()
        passwords = seed(today, days=days)
        commune = Commune.current()
        staff, leader = (db.session.scalar(db.select(User).filter_by(username=n)) for n in ("staff", "leader"))
        categories = db.session.scalars(db.select(PhotoCategory).filter_by(commune_id=commune.id)).all()
        photos = [
            demo_photo(c.label, dt.datetime.combine(today, dt.time(8, i)), seed=i, gps=None, size=(1600, 1200))
            for i, c in enumerate(categories[:PHOTOS_PER_DAY])
        ]
        for back in range(signed_days + 8, 8, -1):  # the demo signs the last week itself
            day = today - dt.timedelta(days=back)
            report = db.session.scalar(db.select(DailyReport).filter_by(commune_id=commune.id, date=day))
            if report is None or report.signed_revisions:
                continue
            for photo, category in zip(photos, categories, strict=False):
                add_photo(report, photo, "anh.jpg", category, category.label, staff)
            _explain_all(commune, report, leader, day)
            try:
                sign_report(
                    commune,
                    report,
                    leader,
                    "Ký bù.",
                    signed_at=dt.datetime.combine(day, dt.time(16, 30), tzinfo=clock.TZ),
                )
            except Exception as error:  # a generated day whose figures do not add up: left unsigned
                print(f"  {day}: not signed ({error})", file=sys.stderr)
                db.session.rollback()
        db.session.remove()
        db.engine.dispose()
    if not keep_pdfs:
        shutil.rmtree(instance / "pdfs", ignore_errors=True)  # as if signed before PDFs were kept
    return passwords, today


# --- the clients --------------------------------------------------------------------------------


class Recorder:
    def __init__(self):
        self.lock = threading.Lock()
        self.times: dict[str, list[float]] = {}
        self.statuses: dict[str, dict[int, int]] = {}
        self.sizes: dict[str, int] = {}

    def add(self, kind: str, seconds: float, status: int) -> None:
        with self.lock:
            self.times.setdefault(kind, []).append(seconds * 1000)
            counts = self.statuses.setdefault(kind, {})
            counts[status] = counts.get(status, 0) + 1

    def timed(self, kind: str, call, *args, **kwargs) -> requests.Response:
        started = time.perf_counter()
        try:
            response = call(*args, timeout=600, **kwargs)
        except requests.RequestException:
            self.add(kind, time.perf_counter() - started, 599)  # no answer at all: counted as an error
            raise
        self.add(kind, time.perf_counter() - started, response.status_code)
        return response


def log_in(base: str, username: str, password: str) -> requests.Session:
    session = requests.Session()
    token = re.search(r'name="csrf_token" value="([^"]+)"', session.get(f"{base}/login", timeout=60).text).group(1)
    answer = session.post(
        f"{base}/login",
        data={"csrf_token": token, "username": username, "password": password},
        timeout=60,
        allow_redirects=False,
    )
    if answer.status_code != 303:
        sys.exit(f"log-in as {username} failed: HTTP {answer.status_code}")
    return session


def form_fields(page: str) -> dict[str, str]:
    fields = {}
    for tag in INPUT.findall(page):
        name = re.search(r'\bname="([^"]+)"', tag)
        if not name or 'type="submit"' in tag:
            continue
        value = re.search(r'\bvalue="([^"]*)"', tag)
        fields[name.group(1)] = value.group(1) if value else ""
    return fields


def typist(base: str, session: requests.Session, today: dt.date, rec: Recorder, stop: threading.Event, seed: int):
    """Opens the form, types (a live check every 300 ms), saves; again until told to stop."""
    rng = random.Random(seed)
    url = f"{base}/reports/{today.isoformat()}"
    while not stop.is_set():
        fields = form_fields(rec.timed("form", session.get, url).text)
        for _ in range(CHECKS_PER_SAVE):
            if stop.wait(CHECK_EVERY):
                return
            fields["received_in_person"] = str(rng.randint(10, 40))
            query = {k: v for k, v in fields.items() if k not in ("csrf_token", "version")}
            rec.timed("live check", session.get, f"{url}/check", params=query)
        rec.timed("save", session.post, url, data=fields, allow_redirects=False)


def reviewer(
    base: str, session: requests.Session, today: dt.date, rec: Recorder, done: threading.Event, stop: threading.Event
):
    """The 30-day ZIP then the 92-day ZIP (``done`` once both are in), then again until the day ends:
    with PDFs kept at signing the two take under a second, and a day that ended with them would
    hold a handful of live checks."""
    last = today - dt.timedelta(days=9)
    while not stop.is_set():
        for days in (30, 92):
            first = last - dt.timedelta(days=days - 1)
            response = rec.timed(f"{days}-day ZIP", session.get, f"{base}/pdf/range.zip?from={first}&to={last}")
            rec.sizes[f"{days}-day ZIP"] = len(response.content)
        done.set()


def uploader(base: str, session: requests.Session, day: dt.date, rec: Recorder, stop: threading.Event, photo: bytes):
    page = session.get(f"{base}/reports/{day.isoformat()}/photos", timeout=60).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    category = re.search(r'<option value="(\d+)"', page).group(1)
    count = 0
    while not stop.is_set():
        count += 1
        data = photo[:-2] + f"{count:08d}".encode() + photo[-2:]  # a new file each time (its own hash)
        rec.timed(
            "10 MB upload",
            session.post,
            f"{base}/reports/{day.isoformat()}/photos",
            data={"csrf_token": token, "category": category, "caption": f"Ảnh {count}"},
            files={"photo": (f"IMG_{count}.jpg", data, "image/jpeg")},
            allow_redirects=False,
        )


# --- the run ------------------------------------------------------------------------------------


def summary(rec: Recorder) -> dict[str, dict]:
    out = {}
    for kind, values in rec.times.items():
        out[kind] = {
            "n": len(values),
            "median_ms": round(pages.statistics.median(values), 1),
            "p95_ms": round(pages.percentile(values, 95), 1),
            "max_ms": round(max(values), 1),
            "statuses": rec.statuses[kind],
        }
    return out


def load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def main() -> int:
    args = parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="wardapp-load-"))
    instance = workdir / "instance"
    instance.mkdir()
    server = None
    try:
        print(f"building the instance ({args.days} days, {SIGNED_DAYS} signed with photos)...", file=sys.stderr)
        started = time.perf_counter()
        passwords, today = build_instance(instance, args.days, keep_pdfs=not args.unbuilt_pdfs)
        photo = camera_photo()
        print(f"  built in {time.perf_counter() - started:.0f} s; photo {len(photo) / 1e6:.1f} MB", file=sys.stderr)
        port = pages.free_port()
        base = f"http://{HOST}:{port}"
        log = workdir / "gunicorn.log"
        server = pages.start_server(instance, port, args.workers, log)
        pages.wait_until_up(base, server, log)
        load_before = load()

        alone = Recorder()
        stop = threading.Event()
        one = threading.Thread(
            target=typist, args=(base, log_in(base, "staff", passwords["staff"]), today, alone, stop, 0)
        )
        one.start()
        time.sleep(args.alone_seconds)
        stop.set()
        one.join()

        day = Recorder()
        stop, done = threading.Event(), threading.Event()
        threads = [
            threading.Thread(target=typist, args=(base, log_in(base, "staff", passwords["staff"]), today, day, stop, i))
            for i in range(args.typists)
        ]
        threads.append(
            threading.Thread(
                target=reviewer,
                args=(base, log_in(base, "reviewer", passwords["reviewer"]), today, day, done, stop),
            )
        )
        upload_day = today - dt.timedelta(days=1)
        threads.append(
            threading.Thread(
                target=uploader, args=(base, log_in(base, "staff", passwords["staff"]), upload_day, day, stop, photo)
            )
        )
        day_started = time.perf_counter()
        for thread in threads:
            thread.start()
        done.wait(args.max_seconds)
        stop.wait(max(args.day_seconds - (time.perf_counter() - day_started), 0))
        day_seconds = time.perf_counter() - day_started
        stop.set()
        for thread in threads:
            thread.join(timeout=600)

        alone_p95 = pages.percentile(alone.times["live check"], 95)
        day_p95 = pages.percentile(day.times["live check"], 95)
        errors = {
            kind: {s: n for s, n in counts.items() if s >= 500}
            for kind, counts in day.statuses.items()
            if any(s >= 500 for s in counts)
        }
        ratio = day_p95 / alone_p95
        met = ratio <= TARGET_RATIO and not errors and done.is_set()
        result = {
            "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
            "machine": pages.machine(),
            "load_before": load_before,
            "load_after": load(),
            "pdfs_kept_at_signing": not args.unbuilt_pdfs,
            "setup": {
                "workers": args.workers,
                "config": "gunicorn.conf.py (gthread)",
                "history_days": args.days,
                "signed_days": SIGNED_DAYS,
                "typists": args.typists,
                "photo_bytes": len(photo),
            },
            "alone": summary(alone),
            "day": summary(day),
            "day_seconds": round(day_seconds, 1),
            "live_check_p95_ratio": round(ratio, 2),
            "zip_bytes": day.sizes,
            "errors_5xx": errors,
            "target": {"ratio": TARGET_RATIO, "met": met},
        }
        print(f"\nwardapp day's load, {result['date']}, load {load_before} → {result['load_after']}")
        print(f"{'phase':<7}{'request':<16}{'n':>5}{'median ms':>11}{'p95 ms':>9}{'max ms':>10}  statuses")
        for phase in ("alone", "day"):
            for kind, row in result[phase].items():
                print(
                    f"{phase:<7}{kind:<16}{row['n']:>5}{row['median_ms']:>11.1f}{row['p95_ms']:>9.1f}"
                    f"{row['max_ms']:>10.1f}  {row['statuses']}"
                )
        print(
            f"live check p95: {day_p95:.1f} ms during the day / {alone_p95:.1f} ms alone = {ratio:.2f}× "
            f"(target ≤ {TARGET_RATIO:.0f}×); 5xx: {errors or 'none'}; both ZIPs: {done.is_set()}: "
            f"{'MET' if met else 'MISSED'}"
        )
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n")
        print(f"written: {args.out}")
        return 1 if args.strict and not met else 0
    finally:
        if server is not None:
            pages.stop_server(server)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
