"""A directory of files with signed, expiring links: the embedded default, with presigned-URL semantics."""

import os
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

from flask import current_app, has_request_context, url_for
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from storage.base import (
    HashingReader,
    ObjectInfo,
    ObjectNotFound,
    ObjectStore,
    PutResult,
    StorageError,
    StorageUnavailable,
)

CHUNK = 256 * 1024
LINK_SALT = "storage.local.download"


class ClockSigner(TimestampSigner):
    """A timestamp signer that reads the time from the clock it is given."""

    def __init__(self, *args, clock: Callable[[], float], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.clock = clock

    def get_timestamp(self) -> int:
        """The clock's time, in whole seconds as itsdangerous stamps it."""
        return int(self.clock())


def link_serializer(clock: Callable[[], float] = time.time) -> URLSafeTimedSerializer:
    """Signs download links with the app's secret key, stamped with the clock's time of issue."""
    return URLSafeTimedSerializer(
        current_app.config["SECRET_KEY"], salt=LINK_SALT, signer=ClockSigner, signer_kwargs={"clock": clock}
    )


class LocalStore(ObjectStore):
    """Objects as files under one directory; keys are random, so they map to paths safely."""

    name = "local"

    def __init__(self, root: str, clock: Callable[[], float] = time.time) -> None:
        self.root = Path(root)
        # When links are issued; tests set an earlier one to get an expired link without waiting for it to expire.
        self.clock = clock

    def _path(self, key: str) -> Path:
        """The file of a key; refuses keys that would leave the root."""
        path = (self.root / key).resolve()
        if self.root.resolve() not in path.parents:
            raise ObjectNotFound(key)
        return path

    def put(self, key: str, stream: BinaryIO, content_type: str, size: int | None = None) -> PutResult:
        """Write to a temporary file beside the target, then rename: readers never see half a file."""
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageUnavailable(f"cannot create {path.parent}: {exc.strerror}") from exc
        reader = HashingReader(stream)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as out:
                while chunk := reader.read(CHUNK):
                    out.write(chunk)
            if size is not None and reader.size != size:
                raise StorageError(f"the upload held {reader.size} bytes, not the {size} announced")
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return reader.result()

    def open(self, key: str) -> Iterator[bytes]:
        """Stream the file in chunks."""
        path = self._path(key)
        if not path.is_file():
            raise ObjectNotFound(key)

        def chunks():
            with path.open("rb") as fh:
                while chunk := fh.read(CHUNK):
                    yield chunk

        return chunks()

    def head(self, key: str) -> ObjectInfo:
        """Size from the file system; the type is what the app recorded, so report a neutral one."""
        path = self._path(key)
        if not path.is_file():
            raise ObjectNotFound(key)
        return ObjectInfo(size=path.stat().st_size, content_type="application/octet-stream")

    def delete(self, key: str) -> None:
        """Remove the file if present."""
        self._path(key).unlink(missing_ok=True)

    def url(self, key: str, filename: str, content_type: str, inline: bool, expires: int) -> str:
        """A link to the app's own download route, signed and stamped with the time it was issued."""
        token = link_serializer(self.clock).dumps(
            {"k": key, "f": filename, "t": content_type, "i": inline, "e": expires}
        )
        if has_request_context():
            return url_for("files.local_download", token=token)
        # Outside a request (CLI, background jobs) build the path from the URL map directly.
        adapter = current_app.url_map.bind("", script_name=current_app.config["APPLICATION_ROOT"])
        return adapter.build("files.local_download", {"token": token})

    def check(self) -> None:
        """The directory exists (or can be made) and is writable."""
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageUnavailable(f"cannot create {self.root}: {exc.strerror}") from exc
        if not os.access(self.root, os.W_OK):
            raise StorageUnavailable(f"{self.root} is not writable")

    def ensure_ready(self) -> str:
        """Create the directory, readable by the app's user only."""
        self.root.mkdir(parents=True, exist_ok=True)
        self.root.chmod(0o700)
        return f"local directory {self.root} ready (mode 700)"
