"""Personal rooms: one per signed-in user, holding every connection of theirs from any page of any role; and the
withdrawal of access from connections that are already open.

Every signed-in page opens one Socket.IO connection (app/static/js/realtime.js) to the namespace below; on connect
the server puts it in its user's room. Whatever must reach a person rather than a conversation goes through
`emit_to_user`: the chat's unread counts and window changes now, calls (an incoming call) and labs (a released
result) next. Room names are built here, on the server, from the signed-in user; a client never names a room.
Across processes the emit travels through the Socket.IO message queue (Redis) like any other.

Events go to rooms, and a room keeps whoever joined it until they leave. So when a user's access is withdrawn (a
session ended, a guardianship ended) `withdraw_access` re-checks every open connection of that user in every
process: a connection whose session no longer signs anyone in is closed, and one whose user may no longer be in a
room it joined leaves that room. Features say who may stay in their rooms with `guard_rooms`.
"""

import functools
import json
import logging
from collections.abc import Callable

from flask import Flask, current_app, request
from flask_login import current_user
from flask_socketio import ConnectionRefusedError, join_room
from socketio import RedisManager

from app.extensions import socketio
from app.models import User

# The namespace every signed-in page connects to. It is the chat's for historical reasons (docs/realtime.md);
# other features' namespaces (/call) share the same underlying connection when a page opens them.
PERSONAL_NAMESPACE = "/chat"

# What a connection past the process's capacity is refused with (the client's `connect_error` message).
OVER_CAPACITY = "over_capacity"
# How long a refused connection may stay open for its refusal to reach the client before the server closes it.
REFUSED_LINGER_SECONDS = 2

# The queue message that asks every process to re-check one user's connections.
WITHDRAW = "clinic_withdraw_access"

log = logging.getLogger(__name__)

# The sids of the personal namespace's connections this process has admitted (see `admits`).
_admitted: set[str] = set()

# Room name prefix -> may_stay(user, room): who may remain in such a room; registered by the feature that owns it.
_room_guards: dict[str, Callable[[User, str], bool]] = {}


def open_connections() -> int:
    """The connections this process has admitted and still holds (one per open page, whatever its namespaces)."""
    return len(_admitted)


def capacity() -> dict:
    """What /healthz reports of this process's sockets: how many are open, the limit and whether it is reached."""
    limit = current_app.config["REALTIME_MAX_CONNECTIONS"]
    connections = open_connections()
    return {"open": connections, "limit": limit, "full": connections >= limit}


def admits(on_connect):
    """Wrap the personal namespace's on_connect: past the process's limit a connection is refused with
    `over_capacity` (the client tries again later) and the process keeps its memory and time for pages; an admitted
    one counts until `release_connection` (on_disconnect) or its own refusal."""

    @functools.wraps(on_connect)
    def admitted(*args, **kwargs):
        if open_connections() >= current_app.config["REALTIME_MAX_CONNECTIONS"]:
            _close_later(request.sid, request.namespace)
            raise ConnectionRefusedError(OVER_CAPACITY)
        # Counted before the handler's first query: under gevent that is where other connections get their turn,
        # and they must see this one.
        _admitted.add(request.sid)
        try:
            return on_connect(*args, **kwargs)
        except BaseException:
            _admitted.discard(request.sid)
            raise

    return admitted


def release_connection() -> None:
    """Stop counting the disconnecting socket (call from the personal namespace's on_disconnect)."""
    _admitted.discard(request.sid)


def _close_later(sid: str, namespace: str) -> None:
    """Close a refused client's Engine.IO connection once its refusal has had time to reach it, if it did not close
    it itself."""
    server = socketio.server
    eio_sid = server.manager.eio_sid_from_sid(sid, namespace)

    def close() -> None:
        socketio.sleep(REFUSED_LINGER_SECONDS)
        if eio_sid in server.eio.sockets:
            server.eio.disconnect(eio_sid)

    socketio.start_background_task(close)


