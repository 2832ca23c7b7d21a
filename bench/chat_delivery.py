"""Chat delivery across two app processes sharing Redis, against a bare python-socketio relay in the same run.

Command (from the repository root, after `make test` has set up .venv; needs Debian's postgresql and redis-server):

    .venv/bin/python -m bench.chat_delivery [--clients 20] [--seconds 20] [--hold 500] [--hold-seconds 30]
        [--joins 1000] [--connect-timeout 30] [--worker-class gevent|gthread]

Both servers run the same way: two gunicorn masters (1 worker each, the worker class of gunicorn.conf.py, gevent)
sharing one throwaway Redis; the app also shares one throwaway PostgreSQL. The floor is `bench/relay_server.py`
(join a room, relay a message to it: no auth, no database). For each server in turn:

- delivery: N Socket.IO clients (one asyncio process, websocket transport) in N/2 rooms, the two members of
  every room on different processes, so every delivery crosses Redis. Each client sends one message per second
  (open loop, at fixed times, whatever the acks do). Latency is send (at the sender) to receipt of that message
  by the other member of the room; all clients share one clock. The first seconds are warm-up, not measured.
- hold: `--hold` idle connections per process (twice that in all, each a different signed-in user), held for
  `--hold-seconds` (longer than Engine.IO's 25 s ping interval), then every connection must still answer a join.
- joins: `--joins` connections (half on each process, each a different signed-in user) all join their room at
  once, 100 in flight at a time; the time until every join is answered, and each join's latency.

Every connection must complete within `--connect-timeout` seconds (TCP, the Engine.IO handshake and the
namespace's answer); one that does not is given up and counted as "never answered" (a server that accepts sockets
and then starves them), apart from those refused or failed ("connect").

App clients connect with session cookies made here the way Flask-Login makes them at sign-in (same SECRET_KEY),
so the run does not need N password checks and the login throttle. Printed at the end: one table per phase,
CPU use of each process during the delivery phase, of the rest of the machine (other people's work) and the load
generator's event-loop lag, which tell whether the figures measure the servers or this machine. With `--py-spy`
(a py-spy executable, e.g. pip-installed into a separate venv) the workers are sampled while measuring, into
collapsed stacks beside the gunicorn logs.

The relay takes 200 clients in its stride on 2 cores; the app saturates the machine above about 30 (see RESULTS.md),
hence the default of 20.
"""

import argparse
import asyncio
import contextlib
import os
import random
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import socketio

from bench.clinic_pages import USER_AGENT  # one browser for every benchmark (Flask-Login's session check)
from tests.services.postgres import PostgresServer
from tests.services.process import free_port, stop, wait_until
from tests.services.redis import RedisServer

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).parent / "gunicorn"
NAMESPACE = "/chat"
TEXT = "Good afternoon, doctor. The rash on my forearm is smaller today, photo to follow."
CLOCK_TICK = os.sysconf("SC_CLK_TCK")


# --- Servers ---


