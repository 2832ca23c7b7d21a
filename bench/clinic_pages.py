"""Page latency on a large clinic: 50 doctors, 20,000 patients, 300,000 appointments over two years.

Command (from the repository root, after `make test` has set up .venv; the load generator is wrk, Debian's `wrk`
package: `apt-get install wrk`):

    .venv/bin/python -m bench.clinic_pages [--seconds 10] [--warmup 2] [--clients 10] [--runs 1] [--scale 1]
        [--worker-class gthread] [--processes 2] [--workers 1] [--threads 600] [--keep-alive]
        [--database-url URL [--postgres-pid PID]]

Builds the clinic in a throwaway PostgreSQL (the production database) and vacuums it as autovacuum would have, then
serves the app the way README's production section does on two cores: two gunicorn servers of one gthread worker
with 600 threads each, every client pinned to one of them as a sticky balancer would pin it (`--processes 1
--workers 2 --threads 4` is the single gunicorn this benchmark used first; `--worker-class sync` is one gunicorn of
`--workers` sync processes, default 4, serving all clients). Then 10 concurrent clients request each page in turn,
`--runs` times over the same data and servers: one wrk per gunicorn server, one connection per client, each client
with its own session; `Connection: close` on every request (nginx without upstream keep-alive opens a connection per
request) unless `--keep-alive`. Each page is loaded for `--warmup` seconds, then measured for `--seconds`.

Reports p50/p95 per page and run, the median run, and where the CPU went: milliseconds of CPU per request in
gunicorn (masters and workers), in PostgreSQL (postmaster and backends) and in wrk, and the share of the machine's
CPU other processes took meanwhile (the machine is shared: a run on a busy machine says little). The baseline
measured in the same run is `/healthz` (one trivial query), so the slowest pages can be read as multiples of the
server's own floor.

`--database-url` skips generation and PostgreSQL's start-up and loads a database this script filled before (quicker
when iterating on the app); its PostgreSQL's CPU is reported when `--postgres-pid` gives its postmaster (the first
line of `<data dir>/postmaster.pid`), else n/a.
"""

import argparse
import http.cookiejar
import json
import math
import os
import random
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
import uuid
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from pathlib import Path

import sqlalchemy as sa

from bench.cpu import OthersMeter, tree_cpu_seconds
from bench.server import start_gunicorn, stop_gunicorn
from tests.services.postgres import PostgresServer

WRK_SCRIPT = Path(__file__).with_name("wrk_report.lua")
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


# The browser every client claims to be, at sign-in and under load alike (bench/wrk_report.lua sends it too):
# Flask-Login's session protection marks a session whose user agent changed as not fresh, which rewrites the session
# cookie on every response, work a real browser's requests do not cause.
USER_AGENT = "clinic-bench/1"


def session(port: int, email: str | None):
    """An opener signed in as `email` (anonymous when None)."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.addheaders = [("User-Agent", USER_AGENT)]
    if email:
        page = opener.open(f"http://127.0.0.1:{port}/auth/login").read().decode()
        token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
        form = urllib.parse.urlencode({"email": email, "password": PASSWORD, "csrf_token": token}).encode()
        opener.open(f"http://127.0.0.1:{port}/auth/login", data=form)
    return opener


def cookie_header(port: int, email: str | None, path: str) -> str:
    """One client's Cookie header ("" when none): signed in as `email` (anonymous when None), after one request of
    the page, which must answer 200 itself rather than by a redirect (to the sign-in page, say)."""
    opener = session(port, email)
    url = f"http://127.0.0.1:{port}{path}"
    with opener.open(url) as response:
        response.read()
        if response.status != 200 or response.geturl() != url:
            raise RuntimeError(f"{path} as {email or 'anonymous'}: {response.status} from {response.geturl()}")
    jar = next(h.cookiejar for h in opener.handlers if isinstance(h, urllib.request.HTTPCookieProcessor))
    return "; ".join(f"{cookie.name}={cookie.value}" for cookie in jar)


def wrk_binary() -> str:
    """The path of wrk, or a clear error."""
    found = shutil.which("wrk")
    if found is None:
        raise SystemExit(
            "wrk not found: this benchmark's load generator is Debian's wrk package (`apt-get install wrk`)"
        )
    return found


def postmaster_pid(data_dir: Path) -> int:
    """The PID of a PostgreSQL server: the first line of its data directory's postmaster.pid."""
    return int((data_dir / "postmaster.pid").read_text().split("\n", 1)[0])


