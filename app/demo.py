"""A believable demo clinic, created idempotently by `flask seed-demo`."""

import random
import uuid
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from app.extensions import db
from app.models import (
    ACTIVE_STATUSES,
    Appointment,
    AppointmentStatus,
    ChatMessage,
    ChatThread,
    Guardianship,
    PatientProfile,
    Role,
    Service,
    ServiceKind,
    Sex,
    SpecialistProfile,
    Specialty,
    User,
    WorkingInterval,
)
from app.passwords import hash_password

DEMO_PASSWORD = "demo12345"  # noqa: S105 - the documented password of the public demo accounts
CLINIC_TZ = "Europe/Moscow"

SIGN_INS = {
    "patient@demo.clinic": Role.PATIENT,
    "doctor@demo.clinic": Role.DOCTOR,
    "psychologist@demo.clinic": Role.DOCTOR,
    "methodologist@demo.clinic": Role.METHODOLOGIST,
    "reception@demo.clinic": Role.RECEPTION,
    "admin@demo.clinic": Role.ADMIN,
}

# slug, English name, Russian name
SPECIALTIES = [
    ("cardiology", "Cardiology", "Кардиология"),
    ("endocrinology", "Endocrinology", "Эндокринология"),
    ("gynaecology", "Gynaecology", "Гинекология"),
    ("neurology", "Neurology", "Неврология"),
    ("paediatrics", "Paediatrics", "Педиатрия"),
    ("psychology", "Psychology", "Психология"),
    ("therapy", "General practice", "Терапия"),
    ("ultrasound", "Ultrasound diagnostics", "Ультразвуковая диагностика"),
]

# code, specialty, English, Russian, minutes, price, kind
SERVICES = [
    (
        "cardio-first",
        "cardiology",
        "Cardiologist: first consultation",
        "Приём кардиолога, первичный",
        45,
        3500,
        ServiceKind.CONSULTATION,
    ),
    (
        "cardio-follow",
        "cardiology",
        "Cardiologist: follow-up",
        "Приём кардиолога, повторный",
        30,
        2800,
        ServiceKind.FOLLOW_UP,
    ),
    (
        "endo-first",
        "endocrinology",
        "Endocrinologist: first consultation",
        "Приём эндокринолога, первичный",
        45,
        3800,
        ServiceKind.CONSULTATION,
    ),
    (
        "endo-follow",
        "endocrinology",
        "Endocrinologist: follow-up",
        "Приём эндокринолога, повторный",
        30,
        3000,
        ServiceKind.FOLLOW_UP,
    ),
    (
        "gyn-first",
        "gynaecology",
        "Gynaecologist: consultation",
        "Консультация гинеколога",
        45,
        3600,
        ServiceKind.CONSULTATION,
    ),
    (
        "gyn-checkup",
        "gynaecology",
        "Gynaecologist: results review",
        "Гинеколог: разбор анализов",
        30,
        2500,
        ServiceKind.CHECKUP,
    ),
    (
        "neuro-first",
        "neurology",
        "Neurologist: consultation",
        "Консультация невролога",
        45,
        3400,
        ServiceKind.CONSULTATION,
    ),
    (
        "paed-first",
        "paediatrics",
        "Paediatrician: consultation",
        "Консультация педиатра",
        30,
        2900,
        ServiceKind.CONSULTATION,
    ),
    ("psy-session", "psychology", "Psychologist: session", "Сессия с психологом", 50, 4000, ServiceKind.CONSULTATION),
    (
        "psy-checkup",
        "psychology",
        "Psychologist: 30-minute check-up",
        "Психолог: 30-минутная встреча",
        30,
        2000,
        ServiceKind.CHECKUP,
    ),
    (
        "gp-first",
        "therapy",
        "General practitioner: consultation",
        "Консультация терапевта",
        30,
        2400,
        ServiceKind.CONSULTATION,
    ),
    ("gp-urgent", "therapy", "Urgent consultation", "Срочная консультация", 20, 3000, ServiceKind.URGENT),
    ("us-review", "ultrasound", "Ultrasound report review", "Разбор заключения УЗИ", 30, 2200, ServiceKind.CHECKUP),
]