class Gunicorn:
    """One gunicorn master with one threaded worker serving `target` ("module:app") on a free loopback port."""

    def __init__(self, target: str, env: dict, threads: int, log: Path, worker_class: str | None = None):
        self.target, self.env, self.threads, self.log = target, env, threads, log
        self.worker_class = worker_class  # None: gunicorn.conf.py's (gevent)
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        """The base URL."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "Gunicorn":
        """Start and wait until the Engine.IO endpoint answers a polling handshake."""
        with open(self.log, "ab") as output:
            self.process = subprocess.Popen(
                [
                    str(GUNICORN),
                    "--bind", f"127.0.0.1:{self.port}",
                    "--workers", "1",
                    "--threads", str(self.threads),
                    # gthread counts every open connection against this (default 1000).
                    "--worker-connections", str(max(1000, 2 * self.threads)),
                    "--graceful-timeout", "5",
                    *(["--worker-class", self.worker_class] if self.worker_class else []),
                    self.target,
                ],
                cwd=ROOT,
                env=self.env,
                stdout=output,
                stderr=output,
            )  # fmt: skip
        wait_until(self._answers, 60, f"gunicorn {self.target}", self.process)
        return self

    def _answers(self) -> bool:
        """An Engine.IO polling handshake succeeds."""
        try:
            handshake = f"http://127.0.0.1:{self.port}/socket.io/?EIO=4&transport=polling"
            return urllib.request.urlopen(handshake, timeout=2).status == 200
        except OSError:
            return False

    def worker_pids(self) -> list[int]:
        """The master's children: the worker."""
        try:
            children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text()
        except OSError:
            return []
        return [int(pid) for pid in children.split()]

    def stop(self) -> None:
        """Graceful stop, killed if it hangs."""
        stop(self.process, signal.SIGTERM, timeout=15)
        self.process = None


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of the processes, from /proc."""
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / CLOCK_TICK
    return total


def machine_cpu_seconds() -> float:
    """Busy CPU time of the whole machine (all cores), from /proc/stat."""
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(f) for f in fields[:8])
    return (user + nice + system + irq + softirq + steal) / CLOCK_TICK


def tree_cpu_seconds(pid: int) -> float:
    """CPU time of a process, its live children and its exited ones (PostgreSQL's backends come and go)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    own = sum(int(f) for f in fields[11:15]) / CLOCK_TICK  # utime, stime, cutime, cstime
    return own + cpu_seconds(children_of(pid))


def children_of(pid: int) -> list[int]:
    """Direct children of a process (PostgreSQL's backends are the postmaster's)."""
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


# --- Data: users, appointments and their session cookies ---


@dataclass
class Room:
    """One appointment: its id (the room) and the session cookies of its doctor and its patient."""

    appointment: str
    doctor_cookie: str = ""
    patient_cookie: str = ""


def build_clinic(url: str, secret_key: str, rooms_n: int, starts_in: timedelta) -> list[Room]:
    """Migrate, create `rooms_n` doctor/patient pairs each with one appointment, and sign every user in."""
    os.environ.setdefault("SECRET_KEY", secret_key)  # create_app must not write instance/secret_key
    from flask import session
    from flask_login import login_user
    from flask_migrate import upgrade

    from app import create_app
    from app.extensions import db
    from app.models import (
        Appointment,
        AppointmentStatus,
        PatientProfile,
        Role,
        Service,
        ServiceKind,
        SpecialistProfile,
        Specialty,
        User,
    )
    from app.passwords import hash_password

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": secret_key,
            "REDIS_URL": "",
            "RATELIMIT_STORAGE_URI": "memory://",
            "SESSION_COOKIE_SECURE": False,
        }
    )
    with app.app_context():
        upgrade()
        digest = hash_password(secrets_token())  # nobody signs in with a password; hashed once (argon2 is slow)
        specialty = Specialty(slug="bench", name_en="Bench", name_ru="Бенч")
        service = Service(
            code="bench", name_en="Chat consultation", name_ru="Консультация в чате", specialty=specialty,
            duration_minutes=30, price=Decimal("2500"), kind=ServiceKind.CONSULTATION,
        )  # fmt: skip
        starts_at = datetime.now(UTC) + starts_in
        appointments, users = [], []
        for n in range(rooms_n):
            doctor = User(email=f"doctor{n}@bench.example", role=Role.DOCTOR, password_hash=digest)
            doctor.specialist_profile = SpecialistProfile(last_name=f"Doctor{n}", first_name="Bench")
            patient = User(email=f"patient{n}@bench.example", role=Role.PATIENT, password_hash=digest)
            patient.patient_profile = PatientProfile(
                last_name=f"Patient{n}", first_name="Bench", date_of_birth=date(1980, 1, 1), email=patient.email
            )
            appointments.append(
                Appointment(
                    patient=patient.patient_profile, doctor=doctor, service=service, starts_at=starts_at,
                    ends_at=starts_at + timedelta(minutes=30), status=AppointmentStatus.BOOKED,
                )
            )  # fmt: skip
            users.append((doctor, patient))
        db.session.add_all(appointments)
        db.session.commit()
        rooms = []
        for appointment, (doctor, patient) in zip(appointments, users, strict=True):
            rooms.append(
                Room(str(appointment.public_id), session_cookie(app, doctor, login_user, session),
                     session_cookie(app, patient, login_user, session))
            )  # fmt: skip
        db.session.remove()
        db.engine.dispose()
    return rooms


