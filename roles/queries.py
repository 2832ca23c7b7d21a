"""Appointment queries shared by the cabinets, with eager loading so pages run a fixed number of queries.

The statements the busiest pages run are built once per process with their values as parameters (`@cache`):
building a select with eager loads and computing its cache key costs about a millisecond of CPU, as much as
running it.
"""

import uuid
from datetime import date, datetime
from functools import cache, lru_cache
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from app.extensions import db
from app.models import (
    ACTIVE_STATUSES,
    Appointment,
    AppointmentStatus,
    PatientProfile,
    Service,
    SpecialistProfile,
    StoredFile,
    User,
)


def _active(negate: bool = False) -> sa.ColumnElement[bool]:
    """The appointment's status is active (or, negated, not), the statuses written into the SQL as literals.

    Bound values would do for a single run, but psycopg prepares a statement run often and PostgreSQL then plans it
    once for any values: it can no longer tell that the partial index on active appointments applies, so it kept
    planning the statement afresh on every run instead (about a millisecond for the patient list).
    """
    statuses = sa.bindparam(
        "active", [s.value for s in ACTIVE_STATUSES], expanding=True, literal_execute=True, unique=True
    )
    return Appointment.status.not_in(statuses) if negate else Appointment.status.in_(statuses)


def _with_people(stmt, patient: bool = True, doctor: bool = True):
    """Load what appointment lists show alongside each appointment: patient, doctor (with profile) and service.

    A list of one doctor's or one patient's appointments leaves that side out: it is the same object on every row,
    already in the session (or loaded once), and joining it again cost a third of the query's time.
    """
    options = [joinedload(Appointment.service)]
    if patient:
        options.append(joinedload(Appointment.patient))
    if doctor:
        options.append(joinedload(Appointment.doctor).joinedload(User.specialist_profile))
    return stmt.options(*options)


def appointments_between(start: datetime, end: datetime, doctor_id: int | None = None):
    """Appointments starting in [start, end), optionally of one doctor, in time order."""
    stmt = sa.select(Appointment).where(Appointment.starts_at >= start, Appointment.starts_at < end)
    if doctor_id is not None:
        stmt = stmt.where(Appointment.doctor_id == doctor_id)
    return _with_people(stmt.order_by(Appointment.starts_at, Appointment.id), doctor=doctor_id is None)


class AppointmentLine(NamedTuple):
    """An appointment as a list row shows it (app/tables.py), read as plain columns: building ORM objects with their
    patient, doctor and service cost more than rendering the row."""

    public_id: uuid.UUID
    starts_at: datetime
    status: AppointmentStatus
    arrived_at: datetime | None
    service_en: str
    service_ru: str
    doctor_name: str
    patient_name: str


def _joined(*parts) -> str:
    """Name parts joined by spaces, empty ones left out (PatientProfile.full_name, SpecialistProfile.full_name)."""
    return " ".join(part for part in parts if part)


def _lines(*conditions, doctor: bool, patient: bool):
    """Appointment columns for list rows matching `conditions`, with the doctor's name parts (specialist profile,
    then the account's name and e-mail) and the patient's, when asked for; read by _line."""
    specialist = sa.orm.aliased(SpecialistProfile)
    account = sa.orm.aliased(User)
    columns = [Appointment.public_id, Appointment.starts_at, Appointment.status, Appointment.arrived_at]
    columns += [Service.name_en, Service.name_ru]
    if doctor:
        columns += [specialist.last_name, specialist.first_name, specialist.middle_name]
        columns += [account.full_name, account.email]
    if patient:
        columns += [PatientProfile.last_name, PatientProfile.first_name, PatientProfile.middle_name]
    stmt = sa.select(*columns).join(Service, Service.id == Appointment.service_id)
    if doctor:
        stmt = stmt.join(account, account.id == Appointment.doctor_id).outerjoin(
            specialist, specialist.user_id == Appointment.doctor_id
        )
    if patient:
        stmt = stmt.join(PatientProfile, PatientProfile.id == Appointment.patient_id)
    return stmt.where(*conditions)


def _line(row, doctor: bool, patient: bool) -> AppointmentLine:
    """An AppointmentLine from a row of _lines; the doctor's name as User.display_name gives it."""
    rest = row[6:]
    doctor_name = patient_name = ""
    if doctor:
        doctor_name = _joined(*rest[:3]) or rest[3] or rest[4]
        rest = rest[5:]
    if patient:
        patient_name = _joined(*rest[:3])
    return AppointmentLine(*row[:6], doctor_name, patient_name)


@cache
def _doctor_day_lines():
    """One doctor's appointments starting in [:start, :end) (parameter :doctor_id), in time order."""
    stmt = _lines(
        Appointment.doctor_id == sa.bindparam("doctor_id"),
        Appointment.starts_at >= sa.bindparam("start"),
        Appointment.starts_at < sa.bindparam("end"),
        doctor=False,
        patient=True,
    )
    return stmt.order_by(Appointment.starts_at, Appointment.id)


def doctor_day(doctor_id: int, start: datetime, end: datetime) -> list[AppointmentLine]:
    """One doctor's appointments starting in [start, end), in time order."""
    params = {"start": start, "end": end, "doctor_id": doctor_id}
    return [_line(row, doctor=False, patient=True) for row in db.session.execute(_doctor_day_lines(), params)]


