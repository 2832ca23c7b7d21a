"""The wire format of the /call contract (docs/realtime.md): a call as both sides' pages receive it."""

from app.clock import iso
from app.models import Call


def _when(moment) -> str | None:
    """An instant as the realtime API writes it, or None."""
    return iso(moment) if moment is not None else None


def call_payload(call: Call) -> dict:
    """One call: its state and reason, the doctor calling, whose patient, who answered and the times."""
    doctor = call.caller
    duration = call.duration
    return {
        "call": str(call.public_id),
        "appointment": str(call.appointment.public_id),
        "state": call.state.value,
        "reason": call.reason,
        # No photo can be uploaded yet (SpecialistProfile.photo_key has no upload); clients show initials for null.
        "doctor": {"id": str(doctor.public_id), "name": doctor.display_name, "photo": None},
        "patient": {"id": str(call.appointment.patient.public_id), "name": call.appointment.patient.full_name},
        "answered_by": str(call.answered_by.public_id) if call.answered_by is not None else None,
        "ended_by": str(call.ended_by.public_id) if call.ended_by is not None else None,
        "created_at": _when(call.created_at),
        "ring_until": _when(call.ring_until),
        "accepted_at": _when(call.accepted_at),
        "connected_at": _when(call.connected_at),
        "ended_at": _when(call.ended_at),
        "duration": round(duration.total_seconds()) if duration is not None else None,
    }
