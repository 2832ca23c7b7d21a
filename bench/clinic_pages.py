"""Page latency on a large clinic: 50 doctors, 20,000 patients, 300,000 appointments over two years.

Command (from the repository root, after `make test` has set up .venv):

    .venv/bin/python -m bench.clinic_pages [--requests 200] [--clients 10] [--runs 3]
        [--processes 2] [--workers 1] [--threads 600]

Builds the clinic in a throwaway PostgreSQL (the production database), serves the app the way README's production
section does on two cores: two gunicorn servers of one worker with 600 threads each, every client pinned to one of
them as a sticky balancer would pin it. Then 10 concurrent clients request each page in turn, `--runs` times over
the same data and servers. `--processes 1 --workers 2 --threads 4` is the single gunicorn with two workers this
benchmark used before. Reports p50/p95 per page and run, the median run, and how much of the CPU other processes
took during each run (the machine is shared: a run on a busy machine says little). The baseline measured in the same
run is `/healthz` (one trivial query), so the slowest pages can be read as multiples of the server's own floor.
"""

import argparse
import http.cookiejar
import math
import os
import random
import re
import statistics
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
import uuid
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock

import sqlalchemy as sa

from bench.cpu import OthersMeter
from bench.server import start_gunicorn, stop_gunicorn
from tests.services.postgres import PostgresServer

PASSWORD = "bench-password-1"
DOCTORS, PATIENTS, APPOINTMENTS = 50, 20_000, 300_000


def generate(url: str, doctors_n: int, patients_n: int, appointments_n: int) -> dict:
    """Fill the database with the large clinic; returns the ids the load needs."""
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
            connection.execute(sa.text("ANALYZE"))
            count = connection.execute(sa.text("SELECT count(*) FROM appointment")).scalar()
        busiest = db.session.execute(
            sa.text("SELECT p.email FROM appointment a JOIN patient_profile p ON p.id = a.patient_id "
                    "GROUP BY p.email ORDER BY count(*) DESC LIMIT 1")
        ).scalar()  # fmt: skip
        return {
            "appointments": count,
            "doctor": "doctor0@bench.example",
            "patient": busiest,
            "card": str(doctors[0].specialist_profile.public_id),
        }


def session(port: int, email: str | None):
    """An opener signed in as `email` (anonymous when None)."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    if email:
        page = opener.open(f"http://127.0.0.1:{port}/auth/login").read().decode()
        token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
        form = urllib.parse.urlencode({"email": email, "password": PASSWORD, "csrf_token": token}).encode()
        opener.open(f"http://127.0.0.1:{port}/auth/login", data=form)
    return opener


def measure(path: str, clients: list, per_client: int) -> list[float]:
    """Each client (opener, port) requests the page `per_client` times, all concurrently; returns sorted latencies
    in ms."""
    timings: list[float] = []
    lock = threading.Lock()

    def load(opener, port):
        for _ in range(per_client):
            started = time.perf_counter()
            with opener.open(f"http://127.0.0.1:{port}{path}") as response:
                response.read()
                assert response.status == 200, (path, response.status)
            with lock:
                timings.append((time.perf_counter() - started) * 1000)

    threads = [threading.Thread(target=load, args=client) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(timings)


def main() -> int:
    """Generate, serve, load, report."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=200, help="requests per page")
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the clinic's size, for a quick try")
    parser.add_argument("--runs", type=int, default=1, help="measurements of every page over the same data")
    parser.add_argument("--processes", type=int, default=2, help="gunicorn servers, each client pinned to one")
    parser.add_argument("--workers", type=int, default=1, help="per gunicorn server")
    parser.add_argument("--threads", type=int, default=600, help="per worker")
    args = parser.parse_args()
    load_at_start = os.getloadavg()[0]  # before this benchmark adds its own load
    server = PostgresServer().start()
    server.execute("CREATE DATABASE bench")
    url = server.url("bench")
    masters = []
    try:
        started = time.perf_counter()
        sizes = [max(1, int(n * args.scale)) for n in (DOCTORS, PATIENTS, APPOINTMENTS)]
        facts = generate(url, *sizes)
        generated_in = time.perf_counter() - started
        env = {**os.environ, "DATABASE_URL": url, "APP_ENV": "production", "SECRET_KEY": os.urandom(16).hex(),
               "SESSION_COOKIE_SECURE": "false", "LOGIN_LIMIT_PER_IP": "1000 per minute",
               "STORAGE_LOCAL_PATH": tempfile.mkdtemp(prefix="bench-storage-")}  # fmt: skip
        for _ in range(args.processes):
            masters.append(start_gunicorn(env, workers=args.workers, threads=args.threads))
        pages = {
            "baseline: /healthz": (None, "/healthz"),
            "doctor's day": (facts["doctor"], "/doctor/"),
            "doctor's patient list search": (facts["doctor"], "/doctor/patients?q=" + urllib.parse.quote("смир")),
            "reception patient search": ("reception@bench.example", "/reception/patients/search?q=7912"),
            "patient's cabinet": (facts["patient"], "/patient/"),
            "specialist card (free slots)": (None, f"/specialists/{facts['card']}"),
        }
        # Client n talks to server n % processes, as a sticky balancer (nginx hash of the client address) spreads
        # distinct clients: five and five here.
        ports = [port for _master, port in masters]
        clients = {
            name: [(session(ports[n % len(ports)], email), ports[n % len(ports)]) for n in range(args.clients)]
            for name, (email, _path) in pages.items()
        }
        runs = []
        meter = OthersMeter([os.getpid()])  # gunicorn and PostgreSQL are its children
        for _run in range(args.runs):
            results = {}
            meter.start()
            for name, (_email, path) in pages.items():
                timings = measure(path, clients[name], args.requests // args.clients)
                results[name] = (statistics.median(timings), timings[int(len(timings) * 0.95) - 1], len(timings))
            runs.append((results, meter.stop()))
    finally:
        for master, _port in masters:
            stop_gunicorn(master)
        server.stop()

    print(f"### Pages on a large clinic ({time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores, PostgreSQL)")
    print()
    print(
        f"Command: `.venv/bin/python -m bench.clinic_pages --requests {args.requests} --clients {args.clients} "
        f"--runs {args.runs} --processes {args.processes} --workers {args.workers} --threads {args.threads}`"
    )
    print(
        f"Data: {sizes[0]} doctors, {sizes[1]} patients, {facts['appointments']} appointments (generated in {generated_in:.0f} s)."
    )
    print(f"1-minute load average when the benchmark started: {load_at_start:.2f} (the runs below include its own).")
    for n, (results, others) in enumerate(runs, 1):
        print()
        print(f"Run {n}: other processes used {others:.0%} of the machine's CPU meanwhile.")
        print()
        print("| page | p50 (ms) | p95 (ms) | requests | p95 / baseline p95 |")
        print("|---|---|---|---|---|")
        base = results["baseline: /healthz"][1]
        for name, (p50, p95, n_requests) in results.items():
            print(f"| {name} | {p50:.1f} | {p95:.1f} | {n_requests} | {p95 / base:.1f} |")
    if len(runs) > 1:
        print()
        print("Median of the runs, page by page:")
        print()
        print("| page | p50 (ms) | p95 (ms) | best p95 (ms) |")
        print("|---|---|---|---|")
        for name in runs[0][0]:
            p50s = [results[name][0] for results, _others in runs]
            p95s = [results[name][1] for results, _others in runs]
            print(f"| {name} | {statistics.median(p50s):.1f} | {statistics.median(p95s):.1f} | {min(p95s):.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