# e-mail, last, first, middle, specialties, restricted, practising since, qualification, bio
SPECIALISTS = [
    (
        "doctor@demo.clinic",
        "Соколова",
        "Елена",
        "Викторовна",
        ["endocrinology", "gynaecology"],
        False,
        2006,
        "Endocrinologist, gynaecologist, PhD",
        "Hormone health, thyroid disorders and reproductive endocrinology.",
    ),
    (
        "psychologist@demo.clinic",
        "Морозов",
        "Андрей",
        "Павлович",
        ["psychology"],
        True,
        2012,
        "Clinical psychologist",
        "Anxiety, burnout and adaptation; short-term cognitive behavioural therapy.",
    ),
    (
        "kuznetsov@demo.clinic",
        "Кузнецов",
        "Дмитрий",
        "Игоревич",
        ["cardiology"],
        False,
        2001,
        "Cardiologist, highest category",
        "Hypertension, arrhythmias and cardiovascular risk assessment.",
    ),
    (
        "volkova@demo.clinic",
        "Волкова",
        "Ольга",
        "Сергеевна",
        ["therapy"],
        False,
        2010,
        "General practitioner",
        "Everyday care of adults, check-ups and prevention.",
    ),
    (
        "lebedev@demo.clinic",
        "Лебедев",
        "Михаил",
        "Андреевич",
        ["neurology"],
        False,
        2008,
        "Neurologist",
        "Headache, back pain and sleep disorders.",
    ),
    (
        "harris@demo.clinic",
        "Harris",
        "Emily",
        None,
        ["paediatrics"],
        False,
        2014,
        "Paediatrician (MRCPCH)",
        "Child health from birth to adolescence; consultations in English and Russian.",
    ),
    (
        "novikova@demo.clinic",
        "Новикова",
        "Татьяна",
        "Олеговна",
        ["endocrinology"],
        False,
        2015,
        "Endocrinologist",
        "Diabetes care and weight management.",
    ),
    (
        "fedorov@demo.clinic",
        "Фёдоров",
        "Игорь",
        "Николаевич",
        ["ultrasound"],
        True,
        2004,
        "Ultrasound diagnostician",
        "Review of ultrasound reports and follow-up planning.",
    ),
    (
        "walker@demo.clinic",
        "Walker",
        "James",
        None,
        ["therapy", "cardiology"],
        False,
        2009,
        "General practitioner with interest in cardiology",
        "Family medicine for English-speaking patients.",
    ),
]

PATIENT_NAMES = [
    ("Смирнова", "Анна", "Игоревна", Sex.FEMALE),
    ("Иванов", "Сергей", "Петрович", Sex.MALE),
    ("Петрова", "Мария", "Алексеевна", Sex.FEMALE),
    ("Козлов", "Алексей", "Викторович", Sex.MALE),
    ("Попова", "Екатерина", "Дмитриевна", Sex.FEMALE),
    ("Васильев", "Николай", "Сергеевич", Sex.MALE),
    ("Новикова", "Ирина", "Юрьевна", Sex.FEMALE),
    ("Михайлов", "Павел", "Андреевич", Sex.MALE),
    ("Орлова", "Наталья", "Ивановна", Sex.FEMALE),
    ("Захаров", "Виктор", "Олегович", Sex.MALE),
    ("Зайцева", "Ольга", "Николаевна", Sex.FEMALE),
    ("Соловьёв", "Артём", "Денисович", Sex.MALE),
    ("Борисова", "Юлия", "Михайловна", Sex.FEMALE),
    ("Яковлев", "Глеб", "Романович", Sex.MALE),
    ("Григорьева", "Светлана", "Павловна", Sex.FEMALE),
    ("Романов", "Илья", "Константинович", Sex.MALE),
    ("Белова", "Дарья", "Сергеевна", Sex.FEMALE),
    ("Тарасов", "Егор", "Владимирович", Sex.MALE),
    ("Smith", "Olivia", None, Sex.FEMALE),
    ("Johnson", "Liam", None, Sex.MALE),
    ("Brown", "Charlotte", None, Sex.FEMALE),
    ("Taylor", "Noah", None, Sex.MALE),
    ("Wilson", "Amelia", None, Sex.FEMALE),
    ("Davies", "Oliver", None, Sex.MALE),
    ("Evans", "Isla", None, Sex.FEMALE),
    ("Thomas", "George", None, Sex.MALE),
    ("Roberts", "Sophie", None, Sex.FEMALE),
    ("Clarke", "Harry", None, Sex.MALE),
    ("Wright", "Grace", None, Sex.FEMALE),
    ("Green", "Jack", None, Sex.MALE),
    ("Müller", "Lena", None, Sex.FEMALE),
    ("Garcia", "Mateo", None, Sex.MALE),
]
PATIENT_TIMEZONES = [
    "Europe/Moscow",
    "Europe/Moscow",
    "Asia/Yekaterinburg",
    "Asia/Novosibirsk",
    "Europe/Kaliningrad",
    "Asia/Vladivostok",
    "Europe/London",
    "Europe/Berlin",
    "Asia/Dubai",
]


