"""The doctor marks a chat attachment of their own appointment as a lab result, or takes the mark off."""

import sqlalchemy as sa
from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.extensions import db
from app.files.marks import set_lab_result_mark
from app.models import StoredFile
from app.permissions import get_markable_file_or_404, markable_files
from app.urls import safe_next
from chat.rooms import announce_lab_mark
from roles.doctor import bp
from roles.doctor.forms import LabResultMarkForm


def markable_ids(files: list[StoredFile]) -> set[int]:
    """Of the listed files, those the doctor may mark or unmark (the file lists show the action only on these)."""
    if not files:
        return set()
    wanted = [stored.id for stored in files]
    return set(
        db.session.scalars(sa.select(StoredFile.id).where(StoredFile.id.in_(wanted), markable_files(current_user)))
    )


@bp.post("/files/<file_id>/lab-result")
def mark_lab_result(file_id):
    """Mark or unmark a chat attachment as a lab result; audited, and the chat it was sent in sees the change."""
    stored = get_markable_file_or_404(file_id, current_user)
    form = LabResultMarkForm()
    if not form.validate_on_submit():
        abort(400)
    marked = form.marked.data == "1"
    if set_lab_result_mark(stored, marked, current_user):
        announce_lab_mark(stored)
    if marked:
        flash(
            _("%(name)s is marked as a test result: the methodologist sees it.", name=stored.original_name), "success"
        )
    else:
        flash(_("%(name)s is no longer marked as a test result.", name=stored.original_name), "success")
    return redirect(safe_next(form.next.data, default=url_for("doctor.dashboard")), code=303)
