"""Methodologist workspace pages."""

import sqlalchemy as sa
from flask import render_template
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models import FileKind, Role, StoredFile, User
from roles.methodologist import bp

QUEUE_SIZE = 100


@bp.get("/")
def dashboard():
    """The queue of files patients sent, as lab results or in chat, newest first (sorting arrives with its issue)."""
    # Files patients (or guardians) send in chat are often results too; what doctors send in chat is not.
    from_patients_in_chat = (StoredFile.kind == FileKind.CHAT_ATTACHMENT) & StoredFile.uploaded_by_id.in_(
        sa.select(User.id).where(User.role == Role.PATIENT)
    )
    files = db.session.scalars(
        sa.select(StoredFile)
        .where((StoredFile.kind == FileKind.LAB_RESULT) | from_patients_in_chat, StoredFile.deleted_at.is_(None))
        .options(joinedload(StoredFile.patient))
        .order_by(StoredFile.created_at.desc())
        .limit(QUEUE_SIZE)
    ).all()
    return render_template("methodologist/dashboard.html", files=files)
