"""The floor for bench/chat_delivery.py: a bare python-socketio relay, no auth, no database, no Flask.

Served like the app (gunicorn.conf.py's gevent worker and Socket.IO's gevent mode, or the threaded worker and
threading mode when started so; a Redis manager so several processes share rooms), with REDIS_URL in the
environment:

    REDIS_URL=redis://127.0.0.1:6379/0 .venv/bin/gunicorn --workers 1 bench.relay_server:app

Events, in the namespace /chat like the app's: `join {room}` enters the room; `send {room, client_id, text}`
emits `message {room, client_id, text}` to everyone in the room, the sender included. Both acknowledge with
`{ok: true}`. The room comes from the client, which the app must never allow; here it is the point: nothing but
the relay itself is measured.
"""

import os

import socketio

from app.concurrency import server_model

NAMESPACE = "/chat"


server = socketio.Server(
    client_manager=socketio.RedisManager(os.environ["REDIS_URL"], channel="bench-relay"),
    async_mode=server_model(),  # the app's model, so that only the work differs
)
app = socketio.WSGIApp(server)


@server.on("connect", namespace=NAMESPACE)
def connect(sid, environ, auth=None):
    """Everyone may connect."""
    return True


@server.on("join", namespace=NAMESPACE)
def join(sid, data):
    """Enter the room the client names."""
    server.enter_room(sid, str(data["room"]), namespace=NAMESPACE)
    return {"ok": True}


@server.on("send", namespace=NAMESPACE)
def send(sid, data):
    """Relay one message to the room, through Redis like the app."""
    room = str(data["room"])
    message = {"room": room, "client_id": data["client_id"], "text": data["text"]}
    server.emit("message", message, room=room, namespace=NAMESPACE)
    return {"ok": True}
