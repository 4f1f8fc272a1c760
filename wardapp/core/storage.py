"""Where photos and PDFs live: one interface, two backends (a local folder, S3-compatible storage).

A store holds named blobs (keys like ``photos/<sha256>``). Both backends give the same promises:
a reader sees a whole blob or none; ``create`` writes a blob only if its key is free, even when
two servers race (content-addressed files and first-come files rely on it); ``put`` replaces.

- ``LocalStore``: a folder on this machine (the default, for one server). Writes go through a
  temporary file and a rename (``core/files.py``).
- ``S3Store``: a bucket of any S3-compatible server (AWS S3, SeaweedFS, MinIO, Ceph...), for
  several servers side by side and photos by the terabyte. ``create`` is a conditional PUT
  (``If-None-Match: *``), which the server decides atomically.

``open_store(url, ...)`` picks the backend from a URL: empty or a path or ``file:///...`` → local;
``s3://bucket/prefix`` → S3 (endpoint, region and credentials given beside it; without
credentials boto3 looks in its usual places: ``AWS_ACCESS_KEY_ID``..., ``~/.aws``, an instance role).
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import unquote, urlsplit

from wardapp.core.files import write_atomic, write_once


class StoreError(ValueError):
    """A store URL or key that cannot be used (stops the app at start-up, or refuses the key)."""


class Store(Protocol):
    def put(self, key: str, data: bytes, content_type: str = "application/octet-stream") -> None:
        """Write ``data`` under ``key``, replacing what was there."""

    def create(self, key: str, data: bytes, content_type: str = "application/octet-stream") -> bool:
        """Write ``data`` under ``key`` unless the key exists; True when this call wrote it."""

    def get(self, key: str) -> bytes | None:
        """The blob under ``key``, or None."""

    def delete(self, key: str) -> None:
        """Remove ``key`` (nothing happens when it is absent)."""

    def describe(self) -> str:
        """Where the blobs are, for logs and messages (never a secret)."""

    def warm_up(self) -> None:
        """Make what the first request would make (a server calls it as it boots)."""


def check_key(key: str) -> str:
    """A relative, normalised POSIX path: no ``..``, no leading slash, no empty part."""
    if not key or "\\" in key or any(part in ("", ".", "..") for part in key.split("/")):
        raise StoreError(f"not a store key: {key!r}")
    return key


class LocalStore:
    """Blobs as files under ``root`` (``root/photos/<sha256>``...)."""

    def __init__(self, root: Path):
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    def put(self, key: str, data: bytes, content_type: str = "application/octet-stream") -> None:
        write_atomic(self._path(key), data)

    def create(self, key: str, data: bytes, content_type: str = "application/octet-stream") -> bool:
        return write_once(self._path(key), data)

    def get(self, key: str) -> bytes | None:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            return None

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def describe(self) -> str:
        return f"folder {self.root}"

    def warm_up(self) -> None:
        pass


class S3Store:
    """Blobs as objects ``<prefix>/<key>`` of one bucket on an S3-compatible server."""

    def __init__(
        self,
        bucket: str,
        prefix: str = "",
        *,
        endpoint: str = "",
        region: str = "",
        access_key_id: str = "",
        secret_access_key: str = "",
    ):
        if not bucket:
            raise StoreError("an s3:// store URL needs a bucket: s3://bucket/prefix")
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.endpoint = endpoint
        self.region = region
        self._credentials = (access_key_id, secret_access_key)
        self._client = None
        self._lock = threading.Lock()

    def client(self) -> Any:
        """One boto3 client per store, made on first use (boto3 clients are thread-safe)."""
        with self._lock:
            if self._client is None:
                import boto3
                from botocore.config import Config

                access, secret = self._credentials
                self._client = boto3.client(
                    "s3",
                    endpoint_url=self.endpoint or None,
                    region_name=self.region or None,
                    aws_access_key_id=access or None,
                    aws_secret_access_key=secret or None,
                    config=Config(
                        # Self-hosted servers answer on one host name: the bucket goes in the path.
                        s3={"addressing_style": "path" if self.endpoint else "auto"},
                        retries={"mode": "standard", "max_attempts": 4},
                        connect_timeout=5,
                        read_timeout=60,
                        max_pool_connections=32,
                        # The body's checksum only where S3 requires it: SigV4 already hashes it.
                        request_checksum_calculation="when_required",
                        response_checksum_validation="when_required",
                    ),
                )
            return self._client

    def _name(self, key: str) -> str:
        check_key(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    def put(self, key: str, data: bytes, content_type: str = "application/octet-stream") -> None:
        self.client().put_object(Bucket=self.bucket, Key=self._name(key), Body=data, ContentType=content_type)

    def create(self, key: str, data: bytes, content_type: str = "application/octet-stream") -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client().put_object(
                Bucket=self.bucket, Key=self._name(key), Body=data, ContentType=content_type, IfNoneMatch="*"
            )
        except ClientError as error:
            code = _error_code(error)
            if code in ("PreconditionFailed", "412", "ConditionalRequestConflict", "409"):
                return False  # someone wrote it first (or is writing it right now)
            raise
        return True

    def get(self, key: str) -> bytes | None:
        from botocore.exceptions import ClientError

        try:
            answer = self.client().get_object(Bucket=self.bucket, Key=self._name(key))
        except ClientError as error:
            if _error_code(error) in ("NoSuchKey", "404", "NotFound"):
                return None
            raise
        with answer["Body"] as body:
            data: bytes = body.read()
        return data

    def delete(self, key: str) -> None:
        self.client().delete_object(Bucket=self.bucket, Key=self._name(key))

    def warm_up(self) -> None:
        self.client()  # imports boto3 and builds its client (no request is sent)

    def describe(self) -> str:
        where = self.endpoint or "AWS S3"
        return f"s3://{self.bucket}/{self.prefix} at {where}"


def _error_code(error: Any) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def open_store(
    url: str,
    *,
    default_root: Path,
    endpoint: str = "",
    region: str = "",
    access_key_id: str = "",
    secret_access_key: str = "",
) -> Store:
    """The store a URL names (see the module's doc); an empty URL is ``default_root`` on this machine."""
    url = (url or "").strip()
    if not url:
        return LocalStore(default_root)
    parts = urlsplit(url)
    if parts.scheme == "s3":
        return S3Store(
            parts.netloc,
            unquote(parts.path),
            endpoint=endpoint,
            region=region,
            access_key_id=access_key_id,
            secret_access_key=secret_access_key,
        )
    if parts.scheme == "file":
        return LocalStore(Path(unquote(parts.path)))
    if parts.scheme == "":
        return LocalStore(Path(url))
    raise StoreError(f"unknown store URL {url!r}: use a folder, file:///folder or s3://bucket/prefix")
