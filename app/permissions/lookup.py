"""Loading one object by its public id for a user who may see it, and auditing the access granted."""

import uuid
from collections.abc import Callable

import sqlalchemy as sa
from flask import abort
from sqlalchemy.sql.elements import ColumnElement, False_, True_

from app import audit
from app.extensions import db
from app.models import PatientProfile, User


def admits(model, obj, condition: ColumnElement[bool]) -> bool:
    """The object is among the rows the set-based condition selects (one query: the twin decides, not Python)."""
    # A twin that is constant for this user (reception sees every appointment, an admin none) needs no query.
    if isinstance(condition, True_):
        return True
    if isinstance(condition, False_):
        return False
    return bool(db.session.scalar(sa.select(sa.exists().where(model.id == obj.id, condition))))


def parse_uuid(value: str) -> uuid.UUID:
    """Parse a public id from a URL, answering 404 when it is malformed."""
    try:
        return uuid.UUID(str(value))
    except ValueError:
        abort(404)


def _get_or_404(
    model,
    public_id,
    user: User,
    predicate: Callable[[User, object], bool],
    audit_action: str | None = None,
    patient_of: Callable[[object], PatientProfile | None] = lambda row: None,
):
    """Load a row by public id if the predicate lets the user see it; anything else is 404, as if it did not exist.

    Granted access is audited under `audit_action` (for staff only, see app.audit.record); a refusal records nothing.
    """
    row = db.session.scalar(sa.select(model).filter_by(public_id=parse_uuid(public_id)))
    if row is None or not predicate(user, row):
        abort(404)
    if audit_action is not None:
        audit.record(audit_action, row, patient_of(row), user)
    return row
