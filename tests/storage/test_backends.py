"""The ObjectStore interface, on the local backend and on Ceph RGW alike."""

import hashlib
import io
import os

import pytest

from storage import ObjectNotFound, StorageError
from tests.storage.conftest import stored_keys
from tests.storage.helpers import fetch, tamper


def test_put_get_head_delete_round_trip(store):
    """Bytes, size and SHA-256 survive the round trip; a deleted object is gone."""
    data = os.urandom(300_000)
    result = store.put("lab_result/roundtrip", io.BytesIO(data), "application/pdf")
    assert result.size == len(data)
    assert result.sha256 == hashlib.sha256(data).hexdigest()
    assert store.head("lab_result/roundtrip").size == len(data)
    assert b"".join(store.open("lab_result/roundtrip")) == data
    store.delete("lab_result/roundtrip")
    with pytest.raises(ObjectNotFound):
        store.head("lab_result/roundtrip")
    store.delete("lab_result/roundtrip")  # deleting twice is not an error


@pytest.mark.parametrize("announced", [False, True], ids=["size unknown", "size announced"])
def test_large_upload_is_streamed_in_parts(store, announced):
    """A 20 MB file arrives intact, read from a stream that cannot seek: in parts when its size is unknown, in one
    streamed request when the request announced it."""

    class OneWay(io.RawIOBase):
        """A non-seekable stream, like a request body."""

        def __init__(self, payload):
            self._inner = io.BytesIO(payload)

        def readable(self):
            return True

        def readinto(self, buffer):
            chunk = self._inner.read(min(len(buffer), 64 * 1024))
            buffer[: len(chunk)] = chunk
            return len(chunk)

    data = os.urandom(20 * 1024 * 1024)
    size = len(data) if announced else None
    result = store.put("lab_result/large", io.BufferedReader(OneWay(data)), "application/pdf", size=size)
    assert (result.size, result.sha256) == (len(data), hashlib.sha256(data).hexdigest())
    assert hashlib.sha256(b"".join(store.open("lab_result/large"))).hexdigest() == result.sha256


@pytest.mark.parametrize("announced", [False, True], ids=["size unknown", "size announced"])
def test_failed_stream_leaves_no_object(store, announced):
    """When the incoming stream breaks mid-way, its own error is raised (not a storage outage) and nothing is left
    under the key."""

    class Broken(io.RawIOBase):
        """Gives 9 MB, then fails like a dropped connection."""

        sent = 0

        def readable(self):
            return True

        def readinto(self, buffer):
            if self.sent > 9 * 1024 * 1024:
                raise ConnectionResetError("client went away")
            n = min(len(buffer), 1024 * 1024)
            buffer[:n] = b"x" * n
            self.sent += n
            return n

    before = stored_keys(store)
    size = 20 * 1024 * 1024 if announced else None
    with pytest.raises(ConnectionResetError):
        store.put("lab_result/broken", io.BufferedReader(Broken()), "application/pdf", size=size)
    assert stored_keys(store) == before


@pytest.mark.parametrize("actual", [6 * 1024 * 1024 - 1, 6 * 1024 * 1024 + 1], ids=["shorter", "longer"])
def test_stream_unlike_its_announced_size_leaves_no_object(store, actual):
    """A stream that ends before the size its request announced, or runs past it, is refused and nothing is kept."""
    before = stored_keys(store)
    with pytest.raises(StorageError, match="announced"):
        store.put("lab_result/mismatch", io.BytesIO(os.urandom(actual)), "application/pdf", size=6 * 1024 * 1024)
    assert stored_keys(store) == before


def test_download_link_works_then_expires(client, store, backdate_links):
    """A link serves the bytes with the given name and disposition, and is refused once its lifetime is over."""
    data = b"%PDF-1.7 test document"
    store.put("document/link", io.BytesIO(data), "application/pdf")
    url = store.url("document/link", "Заключение врача.pdf", "application/pdf", inline=False, expires=2)
    fetched = fetch(client, url)
    assert fetched.status == 200 and fetched.body == data
    disposition = fetched.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''%D0%97%D0%B0%D0%BA%D0%BB" in disposition
    assert fetched.headers["Content-Type"] == "application/pdf"
    backdate_links(60)  # the same link issued a minute ago: its two seconds are over, with no waiting
    expired = store.url("document/link", "Заключение врача.pdf", "application/pdf", inline=False, expires=2)
    assert fetch(client, expired).status == 403
    # The lifetime counts from the time of issue: a minute-old link that lives two minutes still works.
    still_valid = store.url("document/link", "Заключение врача.pdf", "application/pdf", inline=False, expires=120)
    assert fetch(client, still_valid).status == 200


def test_inline_link_and_tampered_link(client, store):
    """Inline links say so; changing a single character of the signature gets 403."""
    store.put("lab_result/photo", io.BytesIO(b"\x89PNG\r\n\x1a\nimage"), "image/png")
    url = store.url("lab_result/photo", "photo.png", "image/png", inline=True, expires=60)
    assert fetch(client, url).headers["Content-Disposition"].startswith("inline;")
    assert fetch(client, tamper(url)).status == 403


def test_check_passes_on_a_ready_store(store):
    """A healthy store passes its check."""
    store.check()


@pytest.mark.parametrize("announced", [False, True], ids=["size unknown", "size announced"])
def test_short_reads_are_stored_whole(store, announced):
    """A request body that returns fewer bytes than asked (as sockets do) is stored whole, not cut short."""

    class Dribble:
        """Returns at most 64 KB per read."""

        def __init__(self, payload):
            self._inner = io.BytesIO(payload)

        def read(self, n=-1):
            return self._inner.read(min(64 * 1024, n if n >= 0 else 64 * 1024))

    data = os.urandom(12 * 1024 * 1024 + 123)
    size = len(data) if announced else None
    result = store.put("lab_result/dribble", Dribble(data), "application/pdf", size=size)
    assert result.size == len(data)
    assert b"".join(store.open("lab_result/dribble")) == data