def seed(now: datetime | None = None) -> dict[str, int]:
    """Create the demo clinic if missing and make sure the newcomer's appointments exist; returns row counts."""
    now = now or datetime.now(UTC)
    password_hash = hash_password(DEMO_PASSWORD)  # one hash for all demo accounts: seeding stays fast
    specialties = _specialties()
    services = _services(specialties)
    doctors = _specialists(specialties, password_hash)
    db.session.flush()
    _working_hours(doctors)
    staff = _staff(password_hash)
    patients = _patients(password_hash)
    child = _dependant(patients[0], staff["reception@demo.clinic"])
    db.session.flush()
    if db.session.scalar(sa.select(sa.func.count(Appointment.id))) == 0:
        _history(now, doctors, [*patients, child], services, staff["reception@demo.clinic"])
    _newcomer_appointments(now, doctors[0], patients[0], services["endo-first"], services["endo-follow"])
    _newcomer_chat(now, doctors[0], patients[0])
    db.session.commit()
    return counts()


def counts() -> dict[str, int]:
    """Rows per demo table, for the command's report and tests."""
    models = (User, PatientProfile, Guardianship, SpecialistProfile, Specialty, Service, Appointment, WorkingInterval)
    return {m.__tablename__: db.session.scalar(sa.select(sa.func.count()).select_from(m)) for m in models}


def _get_or_add(model, lookup: dict, **values):
    """Return the row matching `lookup`, adding it with `values` when missing."""
    row = db.session.scalar(sa.select(model).filter_by(**lookup))
    if row is None:
        row = model(**lookup, **values)
        db.session.add(row)
    return row


def _specialties() -> dict[str, Specialty]:
    """The clinic's specialties by slug."""
    return {slug: _get_or_add(Specialty, {"slug": slug}, name_en=en, name_ru=ru) for slug, en, ru in SPECIALTIES}


def _services(specialties: dict[str, Specialty]) -> dict[str, Service]:
    """The price list by code."""
    return {
        code: _get_or_add(
            Service,
            {"code": code},
            specialty=specialties[slug],
            name_en=en,
            name_ru=ru,
            duration_minutes=minutes,
            price=Decimal(price),
            kind=kind,
        )
        for code, slug, en, ru, minutes, price, kind in SERVICES
    }


def _specialists(specialties: dict[str, Specialty], password_hash: str) -> list[User]:
    """Doctors and other specialists, each with a public profile."""
    doctors = []
    for email, last, first, middle, slugs, restricted, since, qualification, bio in SPECIALISTS:
        user = _get_or_add(User, {"email": email}, role=Role.DOCTOR, timezone=CLINIC_TZ, password_hash=password_hash)
        if user.specialist_profile is None:
            user.specialist_profile = SpecialistProfile(
                last_name=last,
                first_name=first,
                middle_name=middle,
                specialties=[specialties[s] for s in slugs],
                restricted=restricted,
                practising_since=since,
                qualification=qualification,
                bio=bio,
            )
        doctors.append(user)
    return doctors


def _working_hours(doctors: list[User]) -> None:
    """Weekdays 09-13 and 14-18, Saturdays 10-14, for doctors who have no template yet."""
    weekdays = [(day, time(9), time(13)) for day in range(5)] + [(day, time(14), time(18)) for day in range(5)]
    weekly = [*weekdays, (5, time(10), time(14))]
    for doctor in doctors:
        if db.session.scalar(sa.select(sa.func.count(WorkingInterval.id)).filter_by(doctor_id=doctor.id)):
            continue
        db.session.add_all(WorkingInterval(doctor_id=doctor.id, weekday=d, starts=a, ends=b) for d, a, b in weekly)


