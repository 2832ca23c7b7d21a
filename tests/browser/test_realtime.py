"""The realtime layer in a real browser: every role's pages hold one socket, and system lines reach the chat.

The test process emits through the live server's Redis queue (`live_db`), as a call or document worker would.
"""

from datetime import UTC, datetime, timedelta

from playwright.sync_api import expect

from app.models import Role
from chat.system_lines import post_system_line
from tests import factories
from tests.browser.test_chat import open_chat


def watch_sockets(page) -> list[str]:
    """The addresses of the WebSockets the page opens from now on (filled in as they open)."""
    urls: list[str] = []
    page.on("websocket", lambda socket: urls.append(socket.url.split("?")[0]))
    return urls


def test_every_staff_role_page_opens_one_socket(live_db, browsers):
    """Reception, methodologist and admin pages connect once (no chat of their own) and log no errors."""
    for role in (Role.RECEPTION, Role.METHODOLOGIST, Role.ADMIN):
        page = browsers.sign_in(factories.user(role))
        connected = page.locator('html[data-realtime="connected"]')
        # The landing page's own socket first, so that only the reloaded page's sockets are counted below.
        expect(connected).to_have_count(1)
        sockets = watch_sockets(page)
        page.reload()
        expect(connected).to_have_count(1)
        assert sockets == [f"{browsers.base_url.replace('http', 'ws')}/socket.io/"], role
        assert browsers.console_errors(page) == [], role


def test_a_system_line_shows_in_the_doctors_and_the_patients_chat(live_db, browsers):
    """A line written before the pages opened is in the history; one written while they are open arrives live."""
    doctor = factories.doctor()
    patient = factories.user(Role.PATIENT)
    appointment = factories.appointment(
        patient_record=patient.patient_profile, doctor_user=doctor, starts_at=datetime.now(UTC) + timedelta(hours=1)
    )
    post_system_line(appointment, doctor, "call_ended", minutes=7)
    doctor_page, patient_page = browsers.sign_in(doctor), browsers.sign_in(patient)
    open_chat(doctor_page, f"/doctor/appointments/{appointment.public_id}/chat")
    open_chat(patient_page, f"/patient/appointments/{appointment.public_id}/chat")

    post_system_line(appointment, doctor, "document_signed", title="Conclusion")

    for page in (doctor_page, patient_page):
        lines = page.locator('#chat-messages .chat-system[role="status"]')
        expect(lines).to_have_count(2)
        expect(lines.nth(0)).to_contain_text("Video call ended after 7 min.")
        expect(lines.nth(1)).to_contain_text("Document signed: Conclusion.")
        expect(lines.locator(".chat-author")).to_have_count(0)
        assert browsers.console_errors(page) == []
