"""Outgoing e-mail: one plain-text message built in the clinic's name, handed to the configured SMTP server."""

import logging
import smtplib
import ssl
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime as email_date
from email.utils import make_msgid
from urllib.parse import urlsplit

from flask import current_app

from app.clock import utcnow
from app.urls import public_base_url

SMTP_TIMEOUT_SECONDS = 30

logger = logging.getLogger(__name__)


def plain_message(to: str, subject: str, body: str) -> EmailMessage:
    """A machine-written plain-text e-mail from the clinic."""
    config = current_app.config
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = Address(display_name=config["CLINIC_NAME"], addr_spec=config["MAIL_FROM"])
    message["To"] = to
    message["Date"] = email_date(utcnow())
    message["Message-ID"] = make_msgid(domain=urlsplit(public_base_url()).hostname or "localhost")
    # RFC 3834: out-of-office robots should not answer.
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(body)
    return message


def deliver(message: EmailMessage) -> None:
    """Hand one message to the configured SMTP server, over STARTTLS and with a login when configured."""
    config = current_app.config
    with smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"], timeout=SMTP_TIMEOUT_SECONDS) as smtp:
        if config["SMTP_STARTTLS"]:
            smtp.starttls(context=ssl.create_default_context())
        if config["SMTP_USERNAME"]:
            smtp.login(config["SMTP_USERNAME"], config["SMTP_PASSWORD"])
        smtp.send_message(message)


def send_or_log(to: str, subject: str, body: str) -> bool:
    """Send one plain message; without SMTP (the demo) or when sending fails, log it and answer False, so that a page
    whose answer must not depend on the mail (registration, password reset) answers the same either way."""
    if not current_app.config["SMTP_HOST"]:
        logger.warning("SMTP_HOST is not set; this e-mail to %s was not sent:\n%s", to, body)
        return False
    try:
        deliver(plain_message(to, subject, body))
    except (smtplib.SMTPException, OSError):
        logger.exception("An e-mail to %s could not be sent", to)
        return False
    return True
