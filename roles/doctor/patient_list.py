"""What each row of the doctor's patient list prints, worked out in one pass (why: app/ui/tables.py)."""

from datetime import datetime
from typing import NamedTuple

from app.clock import zone_or_default
from app.i18n import current_language
from app.patients.doctor_list import ListedPatient, Visit
from app.ui.dates import date_formatter, local_date, local_datetime, viewer_formatter
from app.ui.filters import status_labels, url_builder
from roles.doctor.services import timezone_difference


class VisitCells(NamedTuple):
    """An appointment's link, time, service and status label."""

    url: str
    when: str
    service: str
    status: str


class PatientListRow(NamedTuple):
    """One patient's row: name, date of birth, next appointment, latest visit, timezone difference."""

    name: str
    born: str
    following: VisitCells | None
    latest: VisitCells | None
    difference: str


def patient_list_rows(
    found: list[tuple[ListedPatient, Visit | None, Visit | None]], doctor_timezone: str, now: datetime
) -> list[PatientListRow]:
    """The rows for doctor_patients' results, times in the doctor's timezone and language."""
    clock = viewer_formatter("datetime", "short") or (lambda value: local_datetime(value, "short"))
    birthday = date_formatter("medium") or (lambda value: local_date(value, "medium"))
    open_url = url_builder("doctor.appointment", "appointment_id")
    language = current_language()
    labels = status_labels()
    doctor_tz = zone_or_default(doctor_timezone)
    differences: dict[str | None, str] = {}  # patients share a few timezones; each difference is worked out once

    def cells(visit: Visit | None) -> VisitCells | None:
        """A visit's cells, or None."""
        if visit is None:
            return None
        return VisitCells(
            open_url(visit.public_id), clock(visit.starts_at), visit.service.name(language), labels[visit.status]
        )

    rows = []
    for patient, following, latest in found:
        if patient.timezone not in differences:
            differences[patient.timezone] = timezone_difference(zone_or_default(patient.timezone), doctor_tz, now)
        born = "" if patient.date_of_birth is None else birthday(patient.date_of_birth)
        rows.append(
            PatientListRow(patient.full_name, born, cells(following), cells(latest), differences[patient.timezone])
        )
    return rows