def user_room(user: User | int) -> str:
    """The room holding every connection of one user (a User or its primary key)."""
    user_id = user if isinstance(user, int) else user.id
    return f"user:{user_id}"


def join_personal_room() -> None:
    """Put the connecting socket in the signed-in user's room (call from a namespace's on_connect)."""
    join_room(user_room(current_user))


def emit_to_user(user_or_id: User | int, event: str, payload, namespace: str = PERSONAL_NAMESPACE) -> None:
    """Send an event to every open page of one user, in this process or any other."""
    socketio.emit(event, payload, to=user_room(user_or_id), namespace=namespace)


def guard_rooms(prefix: str, may_stay: Callable[[User, str], bool]) -> None:
    """Say who may remain in the rooms whose names start with `prefix`, asked when a user's access is withdrawn."""
    _room_guards[prefix] = may_stay


def withdraw_access(user_or_id: User | int) -> None:
    """Re-check every open connection of this user, here and in every other process; call after the commit that
    withdrew the access, so that each process reads the withdrawal from the database."""
    user_id = user_or_id if isinstance(user_or_id, int) else user_or_id.id
    server = socketio.server
    recheck_connections(current_app._get_current_object(), server, user_id)
    if isinstance(server.manager, WithdrawingRedisManager):
        server.manager.publish_withdrawal(user_id)


def recheck_connections(app: Flask, server, user_id: int) -> None:
    """Close this process's connections of the user whose session no longer signs them in, and take the others
    out of the rooms their user may no longer be in."""
    for namespace in list(server.manager.rooms):
        for sid, _eio_sid in list(server.manager.get_participants(namespace, user_room(user_id))):
            environ = server.get_environ(sid, namespace)
            if environ is None:  # gone meanwhile
                continue
            # A fresh app context: the request that withdrew the access has its own user cached in `g`.
            with app.app_context(), app.request_context(environ):
                # The connection's own session cookie, judged as on every request (the session generation).
                user = current_user._get_current_object()
                if not user.is_authenticated or user.id != user_id:
                    server.disconnect(sid, namespace=namespace, ignore_queue=True)
                    continue
                for room in server.rooms(sid, namespace):
                    may_stay = next((g for prefix, g in _room_guards.items() if room.startswith(prefix)), None)
                    if may_stay is not None and not may_stay(user, room):
                        server.leave_room(sid, room, namespace=namespace)


class WithdrawingRedisManager(RedisManager):
    """The Socket.IO Redis queue, also carrying withdrawals of access.

    A withdrawal travels on the same channel and is read by the same thread as the events, so every process
    applies it before any event published after it: a message sent once reception has ended a guardianship never
    reaches the ex-guardian's connection on another process.
    """

    def __init__(self, url: str, app: Flask, channel: str) -> None:
        super().__init__(url, channel=channel)
        self.app = app

    def publish_withdrawal(self, user_id: int) -> None:
        """Ask the other processes to re-check the user's connections."""
        self._publish({"method": WITHDRAW, "user": user_id, "host_id": self.host_id})

    def _listen(self):
        """The queue's messages, with the withdrawals taken out and applied here, in order."""
        marker = WITHDRAW.encode()
        for message in super()._listen():
            # Most messages are events: a substring test spares decoding each of them twice.
            data = _decoded(message) if marker in message else None
            if data is None or data.get("method") != WITHDRAW:
                yield message
                continue
            if data.get("host_id") == self.host_id:
                continue  # this process re-checked before publishing
            try:
                recheck_connections(self.app, self.server, int(data["user"]))
            except Exception:
                # A failed re-check must not stop the queue; every event still checks the session itself.
                log.exception("re-checking connections after a withdrawal failed")


def _decoded(message) -> dict | None:
    """A queue message as a dict, or None when it is not JSON we can read (the base manager decides then)."""
    try:
        data = json.loads(message)
    except (TypeError, ValueError):
        return None
    return data if isinstance(data, dict) else None
