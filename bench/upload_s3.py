"""Upload throughput and memory: a 100 MB PDF through the app (gunicorn) to Ceph RGW, against boto3 directly.

Command (from the repository root, after `make test` has set up .venv; needs the Ceph packages of .ci/run):

    .venv/bin/python -m bench.upload_s3 [--size-mb 100] [--rounds 3] [--worker-class gevent|gthread]

Both paths upload the same file to the same throwaway Ceph RGW in the same run, alternating, so the figure that
matters is the ratio of throughputs (target >= 0.8 in every round, >= 0.9 at the median), not the absolute speed
of this machine. `--worker-class` picks gunicorn's worker: `gevent` (monkey-patched, 1000 connections; the
production model, so the default) or `gthread` (4 threads). The app process's
memory is read from /proc: peak resident size (VmHWM) during the uploads minus resident size before them
(target <= 30 MB growth).
"""

import argparse
import http.client
import http.cookiejar
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

import boto3
from botocore.config import Config

from bench.server import ROOT, start_gunicorn, stop_gunicorn
from tests.services.ceph import CephRGW

EMAIL, PASSWORD = "bench-patient@clinic.example", "bench-password-1"


def make_pdf(path: Path, size_mb: int) -> None:
    """A file that is a PDF by its magic bytes, filled with incompressible data."""
    with path.open("wb") as fh:
        fh.write(b"%PDF-1.7\n")
        for _ in range(size_mb):
            fh.write(os.urandom(1024 * 1024))


def proc_kb(pid: int, field: str) -> int:
    """A memory figure of a process from /proc, in kB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"{field} not found for {pid}")


def reset_peak(pid: int) -> None:
    """Reset VmHWM so the next peak is measured from now (Linux >= 4.0)."""
    Path(f"/proc/{pid}/clear_refs").write_text("5")


def start_app(env: dict, worker_class: str) -> tuple[subprocess.Popen, int, int]:
    """gunicorn with one worker, as in production; returns the master, the worker pid and the port."""
    if worker_class == "gevent":
        env = {**env, "GUNICORN_CMD_ARGS": "--worker-connections 1000"}
    master, port = start_gunicorn(env, workers=1, threads=4, worker_class=worker_class)
    children = Path(f"/proc/{master.pid}/task/{master.pid}/children").read_text().split()
    return master, int(children[0]), port


def sign_in(port: int) -> tuple[str, str]:
    """Sign in through the form; returns the session cookie header and a CSRF token."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"http://127.0.0.1:{port}/auth/login").read().decode()
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode({"email": EMAIL, "password": PASSWORD, "csrf_token": token}).encode()
    opener.open(f"http://127.0.0.1:{port}/auth/login", data=form)
    page = opener.open(f"http://127.0.0.1:{port}/patient/files").read().decode()
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    return cookie, token


def upload_through_app(port: int, cookie: str, token: str, path: Path) -> float:
    """POST the file as the raw request body, streamed from disk; returns seconds."""
    size = path.stat().st_size
    # Large send blocks, as a browser uses: the client's own overhead should not count against the app.
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600, blocksize=1024 * 1024)
    headers = {
        "Content-Type": "application/pdf",
        "Content-Length": str(size),
        "X-Filename": "bench.pdf",
        "X-CSRFToken": token,
        "Cookie": cookie,
        "Accept": "application/json",
    }
    started = time.perf_counter()
    with path.open("rb") as fh:
        connection.request("POST", "/files?kind=lab_result", body=fh, headers=headers)
        response = connection.getresponse()
        body = response.read()
    elapsed = time.perf_counter() - started
    if response.status != 201:
        raise RuntimeError(f"upload through the app failed: {response.status} {body[:300]!r}")
    stored = json.loads(body)
    if stored["size"] != size:
        raise RuntimeError(f"the app stored {stored['size']} bytes of {size}")
    return elapsed


def upload_with_boto3(ceph: CephRGW, bucket: str, path: Path, n: int) -> float:
    """boto3's upload_fileobj of the same file to the same server; returns seconds."""
    client = boto3.client(
        "s3",
        endpoint_url=ceph.endpoint_url,
        aws_access_key_id=ceph.access_key,
        aws_secret_access_key=ceph.secret_key,
        region_name=ceph.region,
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
    )
    started = time.perf_counter()
    with path.open("rb") as fh:
        client.upload_fileobj(fh, bucket, f"baseline/{n}", ExtraArgs={"ContentType": "application/pdf"})
    return time.perf_counter() - started