def _upcoming_conditions():
    """Active appointments of :patient_id not yet over at :now."""
    return (
        Appointment.patient_id == sa.bindparam("patient_id"),
        Appointment.ends_at > sa.bindparam("now"),
        _active(),
    )


@cache
def _upcoming_for_patient():
    """The statement of upcoming_for_patient, with parameters :patient_id and :now."""
    stmt = sa.select(Appointment).where(*_upcoming_conditions())
    return _with_people(stmt.order_by(Appointment.starts_at), patient=False)


def upcoming_for_patient(patient: PatientProfile, now: datetime) -> list[Appointment]:
    """The patient's appointments not yet over and still active, soonest first (objects, for pages that act on
    them)."""
    return db.session.scalars(_upcoming_for_patient(), {"patient_id": patient.id, "now": now}).unique().all()


@cache
def _upcoming_lines():
    """The statement of upcoming_lines, with parameters :patient_id and :now."""
    return _lines(*_upcoming_conditions(), doctor=True, patient=False).order_by(Appointment.starts_at)


def upcoming_lines(patient: PatientProfile, now: datetime) -> list[AppointmentLine]:
    """upcoming_for_patient as list rows."""
    params = {"patient_id": patient.id, "now": now}
    return [_line(row, doctor=True, patient=False) for row in db.session.execute(_upcoming_lines(), params)]


@cache
def _past_for_patient(limit: int):
    """The statement of past_for_patient, with parameters :patient_id, :now and :skip."""
    stmt = _lines(
        Appointment.patient_id == sa.bindparam("patient_id"),
        sa.or_(Appointment.ends_at <= sa.bindparam("now"), _active(negate=True)),
        doctor=True,
        patient=False,
    )
    return stmt.order_by(Appointment.starts_at.desc(), Appointment.id.desc()).limit(limit).offset(sa.bindparam("skip"))


def past_for_patient(patient: PatientProfile, now: datetime, limit: int = 50, skip: int = 0) -> list[AppointmentLine]:
    """The patient's finished, cancelled or missed appointments, latest first, as list rows (`skip` for pages)."""
    params = {"patient_id": patient.id, "now": now, "skip": skip}
    rows = db.session.execute(_past_for_patient(limit), params)
    return [_line(row, doctor=True, patient=False) for row in rows]


def patient_history_with(doctor_id: int, patient_id: int, exclude_id: int, limit: int = 20):
    """Other appointments of this patient with this doctor, latest first."""
    stmt = sa.select(Appointment).where(
        Appointment.doctor_id == doctor_id, Appointment.patient_id == patient_id, Appointment.id != exclude_id
    )
    return stmt.options(selectinload(Appointment.service)).order_by(Appointment.starts_at.desc()).limit(limit)


def patient_files(patient_id: int, limit: int = 100):
    """A patient's stored files, newest first, with their appointments (for permission checks)."""
    stmt = sa.select(StoredFile).where(StoredFile.patient_id == patient_id, StoredFile.deleted_at.is_(None))
    return stmt.options(joinedload(StoredFile.appointment)).order_by(StoredFile.created_at.desc()).limit(limit)


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


def contains_pattern(text: str) -> str:
    """A LIKE pattern (escape character "/") matching `text` anywhere, its own % and _ taken literally: what
    `contains(text, autoescape=True)` sends, as a value for a prebuilt statement."""
    return "%" + text.replace("/", "//").replace("%", "/%").replace("_", "/_") + "%"


@lru_cache(maxsize=128)  # shapes grow with the words typed: keep the common ones
def _doctor_patients(words: int, coming: bool, past: bool, by_service: bool):
    """One part of the patient list for one shape of filters: the patients with a coming appointment (`coming`),
    soonest first, or the others, by name. Parameters :doctor_id, :now, :w0..., :service_id when `by_service`,
    :limit and :skip."""
    doctor_id, now = sa.bindparam("doctor_id"), sa.bindparam("now")
    active_ahead = (_active(), Appointment.ends_at > now)
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
            _active(),
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
        timezone.scalar_subquery(),
        next_id if coming else sa.null(),
        last_id,
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
    wanted = sorted({i for row in rows for i in row[5:7] if i is not None})
    by_service = {s.id: s for s in services}
    visits = {
        row.id: Visit(row.public_id, row.starts_at, row.status, by_service[row.service_id])
        for row in db.session.execute(_visits(), {"ids": wanted})
    }
    return [(ListedPatient(*row[:5]), visits.get(row[5]), visits.get(row[6])) for row in rows]


@cache
def _doctor_services():
    """The statement of doctor_services, with parameter :doctor_id: one index probe per service of the clinic
    (appointment (doctor_id, service_id)) rather than collecting the services of every appointment."""
    used = sa.exists().where(Appointment.doctor_id == sa.bindparam("doctor_id"), Appointment.service_id == Service.id)
    return sa.select(Service).where(used).order_by(Service.code)


def doctor_services(doctor_id: int) -> list[Service]:
    """The services the doctor has appointments for, to filter the patient list by."""
    return db.session.scalars(_doctor_services(), {"doctor_id": doctor_id}).all()
