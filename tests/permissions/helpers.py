"""Rows the permission tests build beyond the shared factories."""

import uuid
from datetime import UTC, datetime

from app.extensions import db as _db
from app.models import FileKind, PatientProfile, StoredFile, User


def stored_file(kind: FileKind, patient: PatientProfile | None, by: User | None, appointment=None, deleted=False):
    """A stored file's row (the permission rules read only the row, never the bytes)."""
    row = StoredFile(
        object_key=f"{kind.value}/{uuid.uuid4().hex}",
        original_name=f"{kind.value}.pdf",
        content_type="application/pdf",
        size=1,
        sha256="0" * 64,
        kind=kind,
        patient=patient,
        appointment=appointment,
        uploaded_by=by,
        deleted_at=datetime.now(UTC) if deleted else None,
    )
    _db.session.add(row)
    _db.session.commit()
    return row
