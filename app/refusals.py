"""The one kind of "no": a stable code for APIs and sockets, a message for people, an HTTP status, a form field.

Every domain refusal (booking, status changes, working hours, uploads, chat, guardianship) subclasses `Refusal`, so
views answer them all alike: app.errors for JSON and error pages, roles.forms for forms and flashes, `as_ack()` for
socket acknowledgements. No view maps codes to statuses by hand.
"""

# The request is understood but the rules refuse it: the default.
UNPROCESSABLE = 422
# The current state of something (a slot, an appointment, a record) stands in the way, not the request itself.
CONFLICT = 409


class Refusal(Exception):
    """A request the rules turn down; `code` is stable for APIs and socket acknowledgements, `message` is for people
    (a lazy string, rendered in the current language when shown), `field` names the form field to blame, if any."""

    # Subclasses whose refusals are all of one kind set their own.
    status: int = UNPROCESSABLE

    def __init__(self, code: str, message, status: int | None = None, field: str | None = None) -> None:
        super().__init__(code, message)
        self.code = code
        self.message = message
        if status is not None:
            self.status = status
        self.field = field

    def __str__(self) -> str:
        """The message in the current language."""
        return str(self.message)

    def as_ack(self) -> dict:
        """The acknowledgement a socket event answers with (docs/realtime.md): the code, never the prose."""
        return {"ok": False, "error": self.code}
