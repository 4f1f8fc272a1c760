"""Backups that restore: a consistent snapshot of the database and every file under ``instance/``
that matters, in one ``.tar.gz`` with a manifest of SHA-256 hashes (pure: no Flask, no session).

The archive holds ``manifest.json``, the database (``database.sqlite3`` made with SQLite's online
backup API, or ``database.pgdump`` made by ``pg_dump --format=custom``) and ``instance/...``.
Both apps use it through their ``backup create|verify|restore`` commands.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any
from urllib.parse import unquote, urlsplit, urlunsplit

FORMAT = "wardapp-backup/1"
MANIFEST = "manifest.json"
SQLITE_MEMBER = "database.sqlite3"
PG_MEMBER = "database.pgdump"
# Never worth keeping: rebuilt on demand (thumbnails, PDFs the city renders) or the database
# files themselves (the snapshot replaces them).
SKIPPED_DIRS = frozenset({"thumbs", "rendered", "__pycache__"})
SKIPPED_SUFFIXES = (".sqlite3", ".sqlite3-wal", ".sqlite3-shm", ".sqlite3-journal", ".tmp", ".part")


class BackupError(Exception):
    pass


def sha256_stream(handle: IO[bytes] | None) -> str:
    if handle is None:
        raise BackupError("not a regular file in the archive")
    digest = hashlib.sha256()
    while block := handle.read(1 << 20):
        digest.update(block)
    return digest.hexdigest()


def sha256_file(path: Path) -> str:
    with path.open("rb") as handle:
        return sha256_stream(handle)


def instance_files(instance: Path, exclude: frozenset[str] = frozenset()) -> dict[str, Path]:
    """Archive name → file, for every file of the instance worth restoring.

    ``exclude`` names top-level entries to leave out (the commune's instance holds the city's
    by default; each app backs up its own)."""
    found: dict[str, Path] = {}
    for path in sorted(instance.rglob("*")):
        relative = path.relative_to(instance)
        if relative.parts[0] in exclude or SKIPPED_DIRS.intersection(relative.parts[:-1]):
            continue
        # A name starting with "." is a temporary file of an interrupted write (core/files).
        if (
            path.is_file()
            and not path.is_symlink()
            and not path.name.endswith(SKIPPED_SUFFIXES)
            and not path.name.startswith(".")
        ):
            found[f"instance/{relative.as_posix()}"] = path
    return found


def sqlite_path(url: str) -> Path | None:
    """The database file of an SQLAlchemy SQLite URL, None for other databases."""
    if not url.startswith("sqlite"):
        return None
    path = url.split("///", 1)[1] if "///" in url else ""
    if not path or path == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return Path(path.split("?", 1)[0])


def libpq_url(url: str) -> str:
    """``postgresql+psycopg://...`` → ``postgresql://...`` as pg_dump and pg_restore read it."""
    parts = urlsplit(url)
    return urlunsplit(("postgresql", parts.netloc, parts.path, parts.query, parts.fragment))


def snapshot_sqlite(source: Path, target: Path) -> None:
    """A consistent copy while the app runs: SQLite's online backup (readers and writers go on)."""
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    try:
        with dst:
            src.backup(dst)
    finally:
        src.close()
        dst.close()


def snapshot_postgres(url: str, target: Path) -> None:
    _run(["pg_dump", "--format=custom", "--no-owner", f"--file={target}", f"--dbname={libpq_url(url)}"])


def _run(command: list[str]) -> None:
    try:
        done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=3600)
    except FileNotFoundError as error:
        raise BackupError(f"{command[0]} is not installed (apt-get install postgresql-client)") from error
    if done.returncode != 0:
        # The URL (with its password) is in the command: show only the tool's own message.
        raise BackupError(f"{command[0]} failed: {done.stderr.strip()[:2000]}")


@dataclass(frozen=True)
class Created:
    path: Path
    files: int
    bytes: int


def create(
    archive: Path, database_url: str, instance: Path, app: str, exclude: frozenset[str] = frozenset()
) -> Created:
    """Write the backup archive (atomically: a half-written archive never has the final name)."""
    archive = archive.resolve()
    files = {name: path for name, path in instance_files(instance, exclude).items() if path.resolve() != archive}
    with tempfile.TemporaryDirectory(prefix="wardapp-backup-") as work:
        database = sqlite_path(database_url)
        if database is not None:
            db_member, db_file = SQLITE_MEMBER, Path(work) / SQLITE_MEMBER
            snapshot_sqlite(database, db_file)
        else:
            db_member, db_file = PG_MEMBER, Path(work) / PG_MEMBER
            snapshot_postgres(database_url, db_file)
        entries = {db_member: db_file, **files}
        manifest = {
            "format": FORMAT,
            "app": app,
            "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "database": db_member,
            "files": {
                name: {"sha256": sha256_file(path), "bytes": path.stat().st_size} for name, path in entries.items()
            },
        }
        partial = archive.with_name(archive.name + ".part")
        with tarfile.open(partial, "w:gz") as tar:
            data = json.dumps(manifest, indent=1, sort_keys=True).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mode, info.mtime = len(data), 0o600, int(dt.datetime.now(dt.UTC).timestamp())
            tar.addfile(info, io.BytesIO(data))
            for name, path in entries.items():
                tar.add(path, arcname=name, recursive=False)
        os.chmod(partial, 0o600)  # it holds the signing keys and the secret key
        partial.replace(archive)
    return Created(archive, len(entries), archive.stat().st_size)


