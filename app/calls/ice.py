"""The ICE servers a browser is given for one call: the clinic's STUN and TURN, with TURN credentials of its own.

TURN credentials follow the TURN REST API scheme that coturn implements with `use-auth-secret`: the username is
the expiry time (Unix seconds) and an opaque name joined by a colon, and the password is the base64 HMAC-SHA1 of
the username keyed with the secret coturn shares with the app. coturn checks them without asking the app, and
they stop working at the expiry, so a credential handed to a call's participant is good for that call's longest
length and nothing after it.
"""

import base64
import hashlib
import hmac
from datetime import datetime, timedelta

from flask import current_app

from app.clock import utcnow


def turn_credential(secret: str, name: str, expires: datetime) -> tuple[str, str]:
    """The username and password coturn accepts for `name` until `expires` (an aware datetime)."""
    username = f"{int(expires.timestamp())}:{name}"
    digest = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    return username, base64.b64encode(digest).decode()


def ice_servers(name: str, lifetime: timedelta, now: datetime | None = None) -> list[dict]:
    """RTCIceServer entries for one participant (`name` says whose credential it is, e.g. "call-<id>-<user id>"):
    the STUN URLs as they are, the TURN URLs with a credential valid for `lifetime`. Empty when nothing is set up."""
    config = current_app.config
    servers = []
    if config["STUN_URLS"]:
        servers.append({"urls": list(config["STUN_URLS"])})
    if config["TURN_URLS"] and config["TURN_SECRET"]:
        username, credential = turn_credential(config["TURN_SECRET"], name, (now or utcnow()) + lifetime)
        servers.append({"urls": list(config["TURN_URLS"]), "username": username, "credential": credential})
    return servers