def secrets_token() -> str:
    """A throwaway password nobody knows."""
    return uuid.uuid4().hex


def session_cookie(app, user, login_user, session) -> str:
    """The value of the `session` cookie Flask would set after `login_user(user)` from this client."""
    # Same address and User-Agent as the bench clients, so Flask-Login's session identifier matches theirs.
    with app.test_request_context(headers={"User-Agent": USER_AGENT}, environ_base={"REMOTE_ADDR": "127.0.0.1"}):
        assert login_user(user)
        response = app.make_response("")
        app.session_interface.save_session(app, session._get_current_object(), response)
        for header in response.headers.getlist("Set-Cookie"):
            name, _, rest = header.partition("=")
            if name == app.config["SESSION_COOKIE_NAME"]:
                return rest.split(";", 1)[0]
    raise RuntimeError("Flask set no session cookie")


# --- Protocols: what `join` and `send` carry for each server ---


@dataclass
class Target:
    """One server under test: its two processes and the shape of its events."""

    name: str
    urls: list[str]
    uses_cookies: bool
    room_key: str  # "room" for the relay, "appointment" for the app

    def headers(self, cookie: str) -> dict:
        """Connection headers: the session cookie for the app, nothing for the relay."""
        headers = {"User-Agent": USER_AGENT}
        if self.uses_cookies:
            headers["Cookie"] = f"session={cookie}"
        return headers

    def join(self, room: str) -> dict:
        """The join event's payload."""
        return {self.room_key: room}

    def send(self, room: str, client_id: str) -> dict:
        """The send event's payload."""
        return {self.room_key: room, "client_id": client_id, "text": TEXT}


@dataclass
class Errors:
    """What went wrong in one phase, by kind."""

    connect: int = 0
    unanswered: int = 0
    join: int = 0
    ack: int = 0
    disconnect: int = 0
    lost: int = 0
    samples: list[str] = field(default_factory=list)

    def add(self, kind: str, detail: str) -> None:
        """Count one error and keep the first few details for the report."""
        setattr(self, kind, getattr(self, kind) + 1)
        if len(self.samples) < 5:
            self.samples.append(f"{kind}: {detail}")

    @property
    def total(self) -> int:
        """All errors."""
        return self.connect + self.unanswered + self.join + self.ack + self.disconnect + self.lost

    def __str__(self) -> str:
        kinds = ("connect", "unanswered", "join", "ack", "disconnect", "lost")
        parts = [f"{k} {getattr(self, k)}" for k in kinds if getattr(self, k)]
        return ", ".join(parts) or "0"


# How long a connection may take to open (TCP, Engine.IO handshake, the namespace's answer); --connect-timeout.
CONNECT_TIMEOUT = 30.0


async def open_clients(target: Target, plan: list[tuple[int, str]], errors: Errors, batch: int) -> list:
    """Connect one client per (process index, cookie), `batch` at a time; failed ones are None.

    A connection that has not completed within CONNECT_TIMEOUT is abandoned and counted as never answered, so a
    server that accepts sockets and then starves them gives a figure instead of a run that never ends.
    """
    clients: list = [None] * len(plan)
    semaphore = asyncio.Semaphore(batch)

    async def connect(i: int, process: int, cookie: str) -> None:
        client = socketio.AsyncClient(reconnection=False, handle_sigint=False)
        async with semaphore:
            try:
                await asyncio.wait_for(
                    client.connect(
                        target.urls[process], headers=target.headers(cookie), transports=["websocket"],
                        namespaces=[NAMESPACE], wait_timeout=CONNECT_TIMEOUT,
                    ),
                    CONNECT_TIMEOUT,
                )  # fmt: skip
            except TimeoutError:
                errors.add("unanswered", f"no answer within {CONNECT_TIMEOUT:g} s")
                await abandon(client)
                return
            except Exception as exc:  # noqa: BLE001 - every failure is counted, whatever its kind
                errors.add("connect", repr(exc))
                await abandon(client)
                return
        clients[i] = client

    await asyncio.gather(*(connect(i, process, cookie) for i, (process, cookie) in enumerate(plan)))
    return clients


