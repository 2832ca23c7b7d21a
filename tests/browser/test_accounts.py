"""Accounts in Chromium on a 360 px wide screen, by keyboard: a patient resets a forgotten password from the
sign-in page, and an invited staff member opens the link the admin copied, sets a password and lands in the cabinet."""

import re
import time

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from app.models import Role, User
from tests import factories
from tests.services.smtp import SMTPServer

PHONE = {"width": 360, "height": 740}
PASSWORD = "typed-by-keyboard-1"


@pytest.fixture
def smtp():
    """A throwaway SMTP server the live server sends to."""
    server = SMTPServer().start()
    yield server
    server.stop()


@pytest.fixture
def live_server_env(smtp) -> dict:
    """The live server's mail goes to the throwaway server."""
    return {"SMTP_HOST": smtp.host, "SMTP_PORT": str(smtp.port)}


WIDER_THAN = """(limit) => [...document.querySelectorAll("body *")]
    .filter(element => element.getBoundingClientRect().right > limit + 1)
    .slice(0, 5).map(element => element.tagName + "." + element.className)"""


def _fits(page: Page) -> None:
    """Nothing on the page makes it wider than the phone's screen (a wide table scrolls inside its own box)."""
    if page.evaluate("document.documentElement.scrollWidth") > PHONE["width"]:
        raise AssertionError(
            f"{page.url} is wider than {PHONE['width']} px: {page.evaluate(WIDER_THAN, PHONE['width'])}"
        )


def _mail_to(smtp: SMTPServer, address: str, timeout: float = 10) -> str:
    """The text of the first message to arrive for this address."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for message in smtp.messages:
            if message["To"] == address:
                return message.get_content()
        time.sleep(0.1)
    raise AssertionError(f"no e-mail to {address}")


FOCUSED_LABEL = """() => {
    const field = document.activeElement;
    return field && field.labels && field.labels.length ? field.labels[0].textContent.trim() : null;
}"""


def _type_in(page: Page, label: str, text: str) -> None:
    """Move to the labelled field with Tab from wherever the focus is, then type, as a keyboard user does."""
    for _ in range(40):
        if page.evaluate(FOCUSED_LABEL) == label:
            page.keyboard.type(text)
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached the field labelled {label!r}")


def test_a_patient_resets_a_forgotten_password_on_a_phone(live_db, browsers, smtp):
    """From the sign-in page to the cabinet with the new password, every page within 360 px."""
    patient = factories.user(Role.PATIENT, email="phone@example.org")
    page = browsers.new_page()
    page.set_viewport_size(PHONE)
    page.goto("/auth/login")
    _fits(page)
    page.get_by_role("link", name="Forgot password?").click()
    expect(page.get_by_role("heading", name="Forgot password?")).to_be_visible()
    _fits(page)
    _type_in(page, "E-mail", patient.email)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Check your e-mail")).to_be_visible()

    link = re.search(r"https?://\S+/auth/password/reset/\S+", _mail_to(smtp, patient.email)).group(0)
    page.goto(link)
    _fits(page)
    _type_in(page, "New password", PASSWORD)
    _type_in(page, "Repeat new password", PASSWORD)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/patient/$"))
    expect(page.get_by_text("Your new password is set.")).to_be_visible()
    assert browsers.console_errors(page) == []


def test_an_invited_receptionist_joins_on_a_phone(live_db, browsers):
    """The admin invites and copies the link; the invited person fills the form by keyboard at 360 px; the admin's
    pages fit that width as well."""
    admin = browsers.sign_in(factories.user(Role.ADMIN))
    admin.goto("/admin/invitations/new")
    admin.get_by_label("E-mail").fill("desk@clinic.example")
    admin.get_by_label("Role").select_option("reception")
    admin.get_by_role("button", name="Send the invitation").click()
    link = admin.locator("[data-invitation-link]").input_value()
    assert "/auth/invitation/" in link

    page = browsers.new_page()
    page.set_viewport_size(PHONE)
    page.goto(link)
    expect(page.get_by_role("heading", name="Join the clinic")).to_be_visible()
    _fits(page)
    _type_in(page, "Last name", "Смирнова")
    _type_in(page, "First name", "Ольга")
    _type_in(page, "Password", PASSWORD)
    _type_in(page, "Repeat password", PASSWORD)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/reception/$"))
    _fits(page)
    assert browsers.console_errors(page) == []

    # The admin's new pages fit a phone too.
    staff_member = live_db.session.scalar(sa.select(User.public_id).filter_by(email="desk@clinic.example"))
    admin.set_viewport_size(PHONE)
    for path in ("/admin/", "/admin/invitations", "/admin/invitations/new", f"/admin/staff/{staff_member}"):
        admin.goto(path)
        _fits(admin)
    assert browsers.console_errors(admin) == []
