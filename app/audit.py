"""Recording staff access to patient data: one function, called where access is granted or a change succeeds."""

from flask import has_request_context, request

from app.extensions import db
from app.models import AuditEvent, PatientProfile, User


def record(action: str, obj, patient: PatientProfile | None, actor: User, consent: bool = False) -> AuditEvent | None:
    """Audit a staff member's access to an object concerning a patient; patients' own access is not audited, but
    their decisions about who else may see their record are (`consent`, e.g. sharing a sensitive appointment)."""
    if actor is None or not actor.is_authenticated or not (actor.is_staff or consent):
        return None
    event = AuditEvent(
        actor_id=actor.id,
        action=action,
        object_type=type(obj).__name__,
        object_id=str(getattr(obj, "public_id", None) or obj.id),
        patient_id=patient.id if patient is not None else None,
        ip=request.remote_addr if has_request_context() else None,
    )
    db.session.add(event)
    db.session.commit()
    return event
