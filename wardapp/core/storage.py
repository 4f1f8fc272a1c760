"""Where photos and PDFs live: one interface, two backends (a local folder, S3-compatible storage).

A store holds named blobs (keys like ``photos/<sha256>``). Both backends give the same promises:
a reader sees a whole blob or none; ``create`` writes a blob only if its key is free, even when
two servers race (content-addressed files and first-come files rely on it); ``put`` replaces.

- ``LocalStore``: a folder on this machine (the default, for one server). Writes go through a
  temporary file and a rename (``core/files.py``).
- ``S3Store``: a bucket of any S3-compatible server (AWS S3, SeaweedFS, MinIO, Ceph...), for
  several servers side by side and photos by the terabyte. ``create`` is a conditional PUT
  (``If-None-Match: *``), which the server decides atomically. On a self-hosted server (an
  endpoint and keys given) writes are plain signed PUTs (``SignedPut``, AWS Signature Version 4)
  on a kept-alive connection per thread: boto3 spent about 2 ms of CPU on each, which was a
  quarter of the intake's CPU per push (docs/PERFORMANCE.md). Everything else goes through boto3.

``open_store(url, ...)`` picks the backend from a URL: empty or a path or ``file:///...`` → local;
``s3://bucket/prefix`` → S3 (endpoint, region and credentials given beside it; without
credentials boto3 looks in its usual places: ``AWS_ACCESS_KEY_ID``..., ``~/.aws``, an instance role).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import http.client
import os
import re
import shutil
import ssl
import threading
import time
import weakref
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote, unquote, urlsplit

from wardapp.core.files import write_atomic, write_once


class StoreError(ValueError):
    """A store URL or key that cannot be used (stops the app at start-up, or refuses the key)."""


class Store(Protocol):
    def put(self, key: str, data: bytes, content_type: str = "application/octet-stream") -> None:
        """Write ``data`` under ``key``, replacing what was there."""

    def create(
        self, key: str, data: bytes, content_type: str = "application/octet-stream", *, sha256: str | None = None
    ) -> bool:
        """Write ``data`` under ``key`` unless the key exists; True when this call wrote it.
        ``sha256``: the data's SHA-256 (hex) when the caller has already computed it (a store that
        signs or checks the body's hash uses it instead of hashing the data again)."""

    def get(self, key: str) -> bytes | None:
        """The blob under ``key``, or None."""

    def delete(self, key: str) -> None:
        """Remove ``key`` (nothing happens when it is absent)."""

    def copy_to(self, key: str, target: Path) -> bool:
        """Write the blob under ``key`` to the file ``target`` block by block, never whole in
        memory (an archival package of a year); False when there is no such blob."""

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

    def create(
        self, key: str, data: bytes, content_type: str = "application/octet-stream", *, sha256: str | None = None
    ) -> bool:
        return write_once(self._path(key), data)

    def get(self, key: str) -> bytes | None:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            return None

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def copy_to(self, key: str, target: Path) -> bool:
        """A hard link when ``target`` is on the store's disk (no copy at all), else a copy."""
        source = self._path(key)
        if not source.is_file():
            return False
        try:
            os.link(source, target)
        except OSError:
            shutil.copyfile(source, target)
        return True

    def describe(self) -> str:
        return f"folder {self.root}"

    def warm_up(self) -> None:
        pass


def signing_time() -> dt.datetime:
    """The moment a request is signed at (the server refuses one 15 minutes off its own clock)."""
    return dt.datetime.now(dt.UTC)


