"""The doctor's patient list: the patients with a coming appointment first, then the rest of the practice by name.

Statements are built once per shape of filters with their values as parameters (see app.scheduling.queries).
"""

import uuid
from datetime import date, datetime
from functools import cache, lru_cache
from typing import NamedTuple

import sqlalchemy as sa

from app.extensions import db
from app.models import Appointment, AppointmentStatus, DoctorPatient, PatientProfile, Service, User
from app.patients.search import contains_pattern
from app.scheduling.queries import active_condition

# The statuses of an appointment that took place: the patient was seen.
VISITED = (AppointmentStatus.IN_PROGRESS, AppointmentStatus.COMPLETED)


class Visit(NamedTuple):
    """An appointment as the doctor's patient list shows it: plain columns, no ORM object to build."""

    public_id: uuid.UUID
    starts_at: datetime
    status: AppointmentStatus
    service: Service


class ListedPatient(NamedTuple):
    """A patient as the doctor's patient list shows it, with their account's timezone (None without one)."""

    last_name: str
    first_name: str
    middle_name: str | None
    date_of_birth: date | None
    timezone: str | None

    # The model's own rule for the name, applied to the selected columns.
    full_name = property(PatientProfile.full_name.fget)


_DOCTOR, _NOW = sa.bindparam("doctor_id"), sa.bindparam("now")


def _ahead():
    """Per patient of the doctor with an active appointment not yet over, its earliest start (`next_starts`): one
    pass over the doctor's active appointments not yet over (a partial index holds just those)."""
    return (
        sa.select(Appointment.patient_id, sa.func.min(Appointment.starts_at).label("next_starts"))
        .where(Appointment.doctor_id == _DOCTOR, active_condition(), Appointment.ends_at > _NOW)
        .group_by(Appointment.patient_id)
        .subquery("ahead")
    )


def _last_visit_id(patient_id):
    """The id of the patient's latest visit with the doctor that took place (started or completed: what "seen" means
    for the doctor; a no-show, a cancellation or a booking nobody started is not a visit), correlated on the column
    `patient_id`: one probe of the (doctor, patient, start) index."""
    return (
        sa.select(Appointment.id)
        .where(
            Appointment.doctor_id == _DOCTOR,
            Appointment.patient_id == patient_id,
            Appointment.starts_at <= _NOW,
            Appointment.status.in_(VISITED),
        )
        .order_by(Appointment.starts_at.desc(), Appointment.id.desc())
        .limit(1)
        .correlate(patient_id.table)
        .scalar_subquery()
    )


def _timezone():
    """The timezone of the listed patient's account: a subquery, not a join, looked up for the rows kept only (a join
    made PostgreSQL scan every account)."""
    return sa.select(User.timezone).where(User.id == PatientProfile.user_id).correlate(PatientProfile).scalar_subquery()


def _with_service(doctor_id) -> sa.Select:
    """The patients with an appointment with the doctor for the service :service_id."""
    return sa.select(Appointment.patient_id).where(
        Appointment.doctor_id == doctor_id, Appointment.service_id == sa.bindparam("service_id")
    )


def _words(column, words: int) -> list:
    """`column` contains each of the words :w0, :w1... (search_text is folded in Python, so Cyrillic matches
    case-insensitively on SQLite too)."""
    return [column.like(sa.bindparam(f"w{n}"), escape="/") for n in range(words)]


@lru_cache(maxsize=64)  # shapes grow with the words typed: keep the common ones
def _coming_patients(words: int, past: bool, by_service: bool):
    """The doctor's patients with a coming appointment, soonest first, for one shape of filters. Parameters
    :doctor_id, :now, :w0..., :service_id when `by_service`, :limit and :skip."""
    ahead = _ahead()
    # Few patients, each checked as it is read: in a plan made for any pattern PostgreSQL took the trigram index and
    # read thousands of matches instead (hence `|| ''`, which that index cannot serve). A coming appointment makes
    # the patient the doctor's: only a service filter needs more.
    conditions = _words(PatientProfile.search_text + "", words)
    if by_service:
        conditions.append(PatientProfile.id.in_(_with_service(_DOCTOR)))
    last_id = _last_visit_id(PatientProfile.id)
    if past:
        conditions.append(last_id.is_not(None))
    # The next appointment is the active one starting at `next_starts`: an exact lookup in the (doctor, patient,
    # start) index (a cancelled one may have had the same start), made for the rows kept only (PostgreSQL evaluates
    # select-list subqueries after LIMIT).
    next_id = (
        sa.select(Appointment.id)
        .where(
            Appointment.doctor_id == _DOCTOR,
            Appointment.patient_id == PatientProfile.id,
            Appointment.starts_at == ahead.c.next_starts,
            active_condition(),
        )
        .order_by(Appointment.id)
        .limit(1)
        .correlate(PatientProfile, ahead)
        .scalar_subquery()
    )
    return (
        sa.select(
            PatientProfile.last_name,
            PatientProfile.first_name,
            PatientProfile.middle_name,
            PatientProfile.date_of_birth,
            _timezone().label("timezone"),
            next_id.label("next_id"),
            last_id.label("last_id"),
        )
        .select_from(PatientProfile.__table__.join(ahead, ahead.c.patient_id == PatientProfile.id))
        .where(*conditions)
        .order_by(ahead.c.next_starts, PatientProfile.last_name, PatientProfile.first_name, PatientProfile.id)
        .limit(sa.bindparam("limit"))
        .offset(sa.bindparam("skip"))
    )