def _staff(password_hash: str) -> dict[str, User]:
    """The methodologist, reception and administrator accounts."""
    names = {
        "methodologist@demo.clinic": "Ковалева Анастасия",
        "reception@demo.clinic": "Егорова Светлана",
        "admin@demo.clinic": "Clinic Administrator",
    }
    return {
        email: _get_or_add(
            User,
            {"email": email},
            role=SIGN_INS[email],
            timezone=CLINIC_TZ,
            full_name=name,
            password_hash=password_hash,
        )
        for email, name in names.items()
    }


def _patients(password_hash: str) -> list[PatientProfile]:
    """Thirty-two patients with accounts; the first is patient@demo.clinic."""
    rng = random.Random(7)
    patients = []
    for index, (last, first, middle, sex) in enumerate(PATIENT_NAMES):
        email = "patient@demo.clinic" if index == 0 else f"patient{index:02d}@demo.clinic"
        tz = "Asia/Yekaterinburg" if index == 0 else PATIENT_TIMEZONES[index % len(PATIENT_TIMEZONES)]
        phone = f"+79{rng.randrange(10**8, 10**9)}"
        user = _get_or_add(
            User, {"email": email}, role=Role.PATIENT, timezone=tz, phone=phone, password_hash=password_hash
        )
        if user.patient_profile is None:
            user.patient_profile = PatientProfile(
                last_name=last,
                first_name=first,
                middle_name=middle,
                sex=sex,
                date_of_birth=date(1955 + rng.randrange(0, 48), rng.randrange(1, 13), rng.randrange(1, 29)),
                phone=phone,
                email=email,
            )
        patients.append(user.patient_profile)
    return patients


def _dependant(guardian: PatientProfile, reception: User) -> PatientProfile:
    """A child on the first patient's account, with the legal basis reception recorded."""
    child = db.session.scalar(sa.select(PatientProfile).filter_by(last_name="Смирнов", first_name="Миша", user_id=None))
    if child is None:
        child = PatientProfile(
            last_name="Смирнов",
            first_name="Миша",
            middle_name="Алексеевич",
            sex=Sex.MALE,
            date_of_birth=date(2017, 4, 12),
        )
        db.session.add(child)
        db.session.add(
            Guardianship(
                guardian=guardian.user,
                patient=child,
                legal_basis="Parent: birth certificate II-МЮ 123456",
                recorded_by=reception,
            )
        )
    return child


def _history(now, doctors, patients, services, reception) -> None:
    """Appointments over the past two weeks, today and the coming week, inside clinic hours."""
    rng = random.Random(42)
    tz = ZoneInfo(CLINIC_TZ)
    today = now.astimezone(tz).date()
    by_specialty = {}
    for service in services.values():
        by_specialty.setdefault(service.specialty_id, []).append(service)
    for doctor in doctors:
        offered = [s for sp in doctor.specialist_profile.specialties for s in by_specialty.get(sp.id, [])]
        for offset in range(-14, 8):
            day = today + timedelta(days=offset)
            # Online consultations run every day; weekends are shorter.
            closing_hour = 14 if day.weekday() >= 5 else 18
            cursor = datetime.combine(day, time(9, 0), tzinfo=tz)
            closing = datetime.combine(day, time(closing_hour, 0), tzinfo=tz)
            while cursor < closing:
                service = rng.choice(offered)
                ends = cursor + timedelta(minutes=service.duration_minutes)
                # The doctor@demo.clinic's next hours stay free for the newcomer's appointment.
                keep_free = doctor is doctors[0] and cursor < now + timedelta(hours=3) and ends > now
                if rng.random() < 0.35 and ends <= closing and not keep_free:
                    patient = rng.choice(patients)
                    db.session.add(
                        Appointment(
                            patient=patient,
                            doctor=doctor,
                            service=service,
                            starts_at=cursor.astimezone(UTC),
                            ends_at=ends.astimezone(UTC),
                            status=_status_for(ends.astimezone(UTC), now, rng),
                            created_by=reception,
                        )
                    )
                cursor = ends + timedelta(minutes=15)


