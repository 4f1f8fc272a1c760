"""The photo and PDF store (core/storage.py): one contract, kept by the local folder and by a real
S3 server (SeaweedFS on 127.0.0.1)."""

from __future__ import annotations

import secrets
import threading
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from wardapp.core.storage import LocalStore, S3Store, StoreError, open_store


@pytest.fixture(params=["local", "s3", "s3-boto3-writes"])
def store(request, tmp_path):
    """The folder, S3 as the intake uses it on a self-hosted server (writes as signed PUTs of its
    own, reads through boto3), and S3 with every write through boto3 (as on AWS S3 itself)."""
    if request.param == "local":
        return LocalStore(tmp_path / "blobs")
    s3 = request.getfixturevalue("s3_server")
    settings = s3.settings(s3.bucket, prefix=f"contract-{secrets.token_hex(6)}")
    store = open_store(
        settings["STORE_URL"],
        default_root=tmp_path,
        endpoint=settings["STORE_ENDPOINT"],
        region=settings["STORE_REGION"],
        access_key_id=settings["STORE_ACCESS_KEY_ID"],
        secret_access_key=settings["STORE_SECRET_ACCESS_KEY"],
    )
    assert isinstance(store, S3Store) and store.signed_put is not None
    if request.param == "s3-boto3-writes":
        store.signed_put = None
    return store


def signed_put_store(s3_server, name: str) -> S3Store:
    """A store on the test server writing with its own signed PUTs, under a prefix of its own."""
    return S3Store(
        s3_server.bucket,
        f"{name}-{secrets.token_hex(4)}",
        endpoint=s3_server.endpoint,
        region=s3_server.REGION,
        access_key_id=s3_server.access_key,
        secret_access_key=s3_server.secret_key,
    )


def test_what_the_signed_put_writes_is_read_back_whole_by_boto3_with_its_type(s3_server):
    """The intake's own signed PUT and boto3 agree: the bytes, the content type, and a key with
    characters a URL must escape."""
    store = signed_put_store(s3_server, "signed")
    data = secrets.token_bytes(300_000)
    assert store.create("rendered/20242_2026-11-21_r1 bản.pdf", data, "application/pdf") is True
    answer = store.client().get_object(Bucket=store.bucket, Key=store._name("rendered/20242_2026-11-21_r1 bản.pdf"))
    assert answer["Body"].read() == data and answer["ContentType"] == "application/pdf"
    for _ in range(3):  # on the kept-alive connection
        store.put("thumbs/a.jpg", data[:1000], "image/jpeg")
    assert store.get("thumbs/a.jpg") == data[:1000]


def test_a_write_given_its_hash_by_the_caller_stores_the_body_whole(s3_server):
    """The intake hands over the photo's SHA-256 it has just verified, so the signed PUT does not
    hash the photo again. (AWS S3 compares the signed hash with the body; SeaweedFS does not, so
    the caller's hash must be the body's: the intake's comes from ``verify``.)"""
    import hashlib

    store = signed_put_store(s3_server, "hashed")
    data = secrets.token_bytes(300_000)
    assert store.create("photos/a", data, "image/jpeg", sha256=hashlib.sha256(data).hexdigest()) is True
    assert store.get("photos/a") == data
    assert store.create("photos/a", data, "image/jpeg", sha256=hashlib.sha256(data).hexdigest()) is False


def test_it_gives_back_what_was_put_and_nothing_for_an_unknown_key(store):
    data = secrets.token_bytes(300_000)

    store.put("photos/abc", data, "image/jpeg")

    assert store.get("photos/abc") == data
    assert store.get("photos/abd") is None


def test_put_replaces_and_delete_removes(store):
    store.put("rendered/20242_2026-11-21_r1.pdf", b"%PDF-1 old")
    store.put("rendered/20242_2026-11-21_r1.pdf", b"%PDF-1 new")
    assert store.get("rendered/20242_2026-11-21_r1.pdf") == b"%PDF-1 new"

    store.delete("rendered/20242_2026-11-21_r1.pdf")
    store.delete("rendered/never-there.pdf")

    assert store.get("rendered/20242_2026-11-21_r1.pdf") is None