async def abandon(client) -> None:
    """Drop a client that failed to connect, without waiting on a server that does not answer."""
    # It is being given up: whatever it raises while closing no longer counts.
    with contextlib.suppress(Exception):
        await asyncio.wait_for(client.shutdown(), 5)


async def close_clients(clients: list) -> None:
    """Disconnect every client still connected."""
    await asyncio.gather(*(c.disconnect() for c in clients if c is not None), return_exceptions=True)


async def join_all(target: Target, clients: list, rooms: list[str], errors: Errors, batch: int) -> list[float]:
    """Every connected client joins its room and must get `ok` back; returns each answered join's latency (ms)."""
    semaphore = asyncio.Semaphore(batch)
    latencies: list[float] = []

    async def join(client, room: str) -> None:
        async with semaphore:
            began = time.perf_counter()
            try:
                ack = await client.call("join", target.join(room), namespace=NAMESPACE, timeout=30)
            except Exception as exc:  # noqa: BLE001
                errors.add("join", repr(exc))
                return
        if not (isinstance(ack, dict) and ack.get("ok")):
            errors.add("join", repr(ack)[:200])
            return
        latencies.append((time.perf_counter() - began) * 1000)

    await asyncio.gather(*(join(c, r) for c, r in zip(clients, rooms, strict=True) if c is not None))
    return latencies


async def loop_lag(stop_at: float, lags: list[float]) -> None:
    """How late a 50 ms sleep wakes: the load generator's own saturation."""
    loop = asyncio.get_running_loop()
    while loop.time() < stop_at:
        before = loop.time()
        await asyncio.sleep(0.05)
        lags.append((loop.time() - before - 0.05) * 1000)


@dataclass
class Sent:
    """One message: when it left, who must receive it, whether it counts."""

    at: float
    receiver: int
    measured: bool
    received: float | None = None
    acked: float | None = None


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (nearest rank) of a non-empty list."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))]