ERRORS = ("non_200", "overlaps", "status_errors", "connect_errors", "read_errors", "write_errors", "timeouts")


def load(wrk: str, targets: list, path: str, seconds: int, keep_alive: bool, workdir: Path) -> list[dict]:
    """Run one wrk per server, all at once, for `seconds`. `targets`: (port, the Cookie header of each of its
    clients), one connection and thread per client. Returns each wrk's report (see wrk_report.lua) with the CPU
    seconds it used; fails on any error or status other than 200."""
    running = []
    for n, (port, cookies) in enumerate(targets):
        out, err = workdir / f"wrk{n}.json", workdir / f"wrk{n}.err"
        out.unlink(missing_ok=True)
        command = [
            wrk, "-t", str(len(cookies)), "-c", str(len(cookies)), "-d", f"{seconds}s", "--timeout", "10s",
            "-s", str(WRK_SCRIPT), f"http://127.0.0.1:{port}{path}", "--", str(out), "1" if keep_alive else "0",
            *cookies,
        ]  # fmt: skip
        with err.open("wb") as stderr:
            running.append((subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=stderr), port, out, err))
    finished = []
    for process, port, out, err in running:  # all of them before any failure is raised
        _pid, status, usage = os.wait4(process.pid, 0)  # this child's own CPU, whatever else runs
        process.returncode = os.waitstatus_to_exitcode(status)
        finished.append((process.returncode, port, out, err, usage.ru_utime + usage.ru_stime))
    reports = []
    for returncode, port, out, err, cpu in finished:
        if returncode != 0 or not out.exists():
            raise RuntimeError(f"wrk on {path} (port {port}) failed ({returncode}): {err.read_text()}")
        reports.append({**json.loads(out.read_text()), "port": port, "cpu": cpu})
    for report in reports:
        errors = {name: report[name] for name in ERRORS if report[name]}
        if errors or not report["requests"]:
            raise RuntimeError(
                f"{path} (port {report['port']}): {report['requests']} requests, errors {errors}, "
                f"statuses other than 200: {report['statuses']}"
            )
    return reports


def quantile(reports: list[dict], p: float) -> float:
    """The p-th percentile (ms) of the wrks' merged distributions: each of a wrk's 1000 quantile points weighs a
    thousandth of its requests."""
    points = sorted((value, report["requests"] / 1000) for report in reports for value in report["quantiles"])
    total, cumulative = sum(weight for _value, weight in points), 0.0
    for value, weight in points:
        cumulative += weight
        if cumulative >= total * p / 100 * (1 - 1e-9):
            return value / 1000
    return points[-1][0] / 1000


def measure(wrk: str, targets: list, path: str, args, workdir: Path, masters: list, pg_pid: int | None) -> dict:
    """Warm up, then load the page for `args.seconds` and account for the CPU of each component meanwhile."""
    load(wrk, targets, path, args.warmup, args.keep_alive, workdir)  # checked, not reported

    def app_cpu() -> float:
        """gunicorn masters and their workers."""
        return sum(tree_cpu_seconds(master.pid) for master, _port in masters)

    meter = OthersMeter([os.getpid()] + ([pg_pid] if pg_pid else []))  # gunicorn, wrk, our PostgreSQL: children
    meter.start()
    app, pg = app_cpu(), tree_cpu_seconds(pg_pid) if pg_pid else None
    reports = load(wrk, targets, path, args.seconds, args.keep_alive, workdir)
    app = app_cpu() - app
    pg = tree_cpu_seconds(pg_pid) - pg if pg_pid else None
    others = meter.stop()
    requests = sum(report["requests"] for report in reports)
    per_request = 1000 / requests
    return {
        "p50": quantile(reports, 50),
        "p95": quantile(reports, 95),
        "requests": requests,
        "rate": sum(report["requests"] / report["duration_us"] * 1e6 for report in reports),
        "app": app * per_request,
        "pg": pg * per_request if pg is not None else None,
        "wrk": sum(report["cpu"] for report in reports) * per_request,
        "others": others,
    }


def number(value: float | None, digits: int = 1) -> str:
    """A table cell; n/a for an unknown figure."""
    return "n/a" if value is None else f"{value:.{digits}f}"


