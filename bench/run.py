"""Benchmark: the report form and the dashboard against the trivial route, on a real server.

Builds a throw-away instance (migrations + the demo commune with about three years of history),
serves it with gunicorn on 127.0.0.1, logs in as staff and times GET /reports/<today>, GET / and
GET /healthz, interleaved in one run. Prints a table and writes bench/out/latest.json.

    .venv/bin/python bench/run.py            # or: make bench
    .venv/bin/python bench/run.py --requests 100 --days 365
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402

HOST = "127.0.0.1"  # never anything else
TARGET_P95_MS = 50.0
TARGET_RATIO = 5.0
USERNAME = "staff"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=300, help="measured requests per route (default 300)")
    parser.add_argument("--warmup", type=int, default=30, help="unmeasured requests per route first (default 30)")
    parser.add_argument("--days", type=int, default=1100, help="days of demo history (default 1100, about 3 years)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (default 4, as `make run`)")
    parser.add_argument("--max-seconds", type=float, default=180, help="stop measuring after this long (default 180)")
    parser.add_argument("--strict", action="store_true", help="exit with status 1 when the target is missed")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "latest.json")
    return parser.parse_args()


# --- the instance -------------------------------------------------------------------------------


def build_instance(instance: Path, days: int) -> tuple[str, dt.date, int, float]:
    """Migrate and seed a fresh instance; returns (staff password, today, reports, seconds taken)."""
    import flask_migrate

    from wardapp.app import create_app
    from wardapp.core import clock
    from wardapp.demo.seed import seed
    from wardapp.extensions import db
    from wardapp.reports.models import DailyReport

    started = time.perf_counter()
    # The secret key file is written here, once, before the workers start and read it.
    app = create_app({"INSTANCE_PATH": instance})
    with app.app_context():
        flask_migrate.upgrade()
        today = clock.today()
        passwords = seed(today, days=days)
        reports = db.session.scalar(db.select(db.func.count(DailyReport.id)))
        db.session.remove()
        db.engine.dispose()
    return passwords[USERNAME], today, reports, time.perf_counter() - started


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def start_server(instance: Path, port: int, workers: int, log: Path) -> subprocess.Popen:
    gunicorn = Path(sys.executable).with_name("gunicorn")
    env = {**os.environ, "WARDAPP_INSTANCE_PATH": str(instance)}
    env.pop("DATABASE_URL", None)  # the throw-away SQLite file, whatever the shell says
    with open(log, "w") as out:
        return subprocess.Popen(
            # The README's configuration: gunicorn.conf.py (threaded workers).
            [str(gunicorn), "-c", "gunicorn.conf.py", "--bind", f"{HOST}:{port}", f"--workers={workers}", "wsgi:app"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def wait_until_up(base: str, server: subprocess.Popen, log: Path, timeout: float = 180) -> None:
    """Waits for a worker to answer: on a busy machine the bind comes seconds before the app is
    imported, and a first request may wait or time out; only gunicorn exiting is a failure."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"gunicorn exited with status {server.returncode}:\n{log.read_text()}")
        try:
            if requests.get(f"{base}/healthz", timeout=10).ok:
                return
        except requests.RequestException:  # refused, reset or timed out while the worker starts
            pass
        time.sleep(0.2)
    sys.exit(f"gunicorn did not answer within {timeout:.0f} s:\n{log.read_text()}")


def stop_server(server: subprocess.Popen) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)  # the arbiter and its workers, nothing else
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def log_in(base: str, password: str) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{base}/login", timeout=10)
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    if not match:
        sys.exit("no csrf_token on /login")
    response = session.post(
        f"{base}/login",
        data={"csrf_token": match.group(1), "username": USERNAME, "password": password},
        timeout=10,
        allow_redirects=False,
    )
    if response.status_code != 303:
        sys.exit(f"log-in failed: HTTP {response.status_code}")
    return session


# --- measuring ----------------------------------------------------------------------------------


def routes(today: dt.date) -> dict[str, tuple[str, str]]:
    """name → (path, a string the real page contains: a redirect to /login must not pass for it)."""
    return {
        "report form": (f"/reports/{today.isoformat()}", 'id="report-form"'),
        "dashboard": ("/", 'id="calendar"'),
        "healthz (trivial)": ("/healthz", '"ok"'),
    }


def fetch(session: requests.Session, base: str, path: str, marker: str) -> float:
    started = time.perf_counter()
    response = session.get(base + path, timeout=10, allow_redirects=False)
    elapsed = time.perf_counter() - started
    if response.status_code != 200 or marker not in response.text:
        sys.exit(f"GET {path}: HTTP {response.status_code}, not the expected page")
    return elapsed * 1000


def measure(session, base, targets, count: int, warmup: int, max_seconds: float) -> dict[str, list[float]]:
    """Round-robin in a shuffled order each round, so every route sees the same conditions."""
    for _ in range(warmup):
        for path, marker in targets.values():
            fetch(session, base, path, marker)
    timings: dict[str, list[float]] = {name: [] for name in targets}
    rng = random.Random(766)
    names = list(targets)
    deadline = time.monotonic() + max_seconds
    for _ in range(count):
        if time.monotonic() > deadline:
            print(f"note: stopped after {max_seconds:.0f} s", file=sys.stderr)
            break
        rng.shuffle(names)
        for name in names:
            timings[name].append(fetch(session, base, *targets[name]))
    return timings


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile: a value that was actually measured."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * pct // 100))  # ceil
    return ordered[int(rank) - 1]