async def delivery(target: Target, rooms: list[Room], seconds: float, warmup: float, meters: dict, profile) -> dict:
    """N clients in N/2 rooms, one message per client per second; latency to the other member of the room.

    `meters` name functions returning CPU seconds used so far. `profile(seconds)` is called when measuring starts (to sample the servers) and returns what to wait for.
    """
    errors = Errors()
    plan, room_of, peer = [], [], []
    for n, room in enumerate(rooms):
        first = n % 2  # alternate which process the doctor is on; the patient is always on the other
        plan += [(first, room.doctor_cookie), (1 - first, room.patient_cookie)]
        room_of += [room.appointment, room.appointment]
        peer += [2 * n + 1, 2 * n]
    began = time.perf_counter()
    clients = await open_clients(target, plan, errors, batch=50)
    connected_in = time.perf_counter() - began
    await join_all(target, clients, room_of, errors, batch=50)

    sent: dict[str, Sent] = {}
    phase = {"running": True}

    def receiver(index: int):
        def on_message(data) -> None:
            record = sent.get(data.get("client_id")) if isinstance(data, dict) else None
            if record is not None and record.receiver == index and record.received is None:
                record.received = time.perf_counter()

        return on_message

    def on_disconnect(index: int):
        def handler(*_reason) -> None:
            if phase["running"]:
                errors.add("disconnect", f"client {index}")

        return handler

    for i, client in enumerate(clients):
        if client is not None:
            client.on("message", receiver(i), namespace=NAMESPACE)
            client.on("disconnect", on_disconnect(i), namespace=NAMESPACE)

    def on_ack(client_id: str):
        def handler(ack=None) -> None:
            if isinstance(ack, dict) and ack.get("ok"):
                sent[client_id].acked = time.perf_counter()
            else:
                errors.add("ack", f"{client_id}: {repr(ack)[:200]}")

        return handler

    loop = asyncio.get_running_loop()
    start = loop.time() + 1.0
    measure_from, end = start + warmup, start + warmup + seconds
    rng = random.Random(7)

    async def sender(i: int) -> None:
        client = clients[i]
        due = start + rng.random()  # spread the clients over the second
        while due < end:
            await asyncio.sleep(max(0.0, due - loop.time()))
            if not client.connected:
                return
            client_id = str(uuid.uuid4())
            sent[client_id] = Sent(time.perf_counter(), peer[i], due >= measure_from)
            try:
                await client.emit("send", target.send(room_of[i], client_id), namespace=NAMESPACE,
                                  callback=on_ack(client_id))  # fmt: skip
            except Exception as exc:  # noqa: BLE001
                errors.add("ack", repr(exc))
            due += 1.0

    senders = [asyncio.create_task(sender(i)) for i, c in enumerate(clients) if c is not None]
    await asyncio.sleep(max(0.0, measure_from - loop.time()))
    lags: list[float] = []
    lag_task = asyncio.create_task(loop_lag(end, lags))
    cpu_before = {name: meter() for name, meter in meters.items()}
    wall_before = time.perf_counter()
    profilers = profile(seconds)
    await asyncio.gather(*senders)
    await asyncio.sleep(max(0.0, end - loop.time()))
    wall = time.perf_counter() - wall_before
    cpu = {name: (meter() - cpu_before[name]) / wall * 100 for name, meter in meters.items()}
    # What the rest of the machine used meanwhile: other people's work makes every figure worse.
    cpu["rest of machine"] = cpu.pop("machine") - sum(cpu.values())
    await lag_task
    for profiler in profilers:
        await asyncio.to_thread(profiler.wait)
    # Let the last messages arrive (up to 10 s), then count what never did.
    deadline = time.perf_counter() + 10
    while time.perf_counter() < deadline and any(r.received is None for r in sent.values() if r.measured):
        await asyncio.sleep(0.1)
    phase["running"] = False
    await close_clients(clients)

    measured = [r for r in sent.values() if r.measured]
    latencies = [(r.received - r.at) * 1000 for r in measured if r.received is not None]
    ack_latencies = [(r.acked - r.at) * 1000 for r in measured if r.acked is not None]
    for r in measured:
        if r.received is None:
            errors.add("lost", "a message never reached the other member")
    window_start, window_end = wall_before, wall_before + wall
    in_window = sum(1 for r in sent.values() if r.received is not None and window_start <= r.received < window_end)
    return {
        "clients": len(plan),
        "rooms": len(rooms),
        "connected_in": connected_in,
        "sent": len(measured),
        "delivered": len(latencies),
        "p50": statistics.median(latencies) if latencies else float("nan"),
        "p99": percentile(latencies, 99) if latencies else float("nan"),
        "max": max(latencies) if latencies else float("nan"),
        "ack_p50": statistics.median(ack_latencies) if ack_latencies else float("nan"),
        "ack_p99": percentile(ack_latencies, 99) if ack_latencies else float("nan"),
        "rate": in_window / wall,
        "errors": errors,
        "cpu": cpu,
        "lag_p99": percentile(lags, 99) if lags else float("nan"),
    }


