"""Methodologist workspace pages."""

import sqlalchemy as sa
from flask import render_template
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models import FileKind, StoredFile
from roles.methodologist import bp

QUEUE_SIZE = 100


@bp.get("/")
def dashboard():
    """The queue of lab files patients sent, newest first (sorting and annotation arrive with their issue)."""
    files = db.session.scalars(
        sa.select(StoredFile)
        .where(StoredFile.kind == FileKind.LAB_RESULT, StoredFile.deleted_at.is_(None))
        .options(joinedload(StoredFile.patient))
        .order_by(StoredFile.created_at.desc())
        .limit(QUEUE_SIZE)
    ).all()
    return render_template("methodologist/dashboard.html", files=files)
