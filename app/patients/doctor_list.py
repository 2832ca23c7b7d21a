"""The doctor's patient list: the patients with a coming appointment first, then the rest of the practice by name.

Statements are built once per shape of filters with their values as parameters (see app.scheduling.queries).
"""

import uuid
from datetime import date, datetime
from functools import cache, lru_cache
from typing import NamedTuple

import sqlalchemy as sa

from app.extensions import db
from app.models import Appointment, AppointmentStatus, PatientProfile, Service, User
from app.patients.search import contains_pattern
from app.scheduling.queries import active_condition


def _first_appointment_id(doctor_id, *conditions, order_by, patients=PatientProfile):
    """Per patient row of `patients` (the table, or a set of its rows), the id of the doctor's first appointment
    matching the conditions in `order_by` order.

    A correlated subquery rather than a window over all the doctor's appointments: it is evaluated only for the
    patients the filters keep, each through the (patient_id, starts_at) index.
    """
    return (
        sa.select(Appointment.id)
        .where(Appointment.doctor_id == doctor_id, Appointment.patient_id == patients.c.id, *conditions)
        .order_by(*order_by)
        .limit(1)
        .correlate(patients)
        .scalar_subquery()
    )


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


@lru_cache(maxsize=128)  # shapes grow with the words typed: keep the common ones
def _doctor_patients(words: int, coming: bool, past: bool, by_service: bool):
    """One part of the patient list for one shape of filters: the patients with a coming appointment (`coming`),
    soonest first, or the others, by name. Parameters :doctor_id, :now, :w0..., :service_id when `by_service`,
    :limit and :skip."""
    doctor_id, now = sa.bindparam("doctor_id"), sa.bindparam("now")
    active_ahead = (active_condition(), Appointment.ends_at > now)
    # The earliest coming start: one pass over the doctor's active appointments not yet over (a partial index holds
    # just those), joined to the patients, instead of a lookup per patient.
    ahead = (
        sa.select(Appointment.patient_id, sa.func.min(Appointment.starts_at).label("next_starts"))
        .where(Appointment.doctor_id == doctor_id, *active_ahead)
        .group_by(Appointment.patient_id)
        .subquery("ahead")
    )
    # search_text is folded in Python, so Cyrillic matches case-insensitively on SQLite too. The few patients with a
    # coming appointment are each checked as they are read: in a plan made for any pattern PostgreSQL took the
    # trigram index and read thousands of matches instead (hence `|| ''`, which that index cannot serve).
    searched = PatientProfile.search_text + "" if coming else PatientProfile.search_text
    matching = [searched.like(sa.bindparam(f"w{n}"), escape="/") for n in range(words)]
    if by_service or not coming:
        # A coming appointment makes the patient the doctor's: only a service filter needs their appointments.
        mine = sa.select(Appointment.patient_id).where(Appointment.doctor_id == doctor_id)
        if by_service:
            mine = mine.where(Appointment.service_id == sa.bindparam("service_id"))
        matching.append(PatientProfile.id.in_(mine))
    if coming:
        patients = PatientProfile.__table__
        source = PatientProfile.__table__.join(ahead, ahead.c.patient_id == PatientProfile.id)
        order = (ahead.c.next_starts, PatientProfile.last_name, PatientProfile.first_name, PatientProfile.id)
    else:
        # The rest are found first, then sorted: left to itself PostgreSQL walked the name index and tested every
        # patient of the clinic from the start of the alphabet (17,000 rows for a Cyrillic surname).
        patients = (
            sa.select(
                PatientProfile.id,
                PatientProfile.user_id,
                PatientProfile.last_name,
                PatientProfile.first_name,
                PatientProfile.middle_name,
                PatientProfile.date_of_birth,
            )
            .where(*matching, PatientProfile.id.not_in(sa.select(ahead.c.patient_id)))
            .cte("others")
            .prefix_with("MATERIALIZED")
        )
        source, matching = patients, []
        order = (patients.c.last_name, patients.c.first_name, patients.c.id)
    # The ids below are looked up only for the rows kept (PostgreSQL evaluates select-list subqueries after LIMIT).
    # The next appointment is the active one starting at `next_starts`: an exact lookup in the (doctor, patient,
    # start) index (a cancelled one may have had the same start).
    next_id = (
        sa.select(Appointment.id)
        .where(
            Appointment.doctor_id == doctor_id,
            Appointment.patient_id == PatientProfile.id,
            Appointment.starts_at == ahead.c.next_starts,
            active_condition(),
        )
        .order_by(Appointment.id)
        .limit(1)
        .correlate(PatientProfile, ahead)
        .scalar_subquery()
    )
    # The latest visit that began and was not cancelled: what "seen" means for the doctor.
    last_id = _first_appointment_id(
        doctor_id,
        Appointment.starts_at <= now,
        Appointment.status != AppointmentStatus.CANCELLED,
        order_by=(Appointment.starts_at.desc(), Appointment.id.desc()),
        patients=patients,
    )
    # A subquery, not a join: looked up for the rows kept only (a join made PostgreSQL scan every account).
    timezone = sa.select(User.timezone).where(User.id == patients.c.user_id).correlate(patients)
    page = sa.select(
        patients.c.last_name,
        patients.c.first_name,
        patients.c.middle_name,
        patients.c.date_of_birth,
        timezone.scalar_subquery().label("timezone"),
        (next_id if coming else sa.null()).label("next_id"),
        last_id.label("last_id"),
    ).select_from(source)
    page = page.where(*matching)
    if past:
        page = page.where(last_id.is_not(None))
    return page.order_by(*order).limit(sa.bindparam("limit")).offset(sa.bindparam("skip"))


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
    coming = db.session.execute(_doctor_patients(shape[0], True, *shape[1:]), params).all()
    rows = coming[skip:]
    if len(coming) < limit + skip and not upcoming:
        # Every coming one has been read: the others continue the list where they end.
        others_skip = max(0, skip - len(coming))
        params.update(limit=limit + skip - len(coming) - others_skip, skip=others_skip)
        rows += db.session.execute(_doctor_patients(shape[0], False, *shape[1:]), params).all()
    wanted = sorted({i for row in rows for i in (row.next_id, row.last_id) if i is not None})
    by_service = {s.id: s for s in services}
    visits = {
        row.id: Visit(row.public_id, row.starts_at, row.status, by_service[row.service_id])
        for row in db.session.execute(_visits(), {"ids": wanted})
    }
    return [(_listed(row), visits.get(row.next_id), visits.get(row.last_id)) for row in rows]


def _listed(row) -> ListedPatient:
    """The patient of a row of _doctor_patients, each field read from the column of the same name."""
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
