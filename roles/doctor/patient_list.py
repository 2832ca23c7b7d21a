"""The timezone differences the doctor's patient list shows, one per timezone among the listed patients."""

from datetime import datetime

from app.clock import zone_or_default
from app.patients.doctor_list import ListedPatient, Visit
from roles.doctor.services import timezone_difference


def timezone_differences(
    found: list[tuple[ListedPatient, Visit | None, Visit | None]], doctor_timezone: str, now: datetime
) -> dict[str | None, str]:
    """How far each listed patient's clock is from the doctor's, by the patient's timezone (None: the clinic's):
    patients share a few timezones, so each difference is worked out once."""
    doctor_tz = zone_or_default(doctor_timezone)
    zones = {patient.timezone for patient, _following, _latest in found}
    return {zone: timezone_difference(zone_or_default(zone), doctor_tz, now) for zone in zones}