async def hold(target: Target, rooms: list[Room], per_process: int, seconds: float) -> dict:
    """`per_process` idle connections on each process, held, then each must still answer a join."""
    errors = Errors()
    members = [(room.appointment, cookie) for room in rooms for cookie in (room.doctor_cookie, room.patient_cookie)]
    members = members[: 2 * per_process]
    plan = [(i % 2, cookie) for i, (_, cookie) in enumerate(members)]
    phase = {"running": True}
    began = time.perf_counter()
    clients = await open_clients(target, plan, errors, batch=50)
    connected_in = time.perf_counter() - began

    def on_disconnect(index: int):
        def handler(*_reason) -> None:
            if phase["running"]:
                errors.add("disconnect", f"client {index}")

        return handler

    for i, client in enumerate(clients):
        if client is not None:
            client.on("disconnect", on_disconnect(i), namespace=NAMESPACE)
    await asyncio.sleep(seconds)
    open_at_end = sum(1 for c in clients if c is not None and c.connected)
    began = time.perf_counter()
    await join_all(target, clients, [room for room, _ in members], errors, batch=100)
    joined_in = time.perf_counter() - began
    phase["running"] = False
    await close_clients(clients)
    return {
        "connections": len(plan),
        "connected_in": connected_in,
        "open_at_end": open_at_end,
        "joined_in": joined_in,
        "errors": errors,
    }


async def joins(target: Target, rooms: list[Room], count: int) -> dict:
    """`count` connections (half on each process, each a different user) join their rooms all at once, 100 in
    flight: how long until every join is answered."""
    errors = Errors()
    members = [(room.appointment, cookie) for room in rooms for cookie in (room.doctor_cookie, room.patient_cookie)]
    members = members[:count]
    plan = [(i % 2, cookie) for i, (_, cookie) in enumerate(members)]
    began = time.perf_counter()
    clients = await open_clients(target, plan, errors, batch=50)
    connected_in = time.perf_counter() - began
    began = time.perf_counter()
    latencies = await join_all(target, clients, [room for room, _ in members], errors, batch=100)
    joined_in = time.perf_counter() - began
    await close_clients(clients)
    return {
        "joins": len(plan),
        "connected_in": connected_in,
        "answered": len(latencies),
        "joined_in": joined_in,
        "p50": statistics.median(latencies) if latencies else float("nan"),
        "p99": percentile(latencies, 99) if latencies else float("nan"),
        "errors": errors,
    }


# --- The run ---


