"""Idle sockets held by ONE app process, and what they cost its pages: memory per socket, page p95 beside them.

Command (from the repository root, after `make test` has set up .venv; needs Debian's postgresql, redis-server and
wrk):

    .venv/bin/python -m bench.idle_sockets [--sockets 0,2000,5000] [--seconds 10] [--warmup 2] [--clients 4]
        [--hold-seconds 30] [--worker-class gevent | --worker-class gthread --threads 600]

One gunicorn process of one worker (the production model, gunicorn.conf.py: gevent; `--worker-class gthread`
serves the thread-per-socket model it replaced, for comparison) on a throwaway PostgreSQL and Redis, started afresh
for each count in `--sockets`. For each count in turn: N Socket.IO clients (websocket transport, one asyncio process, each a different signed-in
doctor or patient) connect to that process; its worker's resident memory is read before and after (the growth ÷ N
is the memory per idle socket); then wrk (`--clients` connections, as bench/clinic_pages.py loads pages) loads
`/healthz` and a signed-in page, the doctor's day, while the sockets stay open and answer Engine.IO's pings; then
they are held for `--hold-seconds` (longer than the 25 s ping interval) and every one must answer a `join` of its
appointment's chat, timed. The count 0 is the baseline: page p95 with N sockets ÷ page p95 with none, same run.

Connections that never answer their connect within 60 s, refusals and failed joins are counted, never waited for.
"""

import argparse
import asyncio
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

from bench.chat_delivery import Errors, Target, build_clinic, close_clients, join_all, open_clients, raise_open_files
from bench.clinic_pages import load, quantile, wrk_binary
from bench.server import start_gunicorn
from tests.services.postgres import PostgresServer
from tests.services.process import stop
from tests.services.redis import RedisServer

PAGES = {"/healthz": "baseline: /healthz", "/doctor/": "doctor's day"}


def start_app(env: dict, args) -> tuple[subprocess.Popen, int, int]:
    """One gunicorn master with one worker of the chosen class (gunicorn.conf.py sizes its connections from
    REALTIME_MAX_CONNECTIONS); returns the master, the worker's pid and the port."""
    master, port = start_gunicorn(env, workers=1, threads=args.threads, worker_class=args.worker_class)
    worker = int(Path(f"/proc/{master.pid}/task/{master.pid}/children").read_text().split()[0])
    return master, worker, port