def main() -> int:
    """Generate (or use an existing database), serve, load, report."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--seconds", type=int, default=10, help="measured time per page")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of load before each page's measurement")
    parser.add_argument("--clients", type=int, default=10, help="concurrent clients (connections)")
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the clinic's size, for a quick try")
    parser.add_argument("--runs", type=int, default=1, help="measurements of every page over the same data")
    parser.add_argument("--worker-class", choices=["gthread", "sync"], default="gthread")
    parser.add_argument("--processes", type=int, help="gthread: gunicorn servers, each client pinned to one (2)")
    parser.add_argument("--workers", type=int, help="per gunicorn server (gthread 1, sync 4)")
    parser.add_argument("--threads", type=int, help="per gthread worker (600)")
    parser.add_argument("--keep-alive", action="store_true", help="reuse connections instead of Connection: close")
    parser.add_argument("--database-url", help="an existing database this script filled: skip generation")
    parser.add_argument("--postgres-pid", type=int, help="with --database-url: its postmaster, for its CPU figure")
    args = parser.parse_args()
    if args.worker_class == "sync":
        if args.processes not in (None, 1) or args.threads is not None:
            parser.error("sync: one gunicorn server (--processes 1) of --workers processes, without --threads")
        args.processes, args.workers = 1, args.workers or 4
    else:
        args.processes, args.workers, args.threads = args.processes or 2, args.workers or 1, args.threads or 600
    if args.postgres_pid is not None:
        if not args.database_url:
            parser.error("--postgres-pid goes with --database-url (the script knows its own PostgreSQL)")
        if not Path(f"/proc/{args.postgres_pid}/stat").exists():
            parser.error(f"--postgres-pid {args.postgres_pid}: no such process")
    wrk = wrk_binary()
    wrk_version = subprocess.run([wrk, "-v"], capture_output=True, text=True, check=False).stdout.split()[1]
    command = shlex.join([".venv/bin/python", "-m", "bench.clinic_pages", *sys.argv[1:]])
    load_at_start = os.getloadavg()[0]  # before this benchmark adds its own load
    workdir = Path(tempfile.mkdtemp(prefix="bench-wrk-"))
    server, masters, generated_in = None, [], None
    try:
        if args.database_url:
            url, pg_pid = args.database_url, args.postgres_pid
        else:
            server = PostgresServer().start()
            server.execute("CREATE DATABASE bench")
            url = server.url("bench")
            started = time.perf_counter()
            generate(url, *(max(1, int(n * args.scale)) for n in (DOCTORS, PATIENTS, APPOINTMENTS)))
            generated_in = time.perf_counter() - started
            pg_pid = postmaster_pid(server.base / "data")
        facts = lookup_facts(url)
        env = {**os.environ, "DATABASE_URL": url, "APP_ENV": "production", "SECRET_KEY": os.urandom(16).hex(),
               "SESSION_COOKIE_SECURE": "false", "LOGIN_LIMIT_PER_IP": "1000 per minute",
               "STORAGE_LOCAL_PATH": tempfile.mkdtemp(prefix="bench-storage-")}  # fmt: skip
        for _ in range(args.processes):
            masters.append(start_gunicorn(env, args.workers, args.threads, args.worker_class))
        pages = {
            "baseline: /healthz": (None, "/healthz"),
            "doctor's day": (facts["doctor"], "/doctor/"),
            "doctor's patient list search": (facts["doctor"], "/doctor/patients?q=" + urllib.parse.quote("смир")),
            # The second page needs the doctor's other patients too (the first is filled by those with a coming
            # appointment): the search's expensive path, measured beside the first page.
            "same search, page 2": (facts["doctor"], "/doctor/patients?page=2&q=" + urllib.parse.quote("смир")),
            "reception patient search": ("reception@bench.example", "/reception/patients/search?q=7912"),
            "patient's cabinet": (facts["patient"], "/patient/"),
            "specialist card (free slots)": (None, f"/specialists/{facts['card']}"),
        }
        # Client n talks to server n % processes, as a sticky balancer (nginx hash of the client address) spreads
        # distinct clients: five and five here. Each client signs in once; its wrk connection sends its cookie.
        ports = [port for _master, port in masters]
        pinned = [sum(1 for n in range(args.clients) if n % len(ports) == i) for i in range(len(ports))]
        targets = {
            name: [
                (port, [cookie_header(port, email, path) for _client in range(count)])
                for port, count in zip(ports, pinned, strict=True)
                if count
            ]
            for name, (email, path) in pages.items()
        }
        runs = []
        for _run in range(args.runs):
            meter = OthersMeter([os.getpid()] + ([pg_pid] if pg_pid else []))
            meter.start()
            results = {
                name: measure(wrk, targets[name], path, args, workdir, masters, pg_pid)
                for name, (_email, path) in pages.items()
            }
            runs.append((results, meter.stop()))
    finally:
        for master, _port in masters:
            stop_gunicorn(master)
        if server is not None:
            server.stop()
        shutil.rmtree(workdir, ignore_errors=True)

    print(f"### Pages on a large clinic ({time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores, PostgreSQL)")
    print()
    print(f"Command: `{command}`")
    print()
    if args.worker_class == "sync":
        shape = f"one gunicorn server of {args.workers} sync workers, all clients on it"
    else:
        servers = "one gunicorn server" if args.processes == 1 else f"{args.processes} gunicorn servers"
        shape = f"{servers} of {args.workers} gthread worker{'s' * (args.workers > 1)} × {args.threads} threads"
        if args.processes > 1:
            shape += f", clients pinned {' + '.join(str(count) for count in pinned)} as a sticky balancer would"
    connection = "keep-alive" if args.keep_alive else "`Connection: close` (a new connection per request)"
    print(
        f"Server: {shape}. Load: wrk {wrk_version}, {args.clients} clients (one connection each), {connection}; "
        f"each page {args.seconds} s after {args.warmup} s of warm-up."
    )
    made = f"generated in {generated_in:.0f} s, then VACUUM ANALYZE" if generated_in else "existing database"
    print(
        f"Data: {facts['doctors']} doctors, {facts['patients']} patients, {facts['appointments']} appointments ({made})."
    )
    print(f"1-minute load average when the benchmark started: {load_at_start:.2f} (the runs below include its own).")
    if args.database_url:
        print(
            f"PostgreSQL's CPU: postmaster {pg_pid} and all its backends, other sessions' included."
            if pg_pid
            else "PostgreSQL's CPU: n/a without --postgres-pid (it counts among the others)."
        )
    print(
        "Latency: each request timed by bench/wrk_report.lua (wrk's own statistics add made-up samples for "
        "coordinated omission). CPU per request over each page's measurement: app = gunicorn (masters and workers), "
        "PostgreSQL = the postmaster and its backends, wrk = the load generator; others = the share of the machine's "
        "CPU (all cores) that other processes took meanwhile."
    )
    for n, (results, others) in enumerate(runs, 1):
        print()
        print(f"Run {n}: other processes used {others:.0%} of the machine's CPU meanwhile.")
        print()
        print(
            "| page | p50 (ms) | p95 (ms) | requests | req/s | CPU/request: app (ms) | PostgreSQL (ms) | wrk (ms) "
            "| others (CPU) | p95 / baseline p95 |"
        )
        print("|---|---|---|---|---|---|---|---|---|---|")
        base = results["baseline: /healthz"]["p95"]
        for name, r in results.items():
            print(
                f"| {name} | {r['p50']:.1f} | {r['p95']:.1f} | {r['requests']} | {r['rate']:.0f} | {r['app']:.2f} "
                f"| {number(r['pg'], 2)} | {r['wrk']:.2f} | {r['others']:.0%} | {r['p95'] / base:.1f} |"
            )
    if len(runs) > 1:
        print()
        print("Median of the runs, page by page:")
        print()
        print("| page | p50 (ms) | p95 (ms) | best p95 (ms) | CPU/request: app (ms) | PostgreSQL (ms) | wrk (ms) |")
        print("|---|---|---|---|---|---|---|")
        for name in runs[0][0]:

            def median(key: str, name: str = name) -> float | None:
                """The median of one figure over the runs."""
                values = [results[name][key] for results, _others in runs]
                return None if None in values else statistics.median(values)

            best = min(results[name]["p95"] for results, _others in runs)
            print(
                f"| {name} | {median('p50'):.1f} | {median('p95'):.1f} | {best:.1f} | {median('app'):.2f} "
                f"| {number(median('pg'), 2)} | {median('wrk'):.2f} |"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
