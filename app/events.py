"""What every socket event checks before its handler runs, in every namespace (the chat's, the calls'): that the
session is still signed in and that the payload has the shape the handler takes; and the handlers' connection mode.
"""

import functools
import uuid

from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_socketio import disconnect

from app.database import use_autocommit
from app.refusals import Refusal


class EventRefused(Refusal):
    """An event refused before its handler ran; namespaces answer it like their own refusals (`as_ack`)."""

    MESSAGES = {
        "bad_request": (_l("The request could not be understood."), 422),
        "unauthorized": (_l("You have been signed out. Sign in again to continue."), 401),
    }

    def __init__(self, code: str) -> None:
        message, status = self.MESSAGES[code]
        super().__init__(code, message, status)


def still_signed_in() -> None:
    """Every event re-reads the connection's session: once it has been ended (sign-out, a password change, a
    deactivation) the event is refused and the connection closed, even if the withdrawal's push never came."""
    if not current_user.is_authenticated:
        disconnect()
        raise EventRefused("unauthorized")


# The shapes a payload's fields may take. Ids are UUID strings; a field a handler does not name is not looked at.
ID = "id"
OPTIONAL_ID = "optional id"  # also empty or absent
TEXT = "text"  # a string or absent; its length is the service's to judge (too_long)
NUMBER = "number"  # a whole number, not a boolean
OPTIONAL_NUMBER = "optional number"
# Longer than any spelling of a UUID uuid.UUID accepts ("urn:uuid:{...}"); longer strings are not parsed at all.
LONGEST_ID = 64


def _is_id(value) -> bool:
    """A UUID in one of the spellings uuid.UUID accepts."""
    if not isinstance(value, str) or len(value) > LONGEST_ID:
        return False
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _fits(value, shape: str) -> bool:
    """Whether one field's value has its shape."""
    if shape == ID:
        return _is_id(value)
    if shape == OPTIONAL_ID:
        return value is None or value == "" or _is_id(value)
    if shape == TEXT:
        # PostgreSQL text cannot hold NUL, and no person types it.
        return value is None or (isinstance(value, str) and "\x00" not in value)
    optional = shape == OPTIONAL_NUMBER
    return (optional and value is None) or (isinstance(value, int) and not isinstance(value, bool))


def takes(**fields):
    """Each handler's one way in: its payload (missing when the client sent none; extra arguments dropped) must be
    an object whose named fields have their shapes, else the event answers bad_request before anything runs."""

    def decorate(handler):
        @functools.wraps(handler)
        def checked(self, data=None, *_extra):
            still_signed_in()  # an ended session is told so before anything about its payload
            if not isinstance(data, dict) or not all(_fits(data.get(name), shape) for name, shape in fields.items()):
                raise EventRefused("bad_request")
            return handler(self, data)

        return checked

    return decorate


def in_autocommit(unless=None):
    """Run the handler's statements in autocommit (app.database.use_autocommit: every write it makes is a single
    statement), except for a payload `unless(data)` says needs a transaction. Goes above @takes, whose session
    check is the event's first query."""

    def decorate(handler):
        @functools.wraps(handler)
        def run(self, data=None, *extra):
            if unless is None or not unless(data):
                use_autocommit()
            return handler(self, data, *extra)

        return run

    return decorate
