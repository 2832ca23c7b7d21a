"""The object-store interface every backend implements."""

import hashlib
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

READ_PIECE = 1024 * 1024


class StorageError(Exception):
    """Base of storage failures."""


class StorageUnavailable(StorageError):
    """The storage server cannot be reached or refuses our credentials."""


class ObjectNotFound(StorageError):
    """No object under that key."""


@dataclass(frozen=True)
class PutResult:
    """What was stored: the byte count and SHA-256 of exactly those bytes."""

    size: int
    sha256: str


@dataclass(frozen=True)
class ObjectInfo:
    """Metadata of a stored object."""

    size: int
    content_type: str


class HashingReader:
    """Wraps a stream, counting and hashing the bytes as they are read, so nothing is read twice."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self._hash = hashlib.sha256()
        self.size = 0

    def read(self, n: int = -1) -> bytes:
        """Read n bytes (fewer only at the end), updating size and hash.

        Request bodies may return short reads; s3transfer takes a short read for the end of the file, so this
        keeps reading until n bytes arrived or the stream is exhausted.
        """
        if n is None or n < 0:
            chunk = self._stream.read()
        else:
            parts, wanted = [], n
            while wanted > 0:
                # Ask for at most 1 MiB at a time so the server's own read buffers stay small.
                part = self._stream.read(min(wanted, READ_PIECE))
                if not part:
                    break
                parts.append(part)
                wanted -= len(part)
            chunk = b"".join(parts)
        self._hash.update(chunk)
        self.size += len(chunk)
        return chunk

    def result(self) -> PutResult:
        """Size and digest of everything read so far."""
        return PutResult(size=self.size, sha256=self._hash.hexdigest())


def content_disposition(filename: str, inline: bool) -> str:
    """An RFC 6266 header value that survives non-ASCII (Cyrillic) names."""
    from urllib.parse import quote

    fallback = filename.encode("ascii", "replace").decode().replace("?", "_").replace('"', "_")
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


class ObjectStore(ABC):
    """Put, read, inspect, delete objects by key and hand out short-lived download links."""

    name: str

    @abstractmethod
    def put(self, key: str, stream: BinaryIO, content_type: str, size: int | None = None) -> PutResult:
        """Store the stream under `key`, reading it once; on any error nothing remains under `key`.

        `size`, when the caller knows it (a request's Content-Length), is exactly how many bytes the stream holds;
        a stream that ends sooner or runs longer is a StorageError.
        """

    @abstractmethod
    def open(self, key: str) -> Iterator[bytes]:
        """The object's bytes, in chunks."""

    @abstractmethod
    def head(self, key: str) -> ObjectInfo:
        """Size and content type, or ObjectNotFound."""

    @abstractmethod
    def delete(self, key: str) -> None:
        """Remove the object; removing a missing object is not an error."""

    @abstractmethod
    def url(self, key: str, filename: str, content_type: str, inline: bool, expires: int) -> str:
        """A link that downloads the object for `expires` seconds, with the given name and disposition."""

    @abstractmethod
    def check(self) -> None:
        """Raise StorageUnavailable with the reason when the store cannot serve requests."""

    @abstractmethod
    def ensure_ready(self) -> str:
        """Create the bucket or directory if missing and make sure it is private; returns what was done."""