@lru_cache(maxsize=64)
def _other_patients(words: int, past: bool, by_service: bool):
    """The doctor's other patients (no coming appointment), by name, for one shape of filters; parameters as
    _coming_patients.

    Read from their links (app/models/doctor_patient.py): through the appointments this was the search's matches
    across the clinic joined with all the doctor's appointments, then sorted (6 ms of PostgreSQL's time a request
    for "смир", bench/RESULTS.md, "same search, page 2"). The page is chosen among the links alone; the patients'
    records are read for its rows only.
    """
    ahead = _ahead()
    conditions = [DoctorPatient.doctor_id == _DOCTOR, DoctorPatient.patient_id.not_in(sa.select(ahead.c.patient_id))]
    conditions += _words(DoctorPatient.search_text, words)
    if by_service:
        conditions.append(DoctorPatient.patient_id.in_(_with_service(_DOCTOR)))
    last_id = _last_visit_id(DoctorPatient.patient_id)
    if past:
        conditions.append(last_id.is_not(None))
    # The doctor's links in name order, the search text read from the index itself: the walk stops once the page is
    # full (a surname late in the alphabet reads the doctor's whole range, about 1.5 ms for 5,500 patients).
    page = (
        sa.select(DoctorPatient.patient_id, DoctorPatient.last_name, DoctorPatient.first_name, last_id.label("last_id"))
        .where(*conditions)
        .order_by(DoctorPatient.last_name, DoctorPatient.first_name, DoctorPatient.patient_id)
        .limit(sa.bindparam("limit"))
        .offset(sa.bindparam("skip"))
        .subquery("page")
    )
    return (
        sa.select(
            page.c.last_name,
            page.c.first_name,
            PatientProfile.middle_name,
            PatientProfile.date_of_birth,
            _timezone().label("timezone"),
            sa.null().label("next_id"),
            page.c.last_id,
        )
        .join_from(page, PatientProfile, PatientProfile.id == page.c.patient_id)
        .order_by(page.c.last_name, page.c.first_name, page.c.patient_id)
    )


@cache
def _visits():
    """Appointments by id (parameter :ids), as plain columns."""
    return sa.select(
        Appointment.id, Appointment.public_id, Appointment.starts_at, Appointment.status, Appointment.service_id
    ).where(Appointment.id.in_(sa.bindparam("ids", expanding=True)))


def doctor_patients(
    doctor_id: int,
    now: datetime,
    services: list[Service],
    search: str = "",
    upcoming: bool = False,
    past: bool = False,
    service_id: int | None = None,
    limit: int = 200,
    skip: int = 0,
) -> list[tuple[ListedPatient, Visit | None, Visit | None]]:
    """Rows (patient, next active appointment or None, latest begun visit or None) for the patients of the doctor,
    patients with a coming appointment first, soonest first, then the others by name; `limit` rows after the first
    `skip`. `services` are the doctor's (doctor_services), which the visits refer to.

    The patients with a coming appointment are few and read first; the rest of the doctor's patients (the whole
    history of the practice) are read only when those do not fill the page. Queries of plain columns: a list page
    builds no ORM objects, which cost more than the rendering.
    """
    words = search.casefold().split()
    params = {"doctor_id": doctor_id, "now": now, "limit": limit + skip, "skip": 0}
    if service_id is not None:
        params["service_id"] = service_id
    params.update({f"w{n}": contains_pattern(word) for n, word in enumerate(words)})
    shape = (len(words), past, service_id is not None)
    coming = db.session.execute(_coming_patients(*shape), params).all()
    rows = coming[skip:]
    if len(coming) < limit + skip and not upcoming:
        # Every coming one has been read: the others continue the list where they end.
        others_skip = max(0, skip - len(coming))
        params.update(limit=limit + skip - len(coming) - others_skip, skip=others_skip)
        rows += db.session.execute(_other_patients(*shape), params).all()
    wanted = sorted({i for row in rows for i in (row.next_id, row.last_id) if i is not None})
    by_service = {s.id: s for s in services}
    visits = {
        row.id: Visit(row.public_id, row.starts_at, row.status, by_service[row.service_id])
        for row in db.session.execute(_visits(), {"ids": wanted})
    }
    return [(_listed(row), visits.get(row.next_id), visits.get(row.last_id)) for row in rows]


def _listed(row) -> ListedPatient:
    """The patient of a row of _coming_patients or _other_patients, each field read from the column of the same name."""
    return ListedPatient._make(row._mapping[name] for name in ListedPatient._fields)


@cache
def _doctor_services():
    """The statement of doctor_services, with parameter :doctor_id: one index probe per service of the clinic
    (appointment (doctor_id, service_id)) rather than collecting the services of every appointment."""
    used = sa.exists().where(Appointment.doctor_id == sa.bindparam("doctor_id"), Appointment.service_id == Service.id)
    return sa.select(Service).where(used).order_by(Service.code)


def doctor_services(doctor_id: int) -> list[Service]:
    """The services the doctor has appointments for, to filter the patient list by."""
    return db.session.scalars(_doctor_services(), {"doctor_id": doctor_id}).all()
