"""Recording staff access to patient data."""

from flask import request
from flask_login import current_user

from app.extensions import db
from app.models import AuditEvent, PatientProfile


def record_access(action: str, obj, patient: PatientProfile | None) -> AuditEvent | None:
    """Audit a staff member's access to an object concerning a patient; patients' own access is not audited."""
    if not current_user.is_authenticated or not current_user.is_staff:
        return None
    event = AuditEvent(
        actor_id=current_user.id,
        action=action,
        object_type=type(obj).__name__,
        object_id=str(getattr(obj, "public_id", None) or obj.id),
        patient_id=patient.id if patient is not None else None,
        ip=request.remote_addr,
    )
    db.session.add(event)
    db.session.commit()
    return event