def summarize(timings: dict[str, list[float]], trivial: str) -> dict[str, dict]:
    base_median = statistics.median(timings[trivial])
    base_p95 = percentile(timings[trivial], 95)
    result = {}
    for name, values in timings.items():
        median, p95 = statistics.median(values), percentile(values, 95)
        result[name] = {
            "n": len(values),
            "median_ms": round(median, 2),
            "p95_ms": round(p95, 2),
            "max_ms": round(max(values), 2),
            "median_ratio": round(median / base_median, 2),
            "p95_ratio": round(p95 / base_p95, 2),
        }
    return result


# --- the machine --------------------------------------------------------------------------------


def machine() -> dict[str, object]:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        nproc = len(os.sched_getaffinity(0))
    except AttributeError:
        nproc = os.cpu_count()
    from importlib.metadata import version

    return {
        "nproc": nproc,
        "cpu": model,
        "python": platform.python_version(),
        "system": f"{platform.system()} {platform.release()}",
        "gunicorn": version("gunicorn"),
        "sqlalchemy": version("SQLAlchemy"),
        "flask": version("Flask"),
    }


def print_table(result: dict) -> None:
    m = result["machine"]
    print(f"\nwardapp benchmark, {result['date']}")
    print(f"machine: {m['nproc']} CPU ({m['cpu']}), Python {m['python']}, {m['system']}")
    s = result["setup"]
    print(
        f"server: gunicorn {m['gunicorn']}, {s['workers']} threaded workers (gunicorn.conf.py), SQLite; "
        f"{s['history_days']} days of history ({s['reports']} reports); one client, sequential requests"
    )
    print(f"{'route':<20}{'n':>5}{'median ms':>11}{'p95 ms':>9}{'max ms':>9}{'× trivial (median / p95)':>27}")
    for name, row in result["routes"].items():
        path = result["paths"][name]
        ratio = f"{row['median_ratio']:.1f} / {row['p95_ratio']:.1f}"
        print(
            f"{name:<20}{row['n']:>5}{row['median_ms']:>11.1f}{row['p95_ms']:>9.1f}{row['max_ms']:>9.1f}{ratio:>27}"
            f"   GET {path}"
        )
    t = result["target"]
    print(
        f"target: p95 < {TARGET_P95_MS:.0f} ms for both pages and within {TARGET_RATIO:.0f}× the trivial route "
        f"(median): {'MET' if t['met'] else 'MISSED'}"
    )
    for line in t["misses"]:
        print(f"  - {line}")


def main() -> int:
    args = parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="wardapp-bench-"))
    instance = workdir / "instance"
    instance.mkdir()
    server = None
    try:
        print(f"building the instance in {instance} ({args.days} days of history)...", file=sys.stderr)
        password, today, reports, seconds = build_instance(instance, args.days)
        print(f"  built in {seconds:.1f} s", file=sys.stderr)
        port = free_port()
        base = f"http://{HOST}:{port}"
        log = workdir / "gunicorn.log"
        server = start_server(instance, port, args.workers, log)
        wait_until_up(base, server, log)
        session = log_in(base, password)
        targets = routes(today)
        print(f"measuring {args.requests} requests per route on {base} ...", file=sys.stderr)
        timings = measure(session, base, targets, args.requests, args.warmup, args.max_seconds)
        trivial = "healthz (trivial)"
        summary = summarize(timings, trivial)
        misses = []
        for name in ("report form", "dashboard"):
            row = summary[name]
            if row["p95_ms"] >= TARGET_P95_MS:
                misses.append(f"{name}: p95 {row['p95_ms']:.1f} ms ≥ {TARGET_P95_MS:.0f} ms")
            if row["median_ratio"] > TARGET_RATIO:
                misses.append(f"{name}: {row['median_ratio']:.1f}× the trivial route (median) > {TARGET_RATIO:.0f}×")
        result = {
            "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
            "machine": machine(),
            "setup": {
                "workers": args.workers,
                "history_days": args.days,
                "reports": reports,
                "requests_per_route": args.requests,
                "warmup_per_route": args.warmup,
                "client": "requests.Session, one client, sequential, interleaved in shuffled rounds",
            },
            "paths": {name: path for name, (path, _) in targets.items()},
            "routes": summary,
            "target": {
                "p95_ms": TARGET_P95_MS,
                "ratio": TARGET_RATIO,
                "ratio_of": "median",
                "met": not misses,
                "misses": misses,
            },
            "raw_ms": {name: [round(v, 3) for v in values] for name, values in timings.items()},
        }
        print_table(result)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n")
        print(f"\nwritten: {args.out}")
        return 1 if misses and args.strict else 0
    finally:
        if server is not None:
            stop_server(server)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
