"""The calls' clock: the sweeper that ends calls whose time is up, and the refresher that keeps ringing pages
ringing. One background task per Socket.IO process runs `tick`; tests call `tick(now)` themselves."""

import logging
import threading
import uuid
from datetime import datetime

from flask import Flask

from app.calls import states
from app.clock import utcnow
from app.extensions import socketio
from app.models import Call
from video.announce import after_change, ring

log = logging.getLogger(__name__)

# The ringing calls started in this process. Only the process that placed a call refreshes its ring: if that
# process stops, the ring stops too and the patient's pages fall silent by themselves (soft state), while any
# process's sweeper still marks the call missed.
_ringing_here: set[uuid.UUID] = set()
_started = threading.Lock()
_running = False


def ringing_here(call: Call) -> None:
    """Refresh this call's ring from this process while it rings."""
    _ringing_here.add(call.public_id)


def tick(now: datetime) -> None:
    """One turn of the clock: end what is due (announcing each), then ring again what still rings here."""
    for call, _action in states.sweep(now):
        _ringing_here.discard(call.public_id)
        try:
            after_change(call)
        except Exception:
            # The call is already ended in the database; one failed announcement must not keep the others unsaid.
            log.exception("announcing the end of call %s failed", call.public_id)
    still = states.ringing_calls(list(_ringing_here))
    _ringing_here.intersection_update(call.public_id for call in still)
    for call in still:
        ring(call)


def _run(app: Flask) -> None:
    """Tick every CALL_RING_REFRESH_SECONDS for as long as the process lives."""
    interval = app.config["CALL_RING_REFRESH_SECONDS"]
    while True:
        socketio.sleep(interval)
        try:
            with app.app_context():
                tick(utcnow())
        except Exception:
            # One failed turn (a database restart) must not stop the clock; the next turn tries again.
            log.exception("the calls' tick failed")


def ensure_running(app: Flask) -> None:
    """Start this process's clock once (from the first /call connection); never under TESTING or CALL_TICKER=0."""
    global _running
    if _running or app.testing or not app.config["CALL_TICKER"]:
        return
    with _started:
        if _running:
            return
        _running = True
    socketio.start_background_task(_run, app)
