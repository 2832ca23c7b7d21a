"""Storing uploads: check the bytes, stream them to the object store, then record the row (or undo the object)."""

import uuid
from dataclasses import dataclass
from typing import BinaryIO

from flask import current_app
from flask_babel import lazy_gettext as _l

from app import audit
from app.extensions import db
from app.models import FileKind, PatientProfile, StoredFile, User
from app.refusals import Refusal
from storage import get_store
from storage.checks import SNIFF_BYTES, TYPES, display_name, named_as, sniff

MIB = 1024 * 1024


class UploadRefused(Refusal):
    """An upload the clinic does not accept: 415 for a kind of file it does not take, unless said otherwise."""

    status = 415


class FileTooLarge(UploadRefused):
    """More bytes arrived (or are announced) than the kind allows."""

    def __init__(self, limit_mb: int) -> None:
        message = _l("The file is larger than %(mb)s MB, the limit for this kind of file.", mb=limit_mb)
        super().__init__("too_large", message, 413)


@dataclass(frozen=True)
class UploadPolicy:
    """Limits for one kind of file."""

    max_bytes: int
    max_mb: int
    types: tuple[str, ...]


def policy_for(kind: FileKind) -> UploadPolicy:
    """The configured size limit and allowed types of a kind."""
    mb = current_app.config["UPLOAD_LIMITS_MB"][kind.value]
    return UploadPolicy(max_bytes=mb * MIB, max_mb=mb, types=tuple(current_app.config["UPLOAD_TYPES"][kind.value]))


class LimitedReader:
    """Yields the already-read head, then the rest of the stream, refusing to go past the limit."""

    def __init__(self, head: bytes, stream: BinaryIO, policy: UploadPolicy) -> None:
        self._head = head
        self._stream = stream
        self._policy = policy
        self._seen = 0

    def read(self, n: int = -1) -> bytes:
        """Read up to n bytes; raise FileTooLarge as soon as the limit is crossed."""
        if self._head:
            chunk = self._head if n < 0 else self._head[:n]
            self._head = self._head[len(chunk) :]
        else:
            # Never ask the client stream for more than one byte past the limit.
            room = self._policy.max_bytes - self._seen + 1
            chunk = self._stream.read(room if n < 0 else min(n, room))
        self._seen += len(chunk)
        if self._seen > self._policy.max_bytes:
            raise FileTooLarge(self._policy.max_mb)
        return chunk


def _read_head(stream: BinaryIO) -> bytes:
    """The first bytes of the stream, enough to recognise the type (streams may return short reads)."""
    head = b""
    while len(head) < SNIFF_BYTES:
        chunk = stream.read(SNIFF_BYTES - len(head))
        if not chunk:
            break
        head += chunk
    return head


def _allowed_names(codes) -> str:
    """'PDF, JPEG' for messages."""
    return ", ".join(code.upper() for code in codes)


def store_upload(
    stream: BinaryIO,
    filename: str,
    kind: FileKind,
    patient: PatientProfile | None,
    uploaded_by: User,
    appointment_id: int | None = None,
    size: int | None = None,
) -> StoredFile:
    """Check, store and record one upload (audited when staff send it); on refusal or failure nothing remains,
    neither object nor row. `size` is the exact byte count when the request announced it."""
    policy = policy_for(kind)
    if size is not None and size > policy.max_bytes:
        raise FileTooLarge(policy.max_mb)
    name = display_name(filename)
    head = _read_head(stream)
    if not head:
        raise UploadRefused("empty", _l("The file is empty."), 400)
    file_type = sniff(head)
    if file_type is None or file_type.code not in policy.types:
        raise UploadRefused(
            "not_accepted",
            _l("This kind of file is not accepted here. Send %(types)s.", types=_allowed_names(policy.types)),
        )
    # The bytes decide what the file is, whatever its name or Content-Type claimed; the name follows them.
    name = named_as(name, file_type)
    key = f"{kind.value}/{uuid.uuid4().hex}"
    store = get_store()
    result = store.put(key, LimitedReader(head, stream, policy), file_type.content_type, size=size)
    row = StoredFile(
        object_key=key,
        original_name=name,
        content_type=file_type.content_type,
        size=result.size,
        sha256=result.sha256,
        kind=kind,
        patient=patient,
        appointment_id=appointment_id,
        uploaded_by=uploaded_by,
    )
    try:
        db.session.add(row)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        store.delete(key)
        raise
    audit.record("upload_file", row, patient, uploaded_by)
    return row


def download_name(stored: StoredFile) -> str:
    """The name a download carries: as uploaded, with the extension of its stored type (files stored before names
    followed the bytes may still say "report.html")."""
    file_type = next((t for t in TYPES.values() if t.content_type == stored.content_type), None)
    return stored.original_name if file_type is None else named_as(stored.original_name, file_type)


def download_url(stored: StoredFile, as_attachment: bool) -> str:
    """A short-lived link to the file's bytes, named as uploaded with the extension of its type."""
    return get_store().url(
        stored.object_key,
        filename=download_name(stored),
        content_type=stored.content_type,
        inline=not as_attachment,
        expires=current_app.config["STORAGE_LINK_SECONDS"],
    )