def resident_kb(pid: int) -> int:
    """VmRSS of a process, in kB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


async def pages_beside(wrk: str, port: int, cookie: str, args, workdir: Path) -> dict:
    """p50/p95 of each page under wrk, run in a thread so that this loop keeps the sockets answering pings."""
    results = {}
    for path in PAGES:
        cookies = [cookie if path != "/healthz" else ""] * args.clients
        targets = [(port, cookies)]
        await asyncio.to_thread(load, wrk, targets, path, args.warmup, False, workdir)
        reports = await asyncio.to_thread(load, wrk, targets, path, args.seconds, False, workdir)
        results[path] = {"p50": quantile(reports, 50), "p95": quantile(reports, 95)}
    return results


async def one_count(count: int, rooms, port: int, worker: int, wrk: str, args, workdir: Path) -> dict:
    """Open `count` sockets, measure memory and pages beside them, hold them, then join with every one."""
    target = Target("app", [f"http://127.0.0.1:{port}"], uses_cookies=True, room_key="appointment")
    plan, room_of = [], []
    for room in rooms[: (count + 1) // 2]:
        plan += [(0, room.doctor_cookie), (0, room.patient_cookie)]
        room_of += [room.appointment, room.appointment]
    plan, room_of = plan[:count], room_of[:count]
    errors = Errors()
    await asyncio.sleep(2)  # let the previous count's disconnects settle before reading memory
    before_kb = resident_kb(worker)
    began = time.perf_counter()
    clients = await asyncio.wait_for(open_clients(target, plan, errors, batch=100), timeout=60 + count / 20)
    connect_seconds = time.perf_counter() - began
    await asyncio.sleep(2)
    after_kb = resident_kb(worker)
    connected = sum(1 for c in clients if c is not None)
    pages = await pages_beside(wrk, port, f"session={rooms[0].doctor_cookie}", args, workdir)
    held_until = time.perf_counter() + args.hold_seconds
    await asyncio.sleep(max(0.0, held_until - time.perf_counter()))
    still = sum(1 for c in clients if c is not None and c.connected)
    began = time.perf_counter()
    await join_all(target, clients, room_of, errors, batch=100)
    join_seconds = time.perf_counter() - began
    await close_clients(clients)
    return {
        "count": count,
        "connected": connected,
        "connect_s": connect_seconds,
        "kb_per_socket": (after_kb - before_kb) / connected if connected else None,
        "rss_mb": after_kb / 1024,
        "still_open": still,
        "joined": connected - errors.join,
        "join_s": join_seconds,
        "pages": pages,
        "errors": errors,
    }


def report(results: list[dict], args) -> None:
    """The table: per socket count, memory, joins and page latency, with ratios to the count 0."""
    print(f"\nOne process, worker class {args.worker_class}; wrk {args.clients} connections, {args.seconds:g} s/page; "
          f"held {args.hold_seconds:g} s before the joins")  # fmt: skip
    base = next((r for r in results if r["count"] == 0), None)
    print("| sockets | connected | connect s | KB/socket | worker RSS MB | open after hold | joined | joins s | "
          + " | ".join(f"{PAGES[p]} p95 ms (÷ 0 sockets)" for p in PAGES) + " | errors |")  # fmt: skip
    print("|---" * (9 + len(PAGES)) + "|")
    for r in results:
        cells = []
        for path in PAGES:
            p95 = r["pages"][path]["p95"]
            ratio = f" ({p95 / base['pages'][path]['p95']:.2f})" if base and r is not base else ""
            cells.append(f"{p95:.1f}{ratio}")
        kb = f"{r['kb_per_socket']:.1f}" if r["kb_per_socket"] is not None and r["count"] else "-"
        print(f"| {r['count']} | {r['connected']} | {r['connect_s']:.1f} | {kb} | {r['rss_mb']:.0f} | "
              f"{r['still_open']} | {r['joined']} | {r['join_s']:.1f} | " + " | ".join(cells) + f" | {r['errors']} |")  # fmt: skip
    for r in results:
        for sample in r["errors"].samples:
            print(f"  {r['count']} sockets: {sample}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--sockets", default="0,2000,5000", help="socket counts, comma-separated, 0 = baseline")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--clients", type=int, default=4, help="wrk connections loading the pages")
    parser.add_argument("--hold-seconds", type=float, default=30)
    parser.add_argument("--worker-class", choices=("gevent", "gthread"), default="gevent")
    parser.add_argument("--threads", type=int, default=600, help="gthread only")
    args = parser.parse_args()
    args.sockets = [int(n) for n in args.sockets.split(",")]
    wrk = wrk_binary()
    raise_open_files(2 * max(args.sockets) + 4096)
    secret = uuid.uuid4().hex
    with tempfile.TemporaryDirectory(prefix="bench-idle-") as tmp:
        workdir = Path(tmp)
        postgres, redis = PostgresServer().start(), RedisServer().start()
        master = None
        try:
            postgres.execute("CREATE DATABASE bench")
            url = postgres.url("bench")
            print(f"building {max(args.sockets)} signed-in users…", flush=True)
            rooms = build_clinic(url, secret, max(1, (max(args.sockets) + 1) // 2), timedelta(hours=1))
            env = {
                **os.environ, "DATABASE_URL": url, "REDIS_URL": redis.url, "RATELIMIT_STORAGE_URI": redis.url,
                "SECRET_KEY": secret, "STORAGE_LOCAL_PATH": str(workdir / "storage"),
                "REALTIME_MAX_CONNECTIONS": str(max(args.sockets) + 100),
            }  # fmt: skip
            results = []
            for count in args.sockets:
                # A fresh process per count: memory a process has once grown to stays with it (Python keeps its
                # arenas), so a second count measured on the same process would read low.
                master, worker, port = start_app(env, args)
                print(f"{count} sockets…", flush=True)
                results.append(asyncio.run(one_count(count, rooms, port, worker, wrk, args, workdir)))
                stop(master, signal.SIGTERM, timeout=30)
                master = None
            report(results, args)
            per_thousand = [r["join_s"] / r["count"] * 1000 for r in results if r["count"]]
            if per_thousand:
                print(f"joins: {statistics.median(per_thousand):.2f} s per 1,000 sockets (median over the counts)")
        finally:
            stop(master, signal.SIGTERM, timeout=30)
            redis.stop()
            postgres.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
