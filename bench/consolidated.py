"""Benchmark: the month's consolidated report of a province, drafted, signed and downloaded.

Builds a throw-away city instance (real migrations), enrols every commune of province 79 (TP Hồ Chí
Minh, 168 communes) with every day of last month reported (written straight into the tables as
intake writes them, bench/city_desk.py), then, in this process through the app's test client
(the cost is the document's, not the HTTP server's): downloads the month's draft, has the
department's director sign it (the register number, the embedded JSON of every commune-day, the
PDF built, made PDF/A-3b, signed twice, kept in the store), downloads the signed edition, and
repeats the signing after removing the edition (so every round signs from scratch). Prints median
and max per step and writes bench/out/consolidated.json.

    .venv/bin/python bench/consolidated.py
    .venv/bin/python bench/consolidated.py --province 48 --rounds 3
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from city_desk import varied_figures  # noqa: E402  (bench/city_desk.py)
from run import machine  # noqa: E402  (bench/run.py)

TARGETS_S = {"draft": 3.0, "sign": 5.0}
PASSWORD = "bench-giam-doc-9"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--province", default="79", help="province code (default 79, 168 communes)")
    parser.add_argument("--rounds", type=int, default=5, help="measured rounds per step (default 5)")
    parser.add_argument("--strict", action="store_true", help="exit with status 1 when a target is missed")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "consolidated.json")
    return parser.parse_args()


def build(instance: Path, province: str, first: dt.date, last: dt.date):
    """The city with every commune reporting every day of the month; returns the app."""
    import flask_migrate

    from tests.city.support import history_rows
    from wardapp.city.app import create_app
    from wardapp.city.extensions import city_db
    from wardapp.city.models import CityCommune, CityUser, ReceivedFigures, ReceivedReport
    from wardapp.core import clock
    from wardapp.core.units import all_units

    app = create_app(
        {
            "INSTANCE_PATH": instance,
            "TESTING": True,
            "WTF_CSRF_ENABLED": False,
            "SECRET_KEY": "bench",
            "CITY_PROVINCE_CODES": province,
        }
    )
    rng = random.Random(22)
    units = sorted((u for u in all_units().values() if u.province_code == province), key=lambda u: u.code)
    with app.app_context():
        flask_migrate.upgrade(directory=str(ROOT / "migrations" / "city"))
        now = clock.utcnow()
        city_db.session.add_all(
            CityCommune(code=u.code, name=u.name, province_code=u.province_code, enrolled_at=now) for u in units
        )
        user = CityUser(username="giamdoc", full_name="Nguyễn Văn Giám", role="director")
        user.set_password(PASSWORD)
        city_db.session.add(user)
        city_db.session.commit()
        pk, day = 1, first
        while day <= last:
            reports, rows = [], []
            for unit in units:
                report, row = history_rows(pk, unit, day, varied_figures(rng), "bench", late=rng.random() < 0.08)
                reports.append(report)
                rows.append(row)
                pk += 1
            city_db.session.execute(city_db.insert(ReceivedReport), reports)
            city_db.session.execute(city_db.insert(ReceivedFigures), rows)
            day += dt.timedelta(days=1)
        city_db.session.commit()
    return app, pk - 1


def forget_editions(app) -> None:
    """Remove the signed edition and its number, so the next round signs from scratch."""
    from wardapp.city.documents.models import CityRegisterEntry, ConsolidatedEdition
    from wardapp.city.extensions import city_db

    with app.app_context():
        city_db.session.execute(city_db.delete(ConsolidatedEdition))
        city_db.session.execute(city_db.delete(CityRegisterEntry))
        city_db.session.commit()


def timed(call) -> tuple[float, object]:
    started = time.perf_counter()
    result = call()
    return time.perf_counter() - started, result


def main() -> int:
    args = parse_args()
    today = dt.date.today()
    last = today.replace(day=1) - dt.timedelta(days=1)
    first = last.replace(day=1)
    query = {"period": "month", "on": first.isoformat(), "province": args.province}
    with tempfile.TemporaryDirectory(prefix="bench-consolidated-") as folder:
        started = time.perf_counter()
        app, reports = build(Path(folder), args.province, first, last)
        print(f"built {reports} reports of {first:%Y-%m} in {time.perf_counter() - started:.1f} s")
        client = app.test_client()
        answer = client.post("/login", data={"username": "giamdoc", "password": PASSWORD})
        assert answer.status_code == 303, answer.status_code
        # Unmeasured once: fonts, pyHanko and the department's key (made on first use) loaded.
        client.get("/consolidated.pdf", query_string=query)
        client.post("/consolidated/sign", data=query)
        forget_editions(app)
        times: dict[str, list[float]] = {"draft": [], "sign": [], "signed download": []}
        sizes: dict[str, int] = {}
        for _round in range(args.rounds):
            seconds, draft = timed(lambda: client.get("/consolidated.pdf", query_string=query))
            assert draft.status_code == 200 and b"%PDF" in draft.data[:8]
            times["draft"].append(seconds)
            sizes["draft"] = len(draft.data)
            seconds, signed = timed(lambda: client.post("/consolidated/sign", data=query))
            assert signed.status_code == 303, signed.status_code
            times["sign"].append(seconds)
            seconds, stored = timed(lambda: client.get("/consolidated.pdf", query_string=query))
            assert "_ban-nhap" not in stored.headers["Content-Disposition"], "the signing did not happen"
            times["signed download"].append(seconds)
            sizes["signed"] = len(stored.data)
            forget_editions(app)
    result = {
        "machine": machine(),
        "province": args.province,
        "month": f"{first:%Y-%m}",
        "reports": reports,
        "rounds": args.rounds,
        "bytes": sizes,
        "seconds": {k: {"median": statistics.median(v), "max": max(v)} for k, v in times.items()},
        "targets_s": TARGETS_S,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False))
    missed = []
    for step, values in times.items():
        target = TARGETS_S.get(step)
        median = statistics.median(values)
        verdict = "" if target is None else (" ok" if median < target else f" MISSED (target {target} s)")
        if target is not None and median >= target:
            missed.append(step)
        print(f"{step:16s} median {median:6.3f} s  max {max(values):6.3f} s{verdict}")
    print(f"draft {sizes['draft'] / 1e3:.0f} KB, signed {sizes['signed'] / 1e3:.0f} KB -> {args.out}")
    return 1 if missed and args.strict else 0


if __name__ == "__main__":
    sys.exit(main())
