"""Benchmark: a backlog of signed days reaching the city after an outage of the city intake.

Builds a throw-away commune (the demo commune plus signed days with six photos each, about 30
entries in its outbox) and a throw-away city intake that knows the commune's key (``db upgrade``,
``keys export`` and ``city enrol``, as ``make city`` does). Starts the commune's outbox worker
(``flask outbox worker``, the real settings: a pass every 5 s, backoff 15 s, 60 s, 300 s...) while
the city is down, for ``--outage`` seconds; then starts the city (gunicorn) and measures the time
from the city's first answer to the last entry accepted in the commune's outbox. Target (issue 14):
under 15 s. Writes bench/out/outbox.json.

    .venv/bin/python bench/outbox.py            # also in `make bench`
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import load as day_load  # noqa: E402  (bench/load.py: the instance with signed days)
import requests  # noqa: E402
import run as pages  # noqa: E402  (bench/run.py: ports, server stop, machine)

TARGET_SECONDS = 15.0
BIN = Path(sys.executable).parent


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--signed", type=int, default=23, help="days signed besides the demo's week (default 23)")
    parser.add_argument("--outage", type=float, default=100, help="seconds the city is down (default 100)")
    parser.add_argument("--max-seconds", type=float, default=900, help="give up after this long once it is back")
    parser.add_argument(
        "--unbuilt-pdfs", action="store_true", help="leave the PDFs to the sender (signed before PDFs were kept)"
    )
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "outbox.json")
    return parser.parse_args()


def flask(app: str, *args: str, env: dict) -> str:
    return subprocess.run(
        [str(BIN / "flask"), "--app", app, *args], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    ).stdout


def outbox_states(database: Path) -> dict[str, int]:
    with sqlite3.connect(database) as connection:
        return dict(connection.execute("SELECT state, count(*) FROM outbox_entries GROUP BY state").fetchall())


def main() -> int:
    args = parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="wardapp-outbox-"))
    commune, city = workdir / "commune", workdir / "city"
    commune.mkdir()
    city.mkdir()
    port = pages.free_port()
    city_url = f"http://{pages.HOST}:{port}"
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env |= {"WARDAPP_INSTANCE_PATH": str(commune), "WARDAPP_CITY_INSTANCE_PATH": str(city)}
    env |= {"WARDAPP_CITY_URL": city_url, "WARDAPP_CITY_CITY_PUBLIC_URL": city_url}
    worker = server = log = city_log = None
    try:
        print(f"building the commune ({args.signed} days signed besides the demo's)...", file=sys.stderr)
        day_load.build_instance(commune, 60, signed_days=args.signed, keep_pdfs=not args.unbuilt_pdfs)
        flask("wardapp.city.app", "db", "upgrade", env=env)
        (city / "commune.jwk").write_text(flask("wsgi", "keys", "export", env=env))
        # The commune's key for its JWS, and its CA for the signatures of the PDFs it sends with them
        # (the intake refuses a PDF that does not chain to the commune's enrolled CA: 422 bad_pdf).
        ca_cert = commune / "pdf-cert" / "ca" / "cert.pem"
        flask(
            "wardapp.city.app", "city", "enrol", "20242", str(city / "commune.jwk"), "--ca-cert", str(ca_cert), env=env
        )
        database = commune / "wardapp.sqlite3"
        entries = sum(outbox_states(database).values())
        print(f"  {entries} entries in the outbox; the city is down for {args.outage:.0f} s", file=sys.stderr)

        log = (workdir / "worker.log").open("w")
        worker = subprocess.Popen(
            [str(BIN / "flask"), "--app", "wsgi", "outbox", "worker"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        time.sleep(args.outage)
        states_during = outbox_states(database)
        load_before = " ".join(Path("/proc/loadavg").read_text().split()[:3])

        city_log = (workdir / "city.log").open("w")
        server = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "--bind",
                f"{pages.HOST}:{port}",
                "--workers",
                "2",
                "wardapp.city.app:create_app()",
            ],
            cwd=ROOT,
            env=env,
            stdout=city_log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        while True:  # the city's return: its first answer
            if server.poll() is not None:
                sys.exit(f"the city exited with status {server.returncode}:\n{(workdir / 'city.log').read_text()}")
            try:
                if requests.get(f"{city_url}/healthz", timeout=5).status_code < 500:
                    break
            except requests.RequestException:
                time.sleep(0.05)
        back = time.perf_counter()
        while outbox_states(database).get("accepted", 0) < entries:
            if time.perf_counter() - back > args.max_seconds:
                break
            time.sleep(0.1)
        seconds = time.perf_counter() - back
        states = outbox_states(database)
        met = states.get("accepted", 0) == entries and seconds < TARGET_SECONDS
        result = {
            "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
            "machine": pages.machine(),
            "load_before": load_before,
            "load_after": " ".join(Path("/proc/loadavg").read_text().split()[:3]),
            "entries": entries,
            "outage_seconds": args.outage,
            "pdfs_kept_at_signing": not args.unbuilt_pdfs,
            "states_during_outage": states_during,
            "states_after": states,
            "seconds_from_return_to_last_receipt": round(seconds, 1),
            "target": {"seconds": TARGET_SECONDS, "met": met},
        }
        print(
            f"outbox: {entries} entries queued through a {args.outage:.0f} s outage (during it: {states_during}); "
            f"from the city's return to the last receipt {seconds:.1f} s (target < {TARGET_SECONDS:.0f} s): "
            f"{'MET' if met else 'MISSED'}; load {load_before} → {result['load_after']}"
        )
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n")
        return 0
    finally:
        for file in (log, city_log):
            if file is not None:
                file.close()
        for process in (worker, server):
            if process is not None and process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=30)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