def raise_open_files(needed: int) -> None:
    """Allow enough descriptors for every client socket here (and in the servers, which inherit the limit)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < needed:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(needed, hard), hard))


def sample(py_spy: Path | None, mode: str, servers: list[Gunicorn], name: str, logs: Path):
    """A `profile` for delivery(): py-spy samples each worker for the measured seconds (collapsed stacks).

    Mode "gil" samples only the thread holding the GIL (where a process's one core of Python goes); "wall"
    samples every thread, waiting ones included (where a handler's time goes).
    """

    def start(seconds: float) -> list[subprocess.Popen]:
        if py_spy is None:
            return []
        argv = [str(py_spy), "record", "--gil" if mode == "gil" else "--idle", "--format", "raw", "--nonblocking"]
        argv += ["--duration", str(int(seconds))]
        profilers = []
        for label, server in zip("AB", servers, strict=True):
            for pid in server.worker_pids():
                output = logs / f"{name}-{label}-{mode}.collapsed"
                command = [*argv, "--pid", str(pid), "--output", str(output)]
                profilers.append(subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        return profilers

    return start


def run_target(target: Target, servers: list[Gunicorn], service_meters: dict, rooms, args) -> dict:
    """Start the two processes, run both phases, stop them."""
    try:
        for server in servers:
            server.start()
        target.urls = [s.url for s in servers]
        meters = {
            "process A": lambda: cpu_seconds(servers[0].worker_pids()),
            "process B": lambda: cpu_seconds(servers[1].worker_pids()),
            **service_meters,
            "load generator": lambda: cpu_seconds([os.getpid()]),
            "machine": machine_cpu_seconds,
        }
        profile = sample(args.py_spy, args.py_spy_mode, servers, target.name, args.logs)
        result = asyncio.run(delivery(target, rooms[: args.clients // 2], args.seconds, args.warmup, meters, profile))
        result["hold"] = asyncio.run(hold(target, rooms, args.hold, args.hold_seconds)) if args.hold else None
        result["joins"] = asyncio.run(joins(target, rooms, args.joins)) if args.joins else None
        return result
    finally:
        for server in servers:
            server.stop()


def report(results: dict[str, dict], args) -> None:
    """Print the tables."""
    print(f"\n### Chat delivery ({time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores)\n")
    command = f".venv/bin/python -m bench.chat_delivery --clients {args.clients} --seconds {args.seconds:g}"
    command += f" --hold {args.hold} --hold-seconds {args.hold_seconds:g} --joins {args.joins}"
    print(f"Command: `{command}`\n")
    print("| server | clients | rooms | sent | delivered | p50 (ms) | p99 (ms) | max (ms) | ack p50 / p99 (ms) | msg/s |"
          " errors | p99 / baseline p99 |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    base = results.get("relay", {}).get("p99")
    for name, r in results.items():
        ratio = f"{r['p99'] / base:.2f}" if base else "-"
        print(f"| {name} | {r['clients']} | {r['rooms']} | {r['sent']} | {r['delivered']} | {r['p50']:.1f} |"
              f" {r['p99']:.1f} | {r['max']:.1f} | {r['ack_p50']:.1f} / {r['ack_p99']:.1f} | {r['rate']:.0f} |"
              f" {r['errors']} | {ratio} |")  # fmt: skip
    print("\nCPU during the measured phase (% of one core; 2 cores = 200 %), load generator's event-loop lag p99:\n")
    names = list(next(iter(results.values()))["cpu"])
    print("| server | " + " | ".join(names) + " | machine total | loop lag p99 (ms) |")
    print("|---" * (len(names) + 3) + "|")
    for name, r in results.items():
        cells = " | ".join(f"{r['cpu'][n]:.0f}" for n in names)
        print(f"| {name} | {cells} | {sum(r['cpu'].values()):.0f} | {r['lag_p99']:.1f} |")
    if args.hold:
        print(f"\nHold: {args.hold} idle connections per process ({2 * args.hold} in all), {args.hold_seconds:g} s,"
              " then a join on each:\n")  # fmt: skip
        print("| server | connections | connected in (s) | never answered | open at the end | joins answered in (s) |"
              " errors |")  # fmt: skip
        print("|---|---|---|---|---|---|---|")
        for name, r in results.items():
            h = r["hold"]
            print(f"| {name} | {h['connections']} | {h['connected_in']:.1f} | {h['errors'].unanswered} |"
                  f" {h['open_at_end']} | {h['joined_in']:.1f} | {h['errors']} |")  # fmt: skip
    if args.joins:
        report_joins(results, args)
    for name, r in results.items():
        phases = (("delivery", r["errors"]), ("hold", r["hold"] and r["hold"]["errors"]),
                  ("joins", r["joins"] and r["joins"]["errors"]))  # fmt: skip
        for phase, errors in phases:
            if errors and errors.samples:
                print(f"\n{name} {phase} errors, first few: " + "; ".join(errors.samples))


def report_joins(results: dict[str, dict], args) -> None:
    """The joins table: time until all joins were answered, per-join latency, and the app's time over the relay's."""
    print(f"\nJoins: {args.joins} connections ({args.joins // 2} per process) join at once, 100 in flight:\n")
    print("| server | joins | connected in (s) | never answered | answered | all answered in (s) | join p50 / p99 (ms) |"
          " errors | time / relay time |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|")
    base = results.get("relay", {}).get("joins")
    for name, r in results.items():
        j = r["joins"]
        ratio = f"{j['joined_in'] / base['joined_in']:.2f}" if base else "-"
        print(f"| {name} | {j['joins']} | {j['connected_in']:.1f} | {j['errors'].unanswered} | {j['answered']} |"
              f" {j['joined_in']:.2f} | {j['p50']:.1f} / {j['p99']:.1f} | {j['errors']} | {ratio} |")  # fmt: skip


def main() -> int:
    """Set up the services and the data, measure the relay then the app, report."""
    global CONNECT_TIMEOUT  # one setting for every phase's connections
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=20, help="clients in the delivery phase (two per room)")
    parser.add_argument("--seconds", type=float, default=20, help="measured seconds of the delivery phase")
    parser.add_argument("--warmup", type=float, default=3, help="seconds of sending before measuring")
    parser.add_argument(
        "--hold", type=int, default=500, help="idle connections per process in the hold phase (0: skip)"
    )
    parser.add_argument("--hold-seconds", type=float, default=30)
    parser.add_argument("--joins", type=int, default=0, help="connections joining at once in the joins phase (0: skip)")
    parser.add_argument(
        "--connect-timeout", type=float, default=CONNECT_TIMEOUT, help="seconds a connection may take to open"
    )
    parser.add_argument("--only", choices=["relay", "app"], help="measure one server only")
    parser.add_argument(
        "--worker-class",
        choices=["gevent", "gthread"],
        help="both servers' gunicorn worker (default: gunicorn.conf.py's, gevent; gthread: the threaded model that "
        "came before, to compare with code of that time)",
    )
    parser.add_argument("--logs", type=Path, help="keep the gunicorn logs (and profiles) in this directory")
    parser.add_argument("--py-spy", type=Path, help="py-spy executable: sample the workers while measuring")
    parser.add_argument("--py-spy-mode", choices=["gil", "wall"], default="gil")
    args = parser.parse_args()
    if args.clients < 2 or args.clients % 2:
        parser.error("--clients must be an even number >= 2")
    if args.joins < 0 or args.joins % 2:
        parser.error("--joins must be an even number")
    CONNECT_TIMEOUT = args.connect_timeout
    per_process = max(args.clients // 2, args.hold, args.joins // 2)
    threads = per_process + 50  # used by the threaded worker only (one thread per websocket), if started with one
    raise_open_files(4 * (args.clients + 2 * args.hold + args.joins) + 1024)

    logs = args.logs = args.logs or Path(tempfile.mkdtemp(prefix="bench-chat-"))
    logs.mkdir(parents=True, exist_ok=True)
    redis_server = RedisServer().start()
    postgres = None
    results: dict[str, dict] = {}
    try:
        secret_key = os.urandom(32).hex()
        rooms_n = max(args.clients // 2, args.hold, args.joins // 2)
        if args.only != "relay":
            postgres = PostgresServer().start()
            postgres.execute("CREATE DATABASE bench")
            began = time.perf_counter()
            rooms = build_clinic(postgres.url("bench"), secret_key, rooms_n, timedelta(hours=1))
            print(f"{rooms_n} appointments, {2 * rooms_n} users in {time.perf_counter() - began:.1f} s", flush=True)
        else:
            rooms = [Room(str(uuid.uuid4())) for _ in range(rooms_n)]
        base_env = {**os.environ, "REDIS_URL": redis_server.url}
        service_meters = {
            "Redis": lambda: cpu_seconds([redis_server.process.pid]),
            "PostgreSQL": lambda: tree_cpu_seconds(postgres.process.pid) if postgres else 0.0,
        }
        if args.only != "app":
            relay = [
                Gunicorn("bench.relay_server:app", base_env, threads, logs / f"relay-{n}.log", args.worker_class)
                for n in "AB"
            ]
            results["relay"] = run_target(Target("relay", [], False, "room"), relay, service_meters, rooms, args)
            print(f"relay: {results['relay']['p99']:.1f} ms p99, errors {results['relay']['errors']}", flush=True)
        if args.only != "relay":
            env = {
                **base_env,
                "APP_ENV": "production",
                "SECRET_KEY": secret_key,
                "DATABASE_URL": postgres.url("bench"),
                "RATELIMIT_STORAGE_URI": redis_server.url,
                "SESSION_COOKIE_SECURE": "false",
                "STORAGE_LOCAL_PATH": tempfile.mkdtemp(prefix="bench-storage-"),
            }
            app = [Gunicorn("wsgi:app", env, threads, logs / f"app-{n}.log", args.worker_class) for n in "AB"]
            results["app"] = run_target(Target("app", [], True, "appointment"), app, service_meters, rooms, args)
    finally:
        if postgres is not None:
            postgres.stop()
        redis_server.stop()
    report(results, args)
    print(f"\ngunicorn logs: {logs}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