class SignedPut:
    """PUT an object on a self-hosted S3 server, signed with AWS Signature Version 4, path-style
    (``<endpoint>/<bucket>/<name>``), the body's SHA-256 signed too. Connections are kept alive
    and reused (a request takes an idle one or opens one, and gives it back); a request is sent
    again on a fresh connection when a kept one was closed by the server, and after a 5xx (up to
    ``ATTEMPTS`` times, as boto3's standard retries). Refusals raise botocore's ``ClientError``
    with the server's error code, as boto3 would."""

    ATTEMPTS = 4

    def __init__(self, endpoint: str, region: str, access_key_id: str, secret_access_key: str):
        parts = urlsplit(endpoint)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise StoreError(f"not an S3 endpoint URL: {endpoint!r}")
        self.https = parts.scheme == "https"
        self.host, self.port = parts.hostname, parts.port or (443 if self.https else 80)
        self.host_header = parts.netloc
        self.region = region or "us-east-1"
        self.access_key_id = access_key_id
        self._secret = secret_access_key
        self._idle: list[http.client.HTTPConnection] = []
        self._idle_lock = threading.Lock()
        # Idle connections are closed with the store (a socket left to the garbage collector warns).
        weakref.finalize(self, _close_all, self._idle)
        self._keys: dict[str, bytes] = {}  # the day's signing key, by date

    def put(
        self, bucket: str, name: str, data: bytes, content_type: str, *, if_none_match: bool, sha256: str | None = None
    ) -> None:
        """``sha256``: the body's SHA-256 if the caller has it (the server checks it against the body)."""
        path = "/" + quote(bucket, safe="") + "/" + quote(name, safe="/~")
        body_sha256 = sha256 or hashlib.sha256(data).hexdigest()
        for attempt in range(self.ATTEMPTS):
            headers = self._signed(path, body_sha256, len(data), content_type, if_none_match)
            try:
                status, body = self._send(path, data, headers)
            except (ConnectionError, http.client.HTTPException, TimeoutError):
                # A kept-alive connection the server had closed, or a reset: again, on a new one.
                if attempt + 1 == self.ATTEMPTS:
                    raise
                continue
            if status < 300:
                return
            if status >= 500 and attempt + 1 < self.ATTEMPTS:
                time.sleep(0.05 * 2**attempt)
                continue
            raise _client_error(status, body)

    def _send(self, path: str, data: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        with self._idle_lock:
            connection = self._idle.pop() if self._idle else None
        if connection is None:
            connection = (
                http.client.HTTPSConnection(self.host, self.port, timeout=60, context=_tls_context())
                if self.https
                else http.client.HTTPConnection(self.host, self.port, timeout=60)
            )
        try:
            connection.request("PUT", path, body=data, headers=headers)
            response = connection.getresponse()
            body = response.read()
        except BaseException:
            connection.close()
            raise
        if response.will_close:
            connection.close()
        else:
            with self._idle_lock:
                self._idle.append(connection)
        return response.status, body

    def _signed(
        self, path: str, body_sha256: str, length: int, content_type: str, if_none_match: bool
    ) -> dict[str, str]:
        now = signing_time()
        stamp, day = now.strftime("%Y%m%dT%H%M%SZ"), now.strftime("%Y%m%d")
        headers = {
            "content-type": content_type,
            "host": self.host_header,
            "x-amz-content-sha256": body_sha256,
            "x-amz-date": stamp,
        }
        if if_none_match:
            headers["if-none-match"] = "*"
        names = sorted(headers)
        canonical = "\n".join(
            [
                "PUT",
                path,
                "",  # no query string
                *(f"{name}:{headers[name]}" for name in names),
                "",
                ";".join(names),
                headers["x-amz-content-sha256"],
            ]
        )
        scope = f"{day}/{self.region}/s3/aws4_request"
        to_sign = f"AWS4-HMAC-SHA256\n{stamp}\n{scope}\n{hashlib.sha256(canonical.encode()).hexdigest()}"
        signature = hmac.new(self._key(day), to_sign.encode(), hashlib.sha256).hexdigest()
        headers["authorization"] = (
            f"AWS4-HMAC-SHA256 Credential={self.access_key_id}/{scope}, "
            f"SignedHeaders={';'.join(names)}, Signature={signature}"
        )
        headers["content-length"] = str(length)
        return headers

    def _key(self, day: str) -> bytes:
        key = self._keys.get(day)
        if key is None:
            key = ("AWS4" + self._secret).encode()
            for part in (day, self.region, "s3", "aws4_request"):
                key = hmac.new(key, part.encode(), hashlib.sha256).digest()
            self._keys = {day: key}
        return key


def _tls_context() -> ssl.SSLContext:
    """The system's CAs, or ``AWS_CA_BUNDLE`` when set (as boto3 reads it for the same server)."""
    return ssl.create_default_context(cafile=os.environ.get("AWS_CA_BUNDLE") or None)


def _close_all(connections: list[http.client.HTTPConnection]) -> None:
    for connection in connections:
        connection.close()


def _client_error(status: int, body: bytes) -> Exception:
    from botocore.exceptions import ClientError

    found = re.search(rb"<Code>([^<]{1,100})</Code>", body)
    code = found.group(1).decode("ascii", "replace") if found else str(status)
    message = re.search(rb"<Message>([^<]{0,300})</Message>", body)
    error = {"Code": code, "Message": message.group(1).decode("utf-8", "replace") if message else ""}
    refused: Exception = ClientError({"Error": error, "ResponseMetadata": {"HTTPStatusCode": status}}, "PutObject")
    return refused


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
        lean_writes: bool = True,
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
        # Writes without boto3 where the server is self-hosted and the keys are given (boto3 keeps
        # AWS S3 itself: its endpoints, its credential chain).
        self.signed_put = (
            SignedPut(endpoint, region, access_key_id, secret_access_key)
            if endpoint and access_key_id and secret_access_key and lean_writes
            else None
        )

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
        if self.signed_put is not None:
            self.signed_put.put(self.bucket, self._name(key), data, content_type, if_none_match=False)
            return
        self.client().put_object(Bucket=self.bucket, Key=self._name(key), Body=data, ContentType=content_type)

    def create(
        self, key: str, data: bytes, content_type: str = "application/octet-stream", *, sha256: str | None = None
    ) -> bool:
        from botocore.exceptions import ClientError

        try:
            if self.signed_put is not None:
                self.signed_put.put(self.bucket, self._name(key), data, content_type, if_none_match=True, sha256=sha256)
            else:
                self.client().put_object(
                    Bucket=self.bucket, Key=self._name(key), Body=data, ContentType=content_type, IfNoneMatch="*"
                )
        except ClientError as error:
            code = _error_code(error)
            if code in ("PreconditionFailed", "412", "ConditionalRequestConflict", "409"):
                return False  # someone wrote it first (or is writing it right now)
            raise
        return True

    def _body(self, key: str) -> Any | None:
        """The object's body (botocore's StreamingBody, to be closed), or None where there is none."""
        from botocore.exceptions import ClientError

        try:
            return self.client().get_object(Bucket=self.bucket, Key=self._name(key))["Body"]
        except ClientError as error:
            if _error_code(error) in ("NoSuchKey", "404", "NotFound"):
                return None
            raise

    def get(self, key: str) -> bytes | None:
        body = self._body(key)
        if body is None:
            return None
        with body as stream:
            data: bytes = stream.read()
        return data

    def delete(self, key: str) -> None:
        self.client().delete_object(Bucket=self.bucket, Key=self._name(key))

    def copy_to(self, key: str, target: Path) -> bool:
        body = self._body(key)  # its ``with`` yields the raw stream: closed by hand below
        if body is None:
            return False
        try:
            with target.open("wb") as out:
                for block in body.iter_chunks(1 << 20):
                    out.write(block)
        finally:
            body.close()
        return True

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