def main() -> int:
    """Run the benchmark and print a Markdown block for bench/RESULTS.md."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--size-mb", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--worker-class", choices=["gevent", "gthread"], default="gevent")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="bench-upload-"))
    pdf = work / "bench.pdf"
    make_pdf(pdf, args.size_mb)
    size_mb = pdf.stat().st_size / 1024 / 1024
    ceph = CephRGW().start()
    master = None
    try:
        env = {
            **os.environ,
            **ceph.env(bucket="bench"),
            "APP_ENV": "production",
            "SECRET_KEY": os.urandom(16).hex(),
            "DATABASE_URL": f"sqlite:///{work / 'bench.sqlite3'}",
            "UPLOAD_MAX_MB_LAB_RESULT": str(args.size_mb + 10),
            "SESSION_COOKIE_SECURE": "false",  # plain HTTP on loopback
        }
        flask = [str(ROOT / ".venv/bin/flask"), "--app", "wsgi"]
        for command in (["db", "upgrade"], ["storage", "init"]):
            subprocess.run(flask + command, cwd=ROOT, env=env, check=True, capture_output=True)
        make_patient = (
            "from app import create_app; from app.extensions import db; from tests import factories;"
            f"app = create_app(); app.app_context().push(); u = factories.user(email={EMAIL!r});"
            f"u.set_password({PASSWORD!r}); db.session.commit()"
        )
        subprocess.run([sys.executable, "-c", make_patient], cwd=ROOT, env=env, check=True, capture_output=True)
        master, worker, port = start_app(env, args.worker_class)
        cookie, token = sign_in(port)
        small = work / "small.pdf"
        make_pdf(small, 1)
        upload_through_app(port, cookie, token, small)  # warm up imports and connections
        rss_before = proc_kb(worker, "VmRSS")
        reset_peak(worker)
        app_times, boto_times = [], []
        for n in range(args.rounds):
            boto_times.append(upload_with_boto3(ceph, "bench", pdf, n))
            app_times.append(upload_through_app(port, cookie, token, pdf))
        peak = proc_kb(worker, "VmHWM")
    finally:
        stop_gunicorn(master)
        ceph.stop()
        subprocess.run(["rm", "-rf", str(work)], check=False)

    app_mbps = size_mb / statistics.median(app_times)
    boto_mbps = size_mb / statistics.median(boto_times)
    growth_mb = (peak - rss_before) / 1024
    print(f"### Upload of a {size_mb:.0f} MB PDF to Ceph RGW ({time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores)")
    print()
    print(
        "Command: `.venv/bin/python -m bench.upload_s3"
        + (f" --size-mb {args.size_mb}" if args.size_mb != 100 else "")
        + f" --rounds {args.rounds} --worker-class {args.worker_class}`"
    )
    print()
    print("| path | median time (s) | throughput (MB/s) | runs (s) |")
    print("|---|---|---|---|")
    print(
        f"| boto3 `upload_fileobj` (baseline) | {statistics.median(boto_times):.2f} | {boto_mbps:.1f} | {', '.join(f'{t:.2f}' for t in boto_times)} |"
    )
    print(
        f"| through the app (gunicorn {args.worker_class}, raw body) | {statistics.median(app_times):.2f} | {app_mbps:.1f} | {', '.join(f'{t:.2f}' for t in app_times)} |"
    )
    print()
    rounds = [boto / app for boto, app in zip(boto_times, app_times, strict=True)]
    print(f"- throughput ratio app / boto3 at the median: **{app_mbps / boto_mbps:.2f}** (target >= 0.9)")
    print(f"- ratio in each round: {', '.join(f'{r:.2f}' for r in rounds)} (target >= 0.8 in every one)")
    print(
        f"- app worker peak resident growth: **{growth_mb:.1f} MB** (RSS before {rss_before / 1024:.1f} MB, peak {peak / 1024:.1f} MB; target <= 30 MB)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