def test_copy_to_writes_the_blob_to_a_file_and_says_when_there_is_none(store, tmp_path):
    data = secrets.token_bytes(3 * 1024 * 1024 + 17)  # more than one block of the copy
    store.put("pdfs/a.pdf", data, "application/pdf")

    assert store.copy_to("pdfs/a.pdf", tmp_path / "a.pdf") is True
    assert (tmp_path / "a.pdf").read_bytes() == data
    assert store.copy_to("pdfs/missing.pdf", tmp_path / "missing.pdf") is False
    assert not (tmp_path / "missing.pdf").exists()


def test_create_writes_once_and_keeps_the_first_content(store):
    assert store.create("pdfs/a.pdf", b"first") is True
    assert store.create("pdfs/a.pdf", b"second") is False
    assert store.get("pdfs/a.pdf") == b"first"


def test_of_many_writers_racing_for_one_key_exactly_one_wins_and_its_content_is_whole(store):
    contents = [bytes([n]) * 200_000 for n in range(8)]
    results = [None] * len(contents)
    start = threading.Barrier(len(contents))

    def write(n: int) -> None:
        start.wait()
        results[n] = store.create("photos/raced", contents[n])

    threads = [threading.Thread(target=write, args=(n,)) for n in range(len(contents))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert results.count(True) == 1
    assert store.get("photos/raced") == contents[results.index(True)]


@pytest.mark.parametrize("key", ["../secret", "/etc/passwd", "photos/../../x", "photos//x", "", "photos\\x", "./x"])
def test_it_refuses_a_key_that_is_not_a_plain_relative_path(store, key):
    with pytest.raises(StoreError):
        store.put(key, b"x")
    with pytest.raises(StoreError):
        store.get(key)


def test_local_writes_leave_no_temporary_file_behind(tmp_path):
    store = LocalStore(tmp_path)
    store.put("thumbs/a.jpg", b"one")
    store.create("photos/a", b"two")
    store.create("photos/a", b"three")

    assert sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file()) == [
        "photos/a",
        "thumbs/a.jpg",
    ]


def test_the_s3_server_refuses_wrong_credentials(s3_server, tmp_path):
    """The store really signs its requests: a wrong secret is refused, not silently ignored."""
    store = S3Store(
        s3_server.bucket,
        "contract-wrong-key",
        endpoint=s3_server.endpoint,
        region=s3_server.REGION,
        access_key_id=s3_server.access_key,
        secret_access_key="not-the-secret",
    )
    with pytest.raises(ClientError) as refused:
        store.put("photos/x", b"x")
    assert refused.value.response["Error"]["Code"] == "SignatureDoesNotMatch"
    store.signed_put = None  # and through boto3
    with pytest.raises(ClientError):
        store.put("photos/x", b"x")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("", ("local", "/srv/default")),
        ("/var/lib/wardapp-city", ("local", "/var/lib/wardapp-city")),
        ("file:///mnt/anh%20chup", ("local", "/mnt/anh chup")),
        ("s3://wardapp-city/prod", ("s3", "wardapp-city", "prod")),
        ("s3://wardapp-city", ("s3", "wardapp-city", "")),
    ],
)
def test_the_store_url_names_the_backend(url, expected):
    store = open_store(url, default_root=Path("/srv/default"), endpoint="http://127.0.0.1:1")
    if expected[0] == "local":
        assert isinstance(store, LocalStore) and store.root == Path(expected[1])
    else:
        assert isinstance(store, S3Store) and (store.bucket, store.prefix) == expected[1:]


@pytest.mark.parametrize("url", ["ftp://host/x", "s3:///no-bucket", "https://bucket.example/x"])
def test_an_unusable_store_url_stops_the_app_with_a_message(url):
    with pytest.raises(StoreError):
        open_store(url, default_root=Path("/srv"))