def read_manifest(tar: tarfile.TarFile) -> dict[str, Any]:
    try:
        member = tar.extractfile(MANIFEST)
    except KeyError:
        member = None
    if member is None:
        raise BackupError("no manifest.json: not a wardapp backup")
    manifest: dict[str, Any] = json.loads(member.read())
    if manifest.get("format") != FORMAT:
        raise BackupError(f"unknown backup format {manifest.get('format')!r}")
    return manifest


def _safe_name(name: str) -> bool:
    parts = Path(name).parts
    return bool(parts) and not Path(name).is_absolute() and ".." not in parts


def verify(archive: Path) -> tuple[dict[str, Any], list[str]]:
    """(manifest, problems): every listed file present with its hash, nothing unlisted, names safe."""
    problems: list[str] = []
    with tarfile.open(archive, "r:gz") as tar:
        manifest = read_manifest(tar)
        listed = manifest["files"]
        seen = set()
        for member in tar.getmembers():
            if member.name == MANIFEST:
                continue
            if not member.isfile() or not _safe_name(member.name):
                problems.append(f"{member.name}: not a plain file with a safe name")
                continue
            seen.add(member.name)
            expected = listed.get(member.name)
            if expected is None:
                problems.append(f"{member.name}: not in the manifest")
                continue
            if sha256_stream(tar.extractfile(member)) != expected["sha256"]:
                problems.append(f"{member.name}: SHA-256 does not match the manifest")
        problems += [f"{name}: missing from the archive" for name in sorted(set(listed) - seen)]
    return manifest, problems


def restore(
    archive: Path, database_url: str, instance: Path, app: str, *, overwrite: bool = False, occupied: bool = False
) -> dict[str, Any]:
    """Put the archive back: the instance files, then the database. Refuses a damaged archive,
    another app's archive, or (unless ``overwrite``) an instance that already has a database: an
    SQLite file with content, or a PostgreSQL database the caller found ``occupied`` (holding
    tables). The caller closes its own connections first: pg_restore drops every table."""
    manifest, problems = verify(archive)
    if problems:
        raise BackupError("the archive is damaged: " + "; ".join(problems[:5]))
    if manifest["app"] != app:
        raise BackupError(f"this is a backup of the {manifest['app']} app, not of the {app} app")
    database = sqlite_path(database_url)
    if database is not None and database.exists() and database.stat().st_size > 0 and not overwrite:
        raise BackupError(f"{database} already exists: restore onto an empty instance (or pass --overwrite)")
    if database is None and occupied and not overwrite:
        raise BackupError(
            f"the database {database_name(database_url)} already holds tables: restore onto an empty database "
            "(or pass --overwrite, with the app stopped)"
        )
    instance.mkdir(parents=True, exist_ok=True)
    with tarfile.open(archive, "r:gz") as tar, tempfile.TemporaryDirectory(prefix="wardapp-restore-") as work:
        for name in manifest["files"]:
            source = tar.extractfile(name)
            if source is None:
                raise BackupError(f"{name}: not a regular file in the archive")
            if name.startswith("instance/"):
                target = instance / name.removeprefix("instance/")
            else:
                target = Path(work) / name
            target.parent.mkdir(parents=True, exist_ok=True)
            with target.open("wb") as out:
                shutil.copyfileobj(source, out)
            if name.startswith("instance/") and ("keys/" in name or name.endswith(("secret_key", ".pem", ".key"))):
                os.chmod(target, 0o600)
        dumped = Path(work) / manifest["database"]
        if manifest["database"] == SQLITE_MEMBER:
            if database is None:
                raise BackupError("the backup holds an SQLite database but the app is set to PostgreSQL")
            for suffix in ("-wal", "-shm"):
                Path(f"{database}{suffix}").unlink(missing_ok=True)
            database.parent.mkdir(parents=True, exist_ok=True)
            snapshot_sqlite(dumped, database)
        else:
            if database is not None:
                raise BackupError("the backup holds a PostgreSQL dump but the app is set to SQLite")
            _run(
                [
                    "pg_restore",
                    "--clean",
                    "--if-exists",
                    "--no-owner",
                    "--single-transaction",
                    f"--dbname={libpq_url(database_url)}",
                    str(dumped),
                ]
            )
    return manifest


def database_name(url: str) -> str:
    """For messages: the database a URL points at, without user or password."""
    path = sqlite_path(url)
    return str(path) if path is not None else unquote(urlsplit(url).path.lstrip("/"))
