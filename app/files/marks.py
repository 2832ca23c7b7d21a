"""Marking a chat attachment as a lab result, which puts it in the methodologists' queue, and taking the mark off."""

from datetime import datetime

import sqlalchemy as sa

from app import audit
from app.clock import utcnow
from app.extensions import db
from app.models import FileKind, StoredFile, User


def mark_on_sending(stored: StoredFile, author: User, at: datetime) -> None:
    """The sender said the attachment is a lab result; committed with the message that carries it."""
    if stored.kind == FileKind.CHAT_ATTACHMENT:
        stored.lab_result_marked_at = at
        stored.lab_result_marked_by = author


def set_lab_result_mark(stored: StoredFile, marked: bool, by: User, now: datetime | None = None) -> bool:
    """Mark or unmark a chat attachment the caller checked with can_mark_lab_result; True when the mark changed.

    A conditional UPDATE, so two tabs pressing at once change it (and the audit trail) once.
    """
    is_marked = StoredFile.lab_result_marked_at.is_not(None)
    values = {"lab_result_marked_at": now or utcnow(), "lab_result_marked_by_id": by.id}
    if not marked:
        values = {"lab_result_marked_at": None, "lab_result_marked_by_id": None}
    result = db.session.execute(
        sa.update(StoredFile)
        .where(
            StoredFile.id == stored.id, StoredFile.kind == FileKind.CHAT_ATTACHMENT, ~is_marked if marked else is_marked
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    db.session.refresh(stored)
    if result.rowcount != 1:
        return False
    audit.record("mark_lab_result" if marked else "unmark_lab_result", stored, stored.patient, by)
    return True
