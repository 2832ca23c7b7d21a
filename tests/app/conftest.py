"""Fixtures of the app's own tests: the mail they send goes to a real SMTP server."""

import pytest

from tests.services.smtp import SMTPServer


@pytest.fixture
def smtp():
    """A throwaway SMTP server that keeps what it receives."""
    server = SMTPServer().start()
    yield server
    server.stop()
