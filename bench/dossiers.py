"""Benchmark: importing a year of a busy commune's dossier log, and recomputing a day from it.

A throw-away instance (real migrations, the demo commune's unit) gets a generated export of a
busy commune's year (``--per-day`` dossiers each weekday, lighter weekends: about 60,000 rows with
the defaults) as an .xlsx written like the one-stop system's export (title block, 17 columns,
date cells). Times, in one process: the import of the whole file through the app's own
``dossiers.operations.import_file`` (read with openpyxl in read-only mode, every row checked,
bulk insert), the same file imported again (every dossier updated by code), and the day's figures
recomputed from the stored log (``log_day``: one query, then the pure counting function) for
``--days`` days spread over the year. Prints the figures and writes bench/out/dossiers.json.

    .venv/bin/python bench/dossiers.py
    .venv/bin/python bench/dossiers.py --per-day 230 --days 60 --strict
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from run import machine, percentile  # noqa: E402  (bench/run.py)

IMPORT_TARGET_S = 10.0
DAY_TARGET_MS = 50.0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--per-day", type=int, default=205, help="dossiers on a weekday (default 205)")
    parser.add_argument("--days", type=int, default=60, help="days recomputed (default 60)")
    parser.add_argument("--strict", action="store_true", help="exit with status 1 when a target is missed")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "dossiers.json")
    return parser.parse_args()


def year_history(end: dt.date, per_day: int, seed: int = 7) -> list[tuple[dt.date, dict]]:
    """Receipts by channel for 365 days; the other counts the generator needs, drawn plausibly."""
    rng = random.Random(seed)
    days = []
    for i in range(365):
        day = end - dt.timedelta(days=364 - i)
        load = 1.0 if day.weekday() < 5 else (0.4 if day.weekday() == 5 else 0.05)
        received = max(int(rng.gauss(per_day, per_day * 0.12) * load), 0)
        online = int(received * rng.uniform(0.4, 0.6))
        postal = int(received * 0.04)
        days.append(
            (
                day,
                {
                    "received_in_person": received - online - postal,
                    "received_online": online,
                    "received_postal": postal,
                    "online_full_process": int(online * 0.55),
                    "fee_bearing": int(received * 0.4),
                    "paid_online": int(received * 0.2),
                    "digitized": int(received * 0.85),
                },
            )
        )
    return days


def main() -> int:
    args = parse_args()
    from wardapp.app import create_app
    from wardapp.demo.dossiers import generate_log, xlsx_bytes
    from wardapp.dossiers.operations import import_file, log_day
    from wardapp.extensions import db
    from wardapp.setup.operations import set_up_commune

    end = dt.date(2026, 11, 29)
    print("generating the export…", flush=True)
    rows = generate_log(year_history(end, args.per_day), end)
    data = xlsx_bytes(rows)
    print(f"{len(rows):,} dossiers, {len(data) / 1e6:.1f} MB xlsx", flush=True)

    instance = Path(tempfile.mkdtemp(prefix="wardapp-bench-dossiers-"))
    try:
        import flask_migrate

        app = create_app({"INSTANCE_PATH": instance, "SECRET_KEY": "bench"})
        with app.app_context():
            flask_migrate.upgrade(directory=str(ROOT / "migrations"))
            commune = set_up_commune("20242")
            db.session.commit()

            started, cpu = time.perf_counter(), time.process_time()
            first = import_file(commune.id, "so-theo-doi-nam.xlsx", data, None)
            import_s, import_cpu = time.perf_counter() - started, time.process_time() - cpu
            assert first.ok, first.errors[:3]
            started = time.perf_counter()
            again = import_file(commune.id, "so-theo-doi-nam.xlsx", data, None)
            reimport_s = time.perf_counter() - started
            assert again.ok and again.record.updated == len(rows)

            rng = random.Random(1)
            days = [end - dt.timedelta(days=rng.randrange(365)) for _ in range(args.days)]
            log_day(commune.id, days[0])  # warm the statement cache
            timings, cpu_timings = [], []
            busiest = 0
            for day in days:
                started, cpu = time.perf_counter(), time.process_time()
                result = log_day(commune.id, day)
                timings.append((time.perf_counter() - started) * 1000)
                cpu_timings.append((time.process_time() - cpu) * 1000)
                to_handle = sum(
                    result.counts[k]
                    for k in ("received_in_person", "received_online", "received_postal", "carried_over")
                )
                busiest = max(busiest, to_handle)
            db.engine.dispose()
    finally:
        shutil.rmtree(instance, ignore_errors=True)

    day_median = statistics.median(timings)
    day_p95 = percentile(timings, 95)
    result = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "rows": len(rows),
        "xlsx_bytes": len(data),
        "import_seconds": round(import_s, 2),
        "import_cpu_seconds": round(import_cpu, 2),
        "reimport_seconds": round(reimport_s, 2),
        "day_ms_median": round(day_median, 1),
        "day_ms_p95": round(day_p95, 1),
        "day_cpu_ms_median": round(statistics.median(cpu_timings), 1),
        "day_cpu_ms_p95": round(percentile(cpu_timings, 95), 1),
        "load_average": os.getloadavg(),
        "days_measured": len(timings),
        "largest_day_to_handle": busiest,
        "targets": {"import_seconds": IMPORT_TARGET_S, "day_ms": DAY_TARGET_MS},
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False))
    print(
        f"import of {len(rows):,} rows: {import_s:.2f} s, {import_cpu:.2f} s of CPU "
        f"(again, every row updated: {reimport_s:.2f} s)"
    )
    print(
        f"a day recomputed: median {day_median:.1f} ms, p95 {day_p95:.1f} ms over {len(timings)} days "
        f"(largest day: {busiest} dossiers to handle)"
    )
    met = import_s < IMPORT_TARGET_S and day_p95 < DAY_TARGET_MS
    print(
        "targets met" if met else "TARGET MISSED",
        f"(import < {IMPORT_TARGET_S:.0f} s, day p95 < {DAY_TARGET_MS:.0f} ms)",
    )
    return 1 if args.strict and not met else 0


if __name__ == "__main__":
    raise SystemExit(main())
