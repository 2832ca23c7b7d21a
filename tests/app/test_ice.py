"""ICE servers and TURN credentials (app/calls/ice.py), proven against a real coturn with a real TURN client (aioice)."""

import asyncio
import socket
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from aioice import stun
from aioice.turn import create_turn_endpoint

from app.calls.ice import ice_servers
from app.clock import utcnow

# Every test here needs only the app's configuration, so the quick embedded database is enough.
pytestmark = pytest.mark.sqlite_only


class Received(asyncio.DatagramProtocol):
    """What arrives at our end of a relay allocation."""

    def __init__(self) -> None:
        self.datagrams: asyncio.Queue = asyncio.Queue()

    def datagram_received(self, data: bytes, addr) -> None:
        """Keep the datagram with the peer address it came from."""
        self.datagrams.put_nowait((data, addr))


async def relay_round_trip(server: tuple[str, int], username: str, password: str) -> tuple[tuple, bytes]:
    """Allocate a relay with the credential, send a datagram through it to a UDP echo peer and read the echo back.

    Answers the relayed address and the echoed bytes; raises aioice's TransactionFailed when coturn refuses."""
    loop = asyncio.get_running_loop()
    peer = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    peer.bind(("127.0.0.1", 0))
    peer.setblocking(False)
    transport, protocol = await create_turn_endpoint(Received, server, username, password, lifetime=60)
    try:
        relayed = transport.get_extra_info("sockname")
        transport.sendto(b"ping", peer.getsockname())
        data, source = await asyncio.wait_for(loop.sock_recvfrom(peer, 2048), 5)
        # The peer sees the datagram come from the relay, not from us: that is the whole point of TURN.
        assert (data, source) == (b"ping", relayed)
        await loop.sock_sendto(peer, b"pong", source)
        echoed, _ = await asyncio.wait_for(protocol.datagrams.get(), 5)
        return relayed, echoed
    finally:
        transport.close()
        await asyncio.sleep(0.05)  # let the allocation's DELETE (a Refresh with lifetime 0) go out
        peer.close()


def run(coroutine):
    """Run a coroutine to its end on an event loop of its own thread: Playwright's sync API keeps a loop running in
    the main thread once a browser test has run in the same session, and asyncio.run refuses to nest in it."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def turn_entry(servers: list[dict]) -> dict:
    """The one entry of an ice_servers list that carries a credential."""
    [entry] = [server for server in servers if "username" in server]
    return entry


def refusal_code(server: tuple[str, int], username: str, password: str) -> int:
    """The STUN error code coturn answers an Allocate with this credential."""
    with pytest.raises(stun.TransactionFailed) as refused:
        run(relay_round_trip(server, username, password))
    return refused.value.response.attributes["ERROR-CODE"][0]


@pytest.fixture
def turn_app(app, turn_server):
    """The app configured with the throwaway coturn's URLs and secret, and a STUN URL of its own."""
    app.config.update(
        STUN_URLS=(f"stun:127.0.0.1:{turn_server.port}",),
        TURN_URLS=tuple(turn_server.urls),
        TURN_SECRET=turn_server.secret,
    )
    return app


def test_a_credential_from_ice_servers_allocates_a_relay_that_carries_data(turn_app, turn_server):
    """coturn accepts the app's credential: a relay is allocated on the TURN host and carries datagrams both ways."""
    servers = ice_servers("check-someone", timedelta(minutes=5))
    assert servers[0] == {"urls": [f"stun:127.0.0.1:{turn_server.port}"]}
    entry = turn_entry(servers)
    assert entry["urls"] == turn_server.urls
    relayed, echoed = run(relay_round_trip(("127.0.0.1", turn_server.port), entry["username"], entry["credential"]))
    assert relayed[0] == "127.0.0.1" and relayed[1] != turn_server.port
    assert echoed == b"pong"


def test_a_credential_made_with_another_secret_is_refused(turn_app, turn_server):
    """A credential signed with the wrong secret gets 401 Unauthorized: coturn checks the HMAC, not just the form."""
    turn_app.config["TURN_SECRET"] = turn_server.secret + "-wrong"
    entry = turn_entry(ice_servers("check-someone", timedelta(minutes=5)))
    assert refusal_code(("127.0.0.1", turn_server.port), entry["username"], entry["credential"]) == 401


def test_an_expired_credential_is_refused(turn_app, turn_server):
    """A credential whose lifetime ended (issued an hour ago for five minutes) gets 401, though its HMAC is right."""
    entry = turn_entry(ice_servers("check-someone", timedelta(minutes=5), now=utcnow() - timedelta(hours=1)))
    assert refusal_code(("127.0.0.1", turn_server.port), entry["username"], entry["credential"]) == 401


def test_a_tampered_expiry_is_refused(turn_app, turn_server):
    """Moving the expiry in the username forward breaks the HMAC: a participant cannot extend their own credential."""
    entry = turn_entry(ice_servers("check-someone", timedelta(minutes=5), now=utcnow() - timedelta(hours=1)))
    expiry, name = entry["username"].split(":", 1)
    later = f"{int(expiry) + 86_400}:{name}"
    assert refusal_code(("127.0.0.1", turn_server.port), later, entry["credential"]) == 401


def test_without_a_secret_no_turn_is_offered(turn_app, turn_server):
    """With no TURN_SECRET, ice_servers offers STUN only: no TURN URL and no credential, even with TURN_URLS set."""
    turn_app.config["TURN_SECRET"] = ""
    servers = ice_servers("check-someone", timedelta(minutes=5))
    assert servers == [{"urls": [f"stun:127.0.0.1:{turn_server.port}"]}]
    assert not any(url.startswith("turn") for server in servers for url in server["urls"])


def test_nothing_configured_offers_no_ice_servers(turn_app):
    """No STUN and no TURN: an empty list (the browser then uses host candidates only)."""
    turn_app.config.update(STUN_URLS=(), TURN_URLS=(), TURN_SECRET="")
    assert ice_servers("check-someone", timedelta(minutes=5)) == []
