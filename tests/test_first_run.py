"""A new commune and a new city, set up the way the README says: the Makefile's own recipes
(`make city`, `make run`), started in either order, and the demo's signed days reach the city.

Nothing here enrols, configures or starts anything its own way: a test that did once passed while
the documented way refused every report (the city enrolled the commune's key but not its CA). Each
run gets its own instance folders (``WARDAPP_INSTANCE_PATH``, ``WARDAPP_CITY_INSTANCE_PATH``) and
free ports; the processes are stopped with their process group.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from wardapp import ROOT

from . import services

FLASK = str(Path(sys.executable).with_name("flask"))
# Generous: the demo is seeded (90 days) before the commune serves; on a busy 2-CPU machine that
# and the first pushes take well under this.
DEADLINE_SECONDS = 240


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WARDAPP_", "MAKE", "MFLAGS"))}
    env.update(
        WARDAPP_INSTANCE_PATH=str(tmp_path / "commune"),
        WARDAPP_CITY_INSTANCE_PATH=str(tmp_path / "city"),
        DEMO_PASSWORD="demo-wardapp",
    )
    env.update(extra)
    return env


def _make(target: str, env: dict[str, str], log: Path, port: int, city_port: int) -> subprocess.Popen:
    with log.open("wb") as output:
        return subprocess.Popen(
            [
                "make",
                "--no-print-directory",
                target,
                f"PORT={port}",
                f"CITY_PORT={city_port}",
                "WORKERS=1",
                "THREADS=2",
            ],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: gunicorn and the outbox worker stop with it
        )


def _stop(*processes: subprocess.Popen) -> None:
    for process in processes:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status < 500
    except urllib.error.HTTPError as error:
        return error.code < 500
    except OSError:
        return False


def _wait_for(condition, what: str, logs: list[Path]) -> None:
    deadline = time.monotonic() + DEADLINE_SECONDS
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(1)
    tails = "\n".join(f"--- {log.name}\n" + log.read_text(errors="replace")[-3000:] for log in logs)
    pytest.fail(f"{what} within {DEADLINE_SECONDS} s\n{tails}")


def outbox_states(env: dict[str, str]) -> list[str]:
    """What `flask --app wsgi outbox status` says of each signed day, as an administrator reads it."""
    result = subprocess.run(
        [FLASK, "--app", "wsgi", "outbox", "status"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    return [line.split("\t")[1] for line in result.stdout.splitlines() if "\t" in line]


def all_accepted(env: dict[str, str]) -> bool:
    states = outbox_states(env)
    return bool(states) and all(state == "accepted" for state in states)


def received_at_city(tmp_path: Path) -> int:
    """How many reports the city's database holds (the intake's SQLite file of `make city`)."""
    with contextlib.closing(sqlite3.connect(tmp_path / "city" / "city.sqlite3")) as city_db:
        return city_db.execute("SELECT count(*) FROM received_reports").fetchone()[0]


@pytest.mark.parametrize("city_first", [True, False], ids=["city-then-run", "run-then-city"])
def test_the_readme_commands_deliver_the_demo_days_to_the_city(tmp_path, city_first):
    env = _env(tmp_path)
    port, city_port = services.free_port(), services.free_port()
    logs = [tmp_path / "city.log", tmp_path / "run.log"]
    started = []
    try:
        for target in ("city", "run") if city_first else ("run", "city"):
            log = tmp_path / f"{target}.log"
            started.append(_make(target, env, log, port, city_port))
            url = f"http://127.0.0.1:{city_port if target == 'city' else port}/login"
            _wait_for(lambda url=url: _answers(url), f"make {target} did not answer on {url}", logs)
        _wait_for(lambda: all_accepted(env), "the city did not accept every signed demo day", logs)
    finally:
        _stop(*started)
    states = outbox_states(env)
    assert len(states) >= 3 and set(states) == {"accepted"}
    assert received_at_city(tmp_path) == len(states)
    assert "bad_pdf" not in (tmp_path / "run.log").read_text(errors="replace")


def test_a_fresh_enrolment_file_enrolled_by_cli_on_postgresql(tmp_path, postgres):
    """The README's real installation, on PostgreSQL: the commune exports its enrolment file, the
    city enrols it with `city enrol FILE`, and the commune's pushes (photos and PDFs) are accepted."""
    commune_db, city_db = postgres.create_database("firstrun_c"), postgres.create_database("firstrun_city")
    city_port = services.free_port()
    env = _env(
        tmp_path,
        DATABASE_URL=postgres.url(commune_db),
        CITY_DATABASE_URL=postgres.url(city_db),
        WARDAPP_CITY_SECRET_KEY="first-run-city-secret",
        WARDAPP_CITY_CITY_PUBLIC_URL=f"http://127.0.0.1:{city_port}",
        WARDAPP_CITY_URL=f"http://127.0.0.1:{city_port}",
    )

    def flask(*args: str) -> str:
        result = subprocess.run([FLASK, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    flask("--app", "wsgi", "db", "upgrade")
    flask("--app", "wsgi", "demo", "--password", "demo-wardapp", "--days", "10")
    enrolment_file = tmp_path / "20242.json"
    enrolment_file.write_text(flask("--app", "wsgi", "keys", "export"), encoding="utf-8")
    document = json.loads(enrolment_file.read_text(encoding="utf-8"))
    assert document["commune"]["code"] == "20242" and document["pdf_ca"] and document["proof"]
    flask("--app", "wardapp.city.app", "db", "upgrade")
    enrolled = flask("--app", "wardapp.city.app", "city", "enrol", str(enrolment_file))
    assert "Enrolled 20242" in enrolled and "Trusted for its PDFs" in enrolled
    city = services.Gunicorn("wardapp.city.app:create_app()", env, workers=1, log=tmp_path / "city.log", cwd=ROOT)
    city.start(port=city_port)
    try:
        flask("--app", "wsgi", "outbox", "send")
    finally:
        city.stop()
    states = outbox_states(env)
    assert states and set(states) == {"accepted"}, states
