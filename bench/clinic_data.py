"""The large clinic of bench/clinic_pages.py: 50 doctors, 20,000 patients, 300,000 appointments over two years,
written straight into a database, and the facts the load needs from it."""

import math
import os
import random
import uuid
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock

import sqlalchemy as sa

PASSWORD = "bench-password-1"
DOCTORS, PATIENTS, APPOINTMENTS = 50, 20_000, 300_000
DOCTOR = "doctor0@bench.example"  # the doctor whose pages are loaded; `generate` names doctors doctor<n>@


def generate(url: str, doctors_n: int, patients_n: int, appointments_n: int) -> None:
    """Fill the database with the large clinic (`lookup_facts` then finds what the load needs)."""
    os.environ["DATABASE_URL"] = url
    from app import create_app
    from app.extensions import db
    from app.models import Appointment, PatientProfile, Service, SpecialistProfile, Specialty, User, WorkingInterval
    from app.passwords import hash_password

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    rng = random.Random(1)
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        digest = hash_password(PASSWORD)
        now = datetime.now(UTC)
        specialties = [
            Specialty(slug=f"s{n}", name_en=f"Specialty {n}", name_ru=f"Специальность {n}") for n in range(10)
        ]
        db.session.add_all(specialties)
        db.session.flush()
        services = [
            Service(code=f"svc{n}", name_en=f"Service {n}", name_ru=f"Услуга {n}", specialty_id=sp.id,
                    duration_minutes=30, price=2500, kind="consultation")
            for n, sp in enumerate(specialties)
        ]  # fmt: skip
        db.session.add_all(services)
        staff = [
            User(email="reception@bench.example", role="reception", password_hash=digest, timezone="Europe/Moscow")
        ]
        db.session.add_all(staff)
        doctors = []
        for n in range(doctors_n):
            user = User(email=f"doctor{n}@bench.example", role="doctor", password_hash=digest, timezone="Europe/Moscow")
            user.specialist_profile = SpecialistProfile(
                last_name=f"Doctor{n}", first_name="Bench", specialties=[specialties[n % len(specialties)]]
            )
            doctors.append(user)
        db.session.add_all(doctors)
        db.session.flush()
        for doctor in doctors:
            for weekday in range(7):
                db.session.add(WorkingInterval(doctor_id=doctor.id, weekday=weekday, starts=clock(8), ends=clock(20)))
        db.session.commit()
        engine = db.engine
        user_rows = [
            {"public_id": uuid.uuid4(), "email": f"patient{n}@bench.example", "role": "patient", "password_hash": digest,
             "timezone": rng.choice(["Europe/Moscow", "Asia/Yekaterinburg", "Asia/Vladivostok"]), "active": True,
             "full_name": "", "created_at": now}
            for n in range(patients_n)
        ]  # fmt: skip
        with engine.begin() as connection:
            connection.execute(sa.insert(User.__table__), user_rows)
            ids = dict(connection.execute(sa.text("SELECT email, id FROM \"user\" WHERE role = 'patient'")).all())
            first = ["Анна", "Мария", "Иван", "Пётр", "Olivia", "Liam", "Ольга", "Сергей"]
            last = ["Смирнова", "Иванов", "Петрова", "Кузнецов", "Smith", "Brown", "Волкова", "Попов"]
            profiles = []
            for n in range(patients_n):
                given, family = rng.choice(first), rng.choice(last) + str(n)
                phone = f"+79{rng.randrange(10**8, 10**9)}"
                profiles.append(
                    {"public_id": uuid.uuid4(), "user_id": ids[f"patient{n}@bench.example"], "first_name": given,
                     "last_name": family, "date_of_birth": date(1950 + n % 50, 1 + n % 12, 1 + n % 28), "phone": phone,
                     "email": f"patient{n}@bench.example", "search_text": f"{family} {given} patient{n}@bench.example {phone[1:]}".casefold(),
                     "created_at": now}
                )  # fmt: skip
            connection.execute(sa.insert(PatientProfile.__table__), profiles)
            patient_ids = [row[0] for row in connection.execute(sa.text("SELECT id FROM patient_profile ORDER BY id"))]
            service_of = {d.id: services[n % len(services)].id for n, d in enumerate(doctors)}
            rows, start_day = [], (now - timedelta(days=700)).date()
            per_day = max(1, math.ceil(appointments_n / (doctors_n * 730)))
            for offset in range(730):
                day = start_day + timedelta(days=offset)
                for doctor in doctors:
                    for k in range(per_day):
                        starts = datetime.combine(day, clock(8), tzinfo=UTC) + timedelta(minutes=40 * k)
                        status = "completed" if starts < now else "booked"
                        rows.append(
                            {"public_id": uuid.uuid4(), "patient_id": rng.choice(patient_ids), "doctor_id": doctor.id,
                             "service_id": service_of[doctor.id], "starts_at": starts,
                             "ends_at": starts + timedelta(minutes=30), "status": status, "created_at": now,
                             "cancel_reason": ""}
                        )  # fmt: skip
                        if len(rows) >= 20_000:
                            connection.execute(sa.insert(Appointment.__table__), rows)
                            rows = []
            if rows:
                connection.execute(sa.insert(Appointment.__table__), rows)
        db.session.remove()  # no transaction left open: it would keep VACUUM from marking pages all-visible
        # A live database has been vacuumed by autovacuum since its rows were written: its visibility map is set,
        # so index-only scans skip the heap. ANALYZE alone leaves freshly loaded tables without it. VACUUM cannot
        # run inside a transaction, hence the autocommit connection.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(sa.text("VACUUM ANALYZE"))


def lookup_facts(url: str) -> dict:
    """What the load needs from a database `generate` filled: sizes, the accounts and the card to request."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:

            def one(sql: str):
                """The single value of a query."""
                return connection.execute(sa.text(sql), {"doctor": DOCTOR}).scalar()

            card = one(
                'SELECT s.public_id FROM specialist_profile s JOIN "user" u ON u.id = s.user_id WHERE u.email = :doctor'
            )
            if card is None:
                raise SystemExit(f"{DOCTOR} not found: the database was not filled by bench.clinic_pages")
            return {
                "doctors": one("SELECT count(*) FROM \"user\" WHERE role = 'doctor'"),
                "patients": one("SELECT count(*) FROM patient_profile"),
                "appointments": one("SELECT count(*) FROM appointment"),
                "doctor": DOCTOR,
                "patient": one(
                    "SELECT p.email FROM appointment a JOIN patient_profile p ON p.id = a.patient_id "
                    "GROUP BY p.email ORDER BY count(*) DESC LIMIT 1"
                ),
                "card": str(card),
            }
    finally:
        engine.dispose()
