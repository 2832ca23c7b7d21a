"""The chat across a server restart in the browser: what was typed while the server was down arrives once."""

from datetime import UTC, datetime, timedelta

from playwright.sync_api import expect

from app.models import Role
from tests import factories
from tests.browser.test_chat import message, message_ids, open_chat, send

# Reconnecting waits for the server to come back and for Socket.IO's back-off (at most 5 s by default).
RECONNECT_MS = 30_000


def test_a_message_written_during_a_restart_is_delivered_once(live_db, live_server, browsers):
    """Server down: the message waits as pending; server back: both sides get it exactly once, also after a reload."""
    doctor = factories.doctor()
    patient = factories.user(Role.PATIENT)
    appointment = factories.appointment(patient.patient_profile, doctor, datetime.now(UTC) + timedelta(hours=1))
    doctor_chat = f"/doctor/appointments/{appointment.public_id}/chat"
    patient_chat = f"/patient/appointments/{appointment.public_id}/chat"
    doctor_page, patient_page = browsers.sign_in(doctor), browsers.sign_in(patient)
    open_chat(doctor_page, doctor_chat)
    open_chat(patient_page, patient_chat)
    send(patient_page, "before the restart")
    expect(message(doctor_page, "before the restart")).to_have_count(1)

    live_server.stop()
    expect(patient_page.locator("#chat")).to_have_attribute("data-ready", "0")
    send(patient_page, "written while the server was down")
    expect(patient_page.locator(".chat-message.chat-pending")).to_have_count(1)
    live_server.start()

    expect(message(doctor_page, "written while the server was down")).to_have_count(1, timeout=RECONNECT_MS)
    expect(message(patient_page, "written while the server was down")).to_have_count(1, timeout=RECONNECT_MS)
    expect(patient_page.locator(".chat-message.chat-pending")).to_have_count(0)
    for page, path in ((doctor_page, doctor_chat), (patient_page, patient_chat)):
        open_chat(page, path)
        ids = message_ids(page)
        assert len(ids) == len(set(ids)) == 2, ids
        expect(message(page, "written while the server was down")).to_have_count(1)
