"""Page latency on a large clinic: 50 doctors, 20,000 patients, 300,000 appointments over two years.

Command (from the repository root, after `make test` has set up .venv; the load generator is wrk, Debian's `wrk`
package: `apt-get install wrk`):

    .venv/bin/python -m bench.clinic_pages [--seconds 10] [--warmup 2] [--clients 10] [--runs 1] [--scale 1]
        [--worker-class gthread] [--processes 2] [--workers 1] [--threads 600] [--keep-alive]
        [--database-url URL [--postgres-pid PID]] [--compare-with DIR]

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

`--compare-with DIR` serves a second source tree too (another revision's checkout, `git worktree add DIR REV`, with
this tree's .venv; copy or build its `app/static/vendor` and compile its translations) from the same database, and
loads each page on both in turn, alternating which goes first from run to run: the before/after comparison in one
sitting, where the machine's drift from minute to minute falls on both alike. Its report adds this tree ÷ the other,
page by page, as the median over the runs of each run's ratio.
"""

import argparse
import http.cookiejar
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

from bench.clinic_data import APPOINTMENTS, DOCTORS, PASSWORD, PATIENTS, generate, lookup_facts
from bench.clinic_report import report as print_report
from bench.cpu import OthersMeter, tree_cpu_seconds
from bench.server import ROOT, start_gunicorn, stop_gunicorn
from tests.services.postgres import PostgresServer

WRK_SCRIPT = Path(__file__).with_name("wrk_report.lua")
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


PAGES = {
    "baseline: /healthz": (None, "/healthz"),
    "doctor's day": ("doctor", "/doctor/"),
    "doctor's patient list search": ("doctor", "/doctor/patients?q=" + urllib.parse.quote("смир")),
    # The second page needs the doctor's other patients too (the first is filled by those with a coming
    # appointment): the search's expensive path, measured beside the first page.
    "same search, page 2": ("doctor", "/doctor/patients?page=2&q=" + urllib.parse.quote("смир")),
    "reception patient search": ("reception", "/reception/patients/search?q=7912"),
    "patient's cabinet": ("patient", "/patient/"),
    "specialist card (free slots)": (None, "/specialists/{card}"),
}


def pages_of(facts: dict) -> dict:
    """Each page's account (an e-mail, None for anonymous) and path in the database `facts` describes."""
    emails = {"doctor": facts["doctor"], "patient": facts["patient"], "reception": "reception@bench.example"}
    return {name: (emails.get(who), path.format(card=facts["card"])) for name, (who, path) in PAGES.items()}


def serve(tree: Path, env: dict, args, pages: dict) -> tuple[list, dict, list[int]]:
    """Start `args.processes` gunicorn servers of `tree` and sign the clients in: (masters, targets per page, how
    many clients each server has). Client n talks to server n % processes, as a sticky balancer (nginx hash of the
    client address) spreads distinct clients; each client signs in once and its wrk connection sends its cookie."""
    masters = []
    try:
        for _ in range(args.processes):
            masters.append(start_gunicorn(env, args.workers, args.threads, args.worker_class, tree))
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
    except BaseException:
        for master, _port in masters:
            stop_gunicorn(master)
        raise
    return masters, targets, pinned


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
    parser.add_argument("--compare-with", type=Path, metavar="DIR", help="another source tree, served beside this one")
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
    if args.compare_with is not None:
        args.compare_with = args.compare_with.resolve()
        if not (args.compare_with / "wsgi.py").is_file():
            parser.error(f"--compare-with {args.compare_with}: no wsgi.py there (a checkout of this project?)")
    wrk = wrk_binary()
    wrk_version = subprocess.run([wrk, "-v"], capture_output=True, text=True, check=False).stdout.split()[1]
    setting = {
        "command": shlex.join([".venv/bin/python", "-m", "bench.clinic_pages", *sys.argv[1:]]),
        "load_at_start": os.getloadavg()[0],  # before this benchmark adds its own load
        "wrk_version": wrk_version,
    }
    trees = {"this tree": ROOT} | ({"other tree": args.compare_with} if args.compare_with else {})
    workdir = Path(tempfile.mkdtemp(prefix="bench-wrk-"))
    server, served, generated_in = None, {}, None
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
        pages = pages_of(facts)
        env = {**os.environ, "DATABASE_URL": url, "APP_ENV": "production", "SECRET_KEY": os.urandom(16).hex(),
               "SESSION_COOKIE_SECURE": "false", "LOGIN_LIMIT_PER_IP": "1000 per minute",
               "STORAGE_LOCAL_PATH": tempfile.mkdtemp(prefix="bench-storage-")}  # fmt: skip
        for name, tree in trees.items():
            served[name] = serve(tree, env, args, pages)
        runs = []
        for n in range(args.runs):
            order = list(trees) if n % 2 == 0 else list(reversed(trees))  # who goes first alternates
            meter = OthersMeter([os.getpid()] + ([pg_pid] if pg_pid else []))
            meter.start()
            results = {name: {} for name in trees}
            for page, (_email, path) in pages.items():
                for name in order:
                    masters, targets, _pinned = served[name]
                    results[name][page] = measure(wrk, targets[page], path, args, workdir, masters, pg_pid)
            runs.append((results, meter.stop()))
    finally:
        for masters, _targets, _pinned in served.values():
            for master, _port in masters:
                stop_gunicorn(master)
        if server is not None:
            server.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    setting |= {"facts": facts, "generated_in": generated_in, "pg_pid": pg_pid, "pinned": served["this tree"][2]}
    print_report(args, setting, trees, runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
