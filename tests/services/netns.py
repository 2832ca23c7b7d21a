"""A network namespace behind a veth pair, for putting a process (a patient's Chromium) on a network it cannot cross.

The namespace has one link, to this host. From inside it, the only things reachable are the host services named
when it is made (the app, the TURN server), each at `gateway:port`: nftables forwards those ports to the service on
the host's 127.0.0.1 and drops every other packet from the namespace. Nothing on the host may open a connection
into the namespace either (a doctor's browser cannot reach the patient's host candidates), so WebRTC between a
process inside and one outside can only work through the TURN relay.

Needs root (as CI is), `ip` (iproute2) and `nft` (nftables). Everything is removed by `stop`: deleting the namespace
deletes both ends of the veth pair, and the nftables rules live in a table of their own.
"""

import ipaddress
import itertools
import os
import random
import shlex
import subprocess
from pathlib import Path

from tests.services.process import require_binary

# Private /30 networks for the veth pairs are drawn from here; one /30 holds the host end and the namespace end.
POOL = ipaddress.ip_network("10.231.0.0/16")
_counter = itertools.count()


def _run(*argv: str, stdin: str | None = None) -> None:
    """Run a set-up command, failing with its own error message."""
    result = subprocess.run(argv, input=stdin, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"{shlex.join(argv)} failed: {result.stderr.strip()}")


def _addresses_in_use() -> set[ipaddress.IPv4Address]:
    """IPv4 addresses on this host's interfaces (so a new pair does not clash with another run's)."""
    output = subprocess.run(["ip", "-o", "-4", "addr", "show"], capture_output=True, text=True, check=True).stdout
    return {ipaddress.ip_interface(line.split()[3]).ip for line in output.splitlines()}


class NetworkNamespace:
    """One namespace reaching only the host services in `allow`, given as (protocol, port) pairs on 127.0.0.1."""

    def __init__(self, allow: list[tuple[str, int]]) -> None:
        for protocol, port in allow:
            if protocol not in ("tcp", "udp") or not 0 < int(port) < 65536:
                raise ValueError(f"cannot allow {protocol}/{port}")
        self.allow = [(protocol, int(port)) for protocol, port in allow]
        # Interface names are at most 15 characters: "vh-" + 12.
        self.name = f"cl{os.getpid() % 1_000_000}x{next(_counter)}"[:12]
        self.host_link = f"vh-{self.name}"
        self.ns_link = f"vn-{self.name}"
        self.gateway = ""
        self.address = ""
        self.started = False

    def _pick_network(self) -> ipaddress.IPv4Network:
        """A free /30 of the pool."""
        used = _addresses_in_use()
        subnets = list(POOL.subnets(new_prefix=30))
        for subnet in random.sample(subnets, 64):
            if not any(address in subnet for address in used):
                return subnet
        raise RuntimeError(f"no free /30 left in {POOL}")

    def ruleset(self) -> str:
        """The nftables table: forward the allowed ports to 127.0.0.1, refuse everything else crossing the link.

        What the namespace sends elsewhere is rejected (a reset or an ICMP error) rather than dropped, so a blocked
        attempt fails at once instead of waiting out a timeout; what the host sends into it is dropped."""
        forwards = "\n".join(
            f'    iifname "{self.host_link}" ip daddr {self.gateway} {protocol} dport {port} dnat to 127.0.0.1'
            for protocol, port in self.allow
        )
        return f"""table ip {self.table} {{
  chain prerouting {{
    type nat hook prerouting priority dstnat; policy accept;
{forwards}
  }}
  chain input {{
    type filter hook input priority filter; policy accept;
    iifname "{self.host_link}" ct state established,related accept
    iifname "{self.host_link}" ct status dnat accept
    iifname "{self.host_link}" meta l4proto tcp reject with tcp reset
    iifname "{self.host_link}" reject
  }}
  chain forward {{
    type filter hook forward priority filter; policy accept;
    iifname "{self.host_link}" drop
    oifname "{self.host_link}" drop
  }}
  chain output {{
    type filter hook output priority filter; policy accept;
    oifname "{self.host_link}" ct state established,related accept
    oifname "{self.host_link}" drop
  }}
}}
"""

    @property
    def table(self) -> str:
        """The nftables table holding this namespace's rules."""
        return f"clinic_{self.name}"

    def start(self) -> "NetworkNamespace":
        """Create the namespace, its link to the host and the rules."""
        if os.geteuid() != 0:
            raise RuntimeError("network namespaces need root (CI runs the suite as root)")
        require_binary("ip")
        require_binary("nft")
        network = self._pick_network()
        gateway, address = list(network.hosts())
        self.gateway, self.address = str(gateway), str(address)
        _run("ip", "netns", "add", self.name)
        self.started = True
        try:
            self._connect()
        except Exception:
            self.stop()
            raise
        return self

    def _connect(self) -> None:
        """The veth pair, addresses, routes and rules of a namespace just added."""
        _run("ip", "link", "add", self.host_link, "type", "veth", "peer", "name", self.ns_link)
        _run("ip", "link", "set", self.ns_link, "netns", self.name)
        _run("ip", "addr", "add", f"{self.gateway}/30", "dev", self.host_link)
        _run("ip", "link", "set", self.host_link, "up")
        _run("ip", "-n", self.name, "addr", "add", f"{self.address}/30", "dev", self.ns_link)
        _run("ip", "-n", self.name, "link", "set", self.ns_link, "up")
        _run("ip", "-n", self.name, "link", "set", "lo", "up")
        _run("ip", "-n", self.name, "route", "add", "default", "via", self.gateway)
        # Packets rewritten to 127.0.0.1 arriving on a real link are dropped as martians unless this is on.
        _run("sysctl", "-qw", f"net.ipv4.conf.{self.host_link}.route_localnet=1")
        _run("nft", "-f", "-", stdin=self.ruleset())

    def command(self, argv: list[str]) -> list[str]:
        """The argv that runs `argv` inside the namespace."""
        return ["ip", "netns", "exec", self.name, *argv]

    def run(self, argv: list[str], **kwargs) -> subprocess.CompletedProcess:
        """Run a command inside the namespace and wait for it."""
        return subprocess.run(self.command(argv), check=False, **kwargs)

    def wrapper(self, binary: str, directory: Path) -> Path:
        """An executable that runs `binary` inside the namespace with its arguments: give it to Playwright as the
        browser's executable_path, and Chromium runs on the namespace's network while Playwright drives it."""
        path = directory / f"{Path(binary).name}-in-{self.name}"
        path.write_text(f'#!/bin/sh\nexec ip netns exec {shlex.quote(self.name)} {shlex.quote(binary)} "$@"\n')
        path.chmod(0o755)
        return path

    def stop(self) -> None:
        """Remove the rules and the namespace (which takes both ends of the veth pair with it)."""
        if not self.started:
            return
        subprocess.run(["nft", "delete", "table", "ip", self.table], capture_output=True, check=False)
        subprocess.run(["ip", "netns", "del", self.name], capture_output=True, check=False)
        # The host end normally goes with the namespace; a half-made pair may be left if start failed midway.
        subprocess.run(["ip", "link", "del", self.host_link], capture_output=True, check=False)
        self.started = False
