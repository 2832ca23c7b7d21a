"""Outgoing e-mail: one plain-text message built in the clinic's name, handed to the configured SMTP server."""

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
