"""A throwaway single-node Ceph cluster with a RADOS Gateway (S3 API) on 127.0.0.1.

One monitor, one BlueStore OSD on a sparse file and one radosgw; no manager daemon. The configuration,
keys, monitor and OSD data, logs and admin sockets all live in one temp dir (nothing under /etc/ceph or
/var/lib/ceph), and every tool gets `-c <temp dir>/ceph.conf`, so several clusters can run side by side.
Pools keep a single replica. Needs Debian's radosgw, ceph-mon and ceph-osd packages.

For developers: `.venv/bin/python -m tests.services.ceph` (from the project root) starts a cluster, prints
`export` lines for the app's S3 settings and runs until Ctrl+C or SIGTERM.
"""

import base64
import secrets
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import IO

import boto3
import botocore.config
from botocore.exceptions import BotoCoreError, ClientError

from tests.services.process import free_port, require_binary, stop, wait_until

TOOLS = ["ceph", "ceph-mon", "ceph-osd", "monmaptool", "radosgw", "radosgw-admin"]
# radosgw opens these as it initialises. Created up front in one `ceph` session they cost about a second;
# left to radosgw, it creates them one at a time and waits for a new OSD map after each.
RGW_POOLS = [
    ".rgw.root",
    "default.rgw.control",
    "default.rgw.meta",
    "default.rgw.log",
    "default.rgw.buckets.index",
    "default.rgw.buckets.data",
    "default.rgw.buckets.non-ec",
]
PG_NUM = 8
# Sparse, so it costs only what is written; large enough that no test run fills it.
OSD_BLOCK_BYTES = 10 * 1024**3
RGW_USER = "clinic"
RGW_NAME = "client.rgw.gw"
# The default zonegroup's name: what RGW expects as a bucket's LocationConstraint. RGW checks SigV4
# signatures with whatever region the client signed for, so "us-east-1" works too.
REGION = "default"

# Runs beside the cluster and waits for its stdin to close, which happens when the process that started the
# cluster ends, however it ends (SIGKILL, a timeout killing pytest). The daemons run in sessions of their
# own, so nothing else would stop them; the reaper stops them in order and removes the temp dir. After a
# normal stop() it finds nothing left to do.
REAPER = r"""
import os, shutil, signal, sys, time
sys.stdin.read()
conf, base = sys.argv[1], sys.argv[2]


def daemons(binary):
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                argv = f.read().decode(errors="replace").split("\0")
        except OSError:
            continue
        if os.path.basename(argv[0]) == binary and conf in argv:
            found.append(int(pid))
    return found


def alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


for binary in ("radosgw", "ceph-osd", "ceph-mon"):
    pids = daemons(binary)
    for sig, wait in ((signal.SIGTERM, 20), (signal.SIGKILL, 5)):
        for pid in pids:
            try:
                os.kill(pid, sig)
            except OSError:
                pass
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline and any(map(alive, pids)):
            time.sleep(0.1)
shutil.rmtree(base, ignore_errors=True)
"""


def _cephx_key() -> str:
    """A new cephx secret in ceph-authtool's encoding: AES type, creation time, length, 16 random bytes."""
    now = time.time()
    header = (1).to_bytes(2, "little") + int(now).to_bytes(4, "little") + int(now % 1 * 1e9).to_bytes(4, "little")
    return base64.b64encode(header + (16).to_bytes(2, "little") + secrets.token_bytes(16)).decode()


def _tail(path: Path, lines: int = 30) -> str:
    """The last lines of a log file, labelled, for error messages."""
    try:
        text = "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        text = "(missing)"
    return f"--- tail of {path} ---\n{text}"


