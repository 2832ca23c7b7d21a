"""Methodologist workspace pages."""

import sqlalchemy as sa
from flask import render_template
from flask_login import current_user
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models import StoredFile
from app.permissions import visible_files
from roles.methodologist import bp

QUEUE_SIZE = 100


@bp.get("/")
def dashboard():
    """The queue of lab results (uploads, and chat files marked as results), newest first; sorting comes later."""
    # The same condition decides who may open each file, so the queue lists exactly what its links open.
    files = db.session.scalars(
        sa.select(StoredFile)
        .where(visible_files(current_user))
        .options(joinedload(StoredFile.patient))
        .order_by(StoredFile.created_at.desc())
        .limit(QUEUE_SIZE)
    ).all()
    return render_template("methodologist/dashboard.html", files=files)