def _status_for(ends_at: datetime, now: datetime, rng: random.Random) -> AppointmentStatus:
    """Past appointments mostly completed, some missed or cancelled; future ones booked or confirmed."""
    roll = rng.random()
    if ends_at <= now:
        if roll < 0.8:
            return AppointmentStatus.COMPLETED
        return AppointmentStatus.NO_SHOW if roll < 0.9 else AppointmentStatus.CANCELLED
    if roll < 0.08:
        return AppointmentStatus.CANCELLED
    return AppointmentStatus.CONFIRMED if roll < 0.5 else AppointmentStatus.BOOKED


def _newcomer_appointments(now, doctor: User, patient: PatientProfile, first: Service, follow: Service) -> None:
    """patient@demo.clinic gets an appointment with doctor@demo.clinic within two hours, and one next week."""
    soon = now + timedelta(minutes=10)
    if not _has_active(doctor, patient, now, now + timedelta(hours=2)):
        _book_first_free(doctor, patient, first, soon, now + timedelta(hours=2))
    week_from, week_to = now + timedelta(days=6), now + timedelta(days=8)
    if not _has_active(doctor, patient, now + timedelta(days=5), now + timedelta(days=9)):
        _book_first_free(doctor, patient, follow, week_from, week_to)


def _newcomer_chat(now, doctor: User, patient: PatientProfile) -> None:
    """A short exchange in the newcomer's chat with doctor@demo.clinic, so the chat pages show something."""
    if db.session.scalar(sa.select(ChatThread.id).filter_by(patient_id=patient.id, doctor_id=doctor.id)):
        return
    appointment = db.session.scalar(
        sa.select(Appointment)
        .where(Appointment.doctor_id == doctor.id, Appointment.patient_id == patient.id, Appointment.starts_at > now)
        .order_by(Appointment.starts_at)
    )
    if appointment is None:
        return
    thread = ChatThread(patient_id=patient.id, doctor_id=doctor.id)
    lines = [
        (doctor, "Good afternoon! Before we talk, please send your latest blood test, if you have one."),
        (patient.user, "Hello! I will attach it here shortly."),
    ]
    for minutes_ago, (author, text) in zip((20, 5), lines, strict=True):
        db.session.add(
            ChatMessage(
                thread=thread,
                appointment=appointment,
                author=author,
                client_id=uuid.uuid4(),
                text=text,
                sent_at=now - timedelta(minutes=minutes_ago),
            )
        )
    db.session.flush()


def _has_active(doctor: User, patient: PatientProfile, start: datetime, end: datetime) -> bool:
    """An active appointment of the pair starts within [start, end]."""
    return (
        db.session.scalar(
            sa.select(sa.func.count(Appointment.id)).where(
                Appointment.doctor_id == doctor.id,
                Appointment.patient_id == patient.id,
                Appointment.starts_at >= start,
                Appointment.starts_at <= end,
                Appointment.status.in_(ACTIVE_STATUSES),
            )
        )
        > 0
    )


def _book_first_free(
    doctor: User, patient: PatientProfile, service: Service, start: datetime, latest: datetime
) -> None:
    """Book the first five-minute-aligned start in [start, latest] at which doctor and patient are both free."""
    length = timedelta(minutes=service.duration_minutes)
    # Round up, never down, so the booking always falls inside the window the next run checks.
    cursor = start.replace(second=0, microsecond=0) + timedelta(minutes=5 - start.minute % 5)
    while cursor <= latest:
        busy = db.session.scalar(
            sa.select(sa.func.count(Appointment.id)).where(
                sa.or_(Appointment.doctor_id == doctor.id, Appointment.patient_id == patient.id),
                Appointment.status.in_(ACTIVE_STATUSES),
                Appointment.starts_at < cursor + length,
                Appointment.ends_at > cursor,
            )
        )
        if not busy:
            db.session.add(
                Appointment(
                    patient=patient,
                    doctor=doctor,
                    service=service,
                    starts_at=cursor,
                    ends_at=cursor + length,
                    status=AppointmentStatus.CONFIRMED,
                    created_by=doctor,
                )
            )
            db.session.flush()
            return
        cursor += timedelta(minutes=5)
