"""A throwaway SMTP server on a free loopback port that keeps every message it receives, parsed."""

import email
import email.policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller

from tests.services.process import free_port


class _Collector:
    """aiosmtpd handler: accept every message and keep it."""

    def __init__(self, messages: list[EmailMessage]) -> None:
        self.messages = messages

    async def handle_DATA(self, server, session, envelope) -> str:
        """Parse the message as a mail client would and keep it, with the envelope's recipients."""
        message = email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        self.messages.append(message)
        return "250 Message accepted"


class SMTPServer:
    """One private SMTP server (aiosmtpd in a thread of this process); `messages` holds what it received."""

    def __init__(self, port: int | None = None) -> None:
        self.host = "127.0.0.1"
        self.port = port or free_port()
        self.messages: list[EmailMessage] = []
        self.controller: Controller | None = None

    def start(self) -> "SMTPServer":
        """Start listening; Controller.start returns only once the server has answered a connection."""
        self.controller = Controller(_Collector(self.messages), hostname=self.host, port=self.port)
        self.controller.start()
        return self

    def stop(self) -> None:
        """Stop listening; the messages stay readable."""
        if self.controller is not None:
            self.controller.stop()
            self.controller = None