class CephRGW:
    """One private Ceph cluster (monitor + OSD) with an S3 gateway and one S3 user."""

    def __init__(self) -> None:
        self.base = Path(tempfile.mkdtemp(prefix="clinic-ceph-"))
        self.conf = self.base / "ceph.conf"
        self.logs = self.base / "log"
        self.fsid = str(uuid.uuid4())
        self.mon_port = free_port()
        self.rgw_port = free_port()
        while self.rgw_port == self.mon_port:
            self.rgw_port = free_port()
        self.endpoint_url = f"http://127.0.0.1:{self.rgw_port}"
        self.access_key = secrets.token_hex(10).upper()
        self.secret_key = secrets.token_urlsafe(30)
        self.region = REGION
        self.mon: subprocess.Popen | None = None
        self.osd: subprocess.Popen | None = None
        self.rgw: subprocess.Popen | None = None
        self._reaper: subprocess.Popen | None = None
        self._tools: dict[str, str] = {}
        self._outputs: list[IO[bytes]] = []

    # --- Lifecycle ---

    def start(self) -> "CephRGW":
        """Create and start the cluster, the gateway and an S3 user; return once an S3 call succeeds."""
        self._tools = {name: require_binary(name) for name in TOOLS}
        self._reaper = subprocess.Popen(
            [sys.executable, "-I", "-c", REAPER, str(self.conf), str(self.base)],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            self._write_config()
            self._bootstrap()
            self.start_gateway()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop radosgw, then the OSD, then the monitor, and remove the temp dir; safe to call twice."""
        # The order matters: a radosgw that has lost its cluster takes two minutes to give up.
        for process in (self.rgw, self.osd, self.mon):
            stop(process, signal.SIGTERM, timeout=20)
        for output in self._outputs:
            output.close()
        self._outputs = []
        if self._reaper is not None:
            # Closing its stdin releases the reaper; with the daemons already gone it only removes the dir.
            self._reaper.stdin.close()
            self._reaper.wait()
            self._reaper = None
        subprocess.run(["rm", "-rf", str(self.base)], check=False)

    def stop_gateway(self) -> None:
        """Stop radosgw only, to simulate a storage outage."""
        # SIGTERM rather than SIGKILL: a clean exit drops radosgw's watches on its control objects, which a
        # killed one would leave for the next radosgw to time out on (30 s) at its first metadata change.
        stop(self.rgw, signal.SIGTERM, timeout=20)

    def start_gateway(self) -> None:
        """Start radosgw on the same port and wait until an authenticated S3 call succeeds."""
        if self.rgw is not None and self.rgw.poll() is None:
            return
        self.rgw = self._daemon([self._tools["radosgw"], "-n", RGW_NAME], RGW_NAME)
        try:
            wait_until(self._s3_answers, 60, "radosgw", self.rgw)
        except RuntimeError as exc:
            raise RuntimeError(f"{exc}\n{_tail(self.logs / f'{RGW_NAME}.log')}") from exc

    # --- Access ---

    def client(self, **config):
        """A boto3 S3 client for the test user: path-style and SigV4, as the app makes its own."""
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
            region_name=self.region,
            config=botocore.config.Config(signature_version="s3v4", s3={"addressing_style": "path"}, **config),
        )

    def env(self, bucket: str = "clinic") -> dict[str, str]:
        """The app's settings for keeping files in `bucket` on this gateway."""
        return {
            "STORAGE_BACKEND": "s3",
            "S3_ENDPOINT_URL": self.endpoint_url,
            "S3_BUCKET": bucket,
            "S3_ACCESS_KEY_ID": self.access_key,
            "S3_SECRET_ACCESS_KEY": self.secret_key,
            "S3_REGION": self.region,
        }

    # --- Steps of start() ---

    def _write_config(self) -> None:
        """ceph.conf and one keyring with every entity's key, all inside the temp dir."""
        base = self.base
        for name in ("mon", "osd", "rgw", "run", "log"):
            (base / name).mkdir()
        self.conf.write_text(
            f"""[global]
fsid = {self.fsid}
mon_host = v2:127.0.0.1:{self.mon_port}
keyring = {base}/keyring
run_dir = {base}/run
admin_socket = {base}/run/$name.asok
log_file = {base}/log/$name.log
# Loopback, IPv4 and msgr2 only: one port per daemon and nothing reachable from outside.
public_addr = 127.0.0.1
cluster_addr = 127.0.0.1
ms_bind_ipv4 = true
ms_bind_ipv6 = false
ms_bind_msgr1 = false
auth_cluster_required = cephx
auth_service_required = cephx
auth_client_required = cephx
# One OSD: single-replica pools, placement across OSDs rather than hosts, few PGs, no autoscaler
# (there is no manager to run it).
osd_pool_default_size = 1
osd_pool_default_min_size = 1
mon_allow_pool_size_one = true
mon_warn_on_pool_no_redundancy = false
osd_crush_chooseleaf_type = 0
osd_pool_default_pg_num = {PG_NUM}
osd_pool_default_pgp_num = {PG_NUM}
osd_pool_default_pg_autoscale_mode = off
# Disks here are often less than 30% free, which the monitor would report as a health warning.
mon_data_avail_warn = 5
# Commit map changes at once instead of batching them for a second: each pool creation waits for one.
paxos_propose_interval = 0.05
# A client whose first request finds no OSD up asks for newer maps only on its tick (5 s by default),
# and radosgw-admin starts while the OSD is still booting.
objecter_tick_interval = 0.2

[mon.a]
mon_data = {base}/mon

[osd.0]
osd_data = {base}/osd
osd_objectstore = bluestore
bluestore_block_path = {base}/osd.block
bluestore_block_create = true
bluestore_block_size = {OSD_BLOCK_BYTES}
bluestore_fsck_on_mkfs = false
# Small caches: a test fixture, not a storage server.
bluestore_cache_autotune = false
bluestore_cache_size = 67108864

[{RGW_NAME}]
rgw_data = {base}/rgw
rgw_frontends = beast endpoint=127.0.0.1:{self.rgw_port}
rgw_enable_usage_log = false
rgw_dynamic_resharding = false
# Lifecycle rules only run between midnight and 06:00 anyway, and the lifecycle thread sleeps 5 s at a
# time, which radosgw would wait out on every stop.
rgw_enable_lc_threads = false
"""
        )
        caps = {
            "mon.": {"mon": "allow *"},
            "client.admin": {"mon": "allow *", "osd": "allow *", "mds": "allow *", "mgr": "allow *"},
            "osd.0": {"mon": "allow profile osd", "osd": "allow *", "mgr": "allow profile osd"},
            RGW_NAME: {"mon": "allow rw", "osd": "allow rwx", "mgr": "allow rw"},
        }
        # The monitor's mkfs imports every key in this file into its auth database, which saves the
        # `ceph auth` round trips.
        keyring = ""
        for entity, entity_caps in caps.items():
            keyring += f"[{entity}]\n\tkey = {_cephx_key()}\n"
            keyring += "".join(f'\tcaps {kind} = "{cap}"\n' for kind, cap in entity_caps.items())
        (base / "keyring").touch(mode=0o600)
        (base / "keyring").write_text(keyring)

    def _bootstrap(self) -> None:
        """Monitor, OSD, pools and the S3 user, overlapping what can overlap."""
        tools = self._tools
        monmap = self.base / "monmap"
        address = f"[v2:127.0.0.1:{self.mon_port}]"
        self._run(
            [tools["monmaptool"], "--create", "--fsid", self.fsid, "--addv", "a", address, str(monmap)], "monmaptool"
        )
        self._run([tools["ceph-mon"], "--mkfs", "-i", "a", "--monmap", str(monmap)], "ceph-mon --mkfs", log="mon.a")
        self.mon = self._daemon([tools["ceph-mon"], "-i", "a"], "mon.a")
        # The OSD's mkfs needs no monitor, so it writes its BlueStore while the monitor starts.
        osd_uuid = str(uuid.uuid4())
        mkfs = subprocess.Popen(
            [tools["ceph-osd"], "-c", str(self.conf), "-i", "0", "--mkfs", "--osd-uuid", osd_uuid, "--no-mon-config"],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        commands = [f"osd new {osd_uuid} 0"]
        for pool in RGW_POOLS:
            commands += [
                f"osd pool create {pool} {PG_NUM} {PG_NUM} replicated",
                f"osd pool application enable {pool} rgw",
            ]
        # One interactive `ceph` session runs them all: one Python start-up and one connection instead of 15.
        self._run([tools["ceph"]], "ceph (OSD and pools)", stdin="\n".join(commands) + "\n", log="mon.a")
        output = mkfs.communicate(timeout=60)[0].decode(errors="replace")
        if mkfs.returncode != 0:
            raise RuntimeError(
                f"ceph-osd --mkfs failed (exit {mkfs.returncode}):\n{output}\n{_tail(self.logs / 'osd.0.log')}"
            )
        self.osd = self._daemon([tools["ceph-osd"], "-i", "0"], "osd.0")
        # Blocks until the OSD is up and the pools are active, then sets up the default zone and the user.
        self._run(
            [
                tools["radosgw-admin"], "user", "create",
                "--uid", RGW_USER, "--display-name", "Clinic tests",
                "--access-key", self.access_key, "--secret-key", self.secret_key,
            ],
            "radosgw-admin user create",
            log="osd.0",
        )  # fmt: skip

    # --- Helpers ---

    def _run(self, argv: list[str], what: str, stdin: str | None = None, log: str = "", timeout: float = 60) -> None:
        """Run one Ceph tool to completion; fail fast, with its output and logs, if it or a daemon fails."""
        tool = subprocess.Popen(
            [*argv, "-c", str(self.conf)],
            stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            # The tools wait for the cluster indefinitely, so watch the daemons while they do.
            deadline = time.monotonic() + timeout
            while True:
                try:
                    out, err = tool.communicate(stdin, timeout=0.2)
                    break
                except subprocess.TimeoutExpired:
                    stdin = None  # already sent
                dead = [p for p in (self.mon, self.osd) if p is not None and p.poll() is not None]
                if dead or time.monotonic() > deadline:
                    reason = f"a daemon exited (code {dead[0].returncode})" if dead else f"no result within {timeout} s"
                    raise RuntimeError(f"{what}: {reason}\n{self._tails()}")
        finally:
            if tool.poll() is None:
                tool.kill()
                tool.wait()
        # The interactive `ceph` shell goes on after a failed command and exits 0, so read its stderr too.
        if tool.returncode != 0 or "Error " in err:
            hint = _tail(self.logs / f"{log}.log") if log else ""
            raise RuntimeError(f"{what} failed (exit {tool.returncode}):\n{out}{err}\n{hint}")

    def _tails(self) -> str:
        """The ends of the daemon logs that exist, for an error message."""
        return "\n".join(_tail(path, 15) for path in sorted(self.logs.glob("*.log")) if path.stat().st_size)

    def _daemon(self, argv: list[str], name: str) -> subprocess.Popen:
        """Start one daemon in the foreground (-f) as our child; its log is log/<name>.log, its output <name>.out."""
        # A session of its own keeps a Ctrl+C in the terminal from reaching the daemon, so stop() can still
        # take the daemons down in the right order (the reaper covers the case where we die first).
        output = open(self.logs / f"{name}.out", "ab")  # noqa: SIM115 - kept open for the daemon's lifetime
        self._outputs.append(output)
        return subprocess.Popen(
            [*argv, "-f", "-c", str(self.conf)],
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            cwd=self.base,
            start_new_session=True,
        )

    def _s3_answers(self) -> bool:
        """An authenticated list_buckets succeeds."""
        try:
            self.client(connect_timeout=1, read_timeout=5, retries={"max_attempts": 1}).list_buckets()
        except (BotoCoreError, ClientError):
            return False
        return True


def main() -> None:
    """Run a cluster until Ctrl+C or SIGTERM, printing its settings as shell exports."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    cluster = CephRGW()
    try:
        began = time.monotonic()
        cluster.start()
        print(f"# Ceph RGW ready in {time.monotonic() - began:.1f} s; files in {cluster.base}", file=sys.stderr)
        for name, value in cluster.env().items():
            print(f"export {name}={value}")
        print("# Ctrl+C stops it and removes everything.", file=sys.stderr, flush=True)
        sys.stdout.flush()
        signal.pause()
    except KeyboardInterrupt:
        pass
    finally:
        # A second Ctrl+C must not cut the shutdown short and leave daemons behind.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        print("# stopping Ceph", file=sys.stderr)
        cluster.stop()


if __name__ == "__main__":
    main()
