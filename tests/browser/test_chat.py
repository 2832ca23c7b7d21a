"""The appointment chat in two real browsers against the live server (gunicorn, PostgreSQL, Redis message queue).

A doctor and a patient, each in a browser context of their own, exchange messages and a PDF; the patient's unread
counts change live on another cabinet page; a `<script>` message renders as text; after a reload the history is
all there and no message is doubled.
"""

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import urljoin

from playwright.sync_api import Page, expect

from app.models import Role
from tests import factories
from tests.browser.conftest import TIMEOUT_MS

# A small but well-formed PDF; the server accepts files by their magic bytes (`%PDF-`).
PDF = (
    b"%PDF-1.4\n"
    b"1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    b"2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n"
    b"3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >> endobj\n"
    b"trailer << /Root 1 0 R >>\n"
    b"%%EOF\n"
)
SCRIPT = "<script>window.pwned=1</script>"


def open_chat(page: Page, path: str) -> None:
    """Open a chat page and wait until its socket has joined the room (`#chat[data-ready="1"]`)."""
    page.goto(path)
    expect(page.locator("#chat")).to_have_attribute("data-ready", "1")


def send(page: Page, text: str, file=None) -> None:
    """Type a message (and attach a file) in the chat form and press Send."""
    form = page.locator("#chat-form")
    if file is not None:
        form.locator('input[type="file"][name="file"]').set_input_files(file)
    form.locator('textarea[name="text"]').fill(text)
    form.locator('button[type="submit"]').click()


def message(page: Page, text: str):
    """The delivered messages (with a server id) whose text is exactly `text`."""
    return page.locator("#chat-messages .chat-message[data-id]").filter(
        has=page.locator(".chat-text", has_text=re.compile(f"^{re.escape(text)}$"))
    )


def unread_total(page: Page):
    """The navbar's total unread badge."""
    return page.locator("a[data-chats-link] [data-unread-total]")


def expect_unread(page: Page, count: int) -> None:
    """The navbar badge shows `count`; zero is a hidden or empty badge."""
    badge = unread_total(page)
    expect(badge).to_have_count(1)
    if count:
        expect(badge).to_be_visible()
        expect(badge).to_have_text(str(count))
        return
    page.wait_for_function(
        """() => {
            const badge = document.querySelector("a[data-chats-link] [data-unread-total]");
            const text = badge.textContent.trim();
            return badge.hidden || badge.offsetParent === null || text === "" || text === "0";
        }""",
        timeout=TIMEOUT_MS,
    )


def message_ids(page: Page) -> list[str]:
    """The server ids of the messages on the page, in order, once every pending message has been confirmed."""
    expect(page.locator("#chat-messages .chat-message:not([data-id])")).to_have_count(0)
    return page.locator("#chat-messages .chat-message").evaluate_all("nodes => nodes.map(n => n.dataset.id)")


def test_doctor_and_patient_chat_in_two_browsers(live_db, browsers, tmp_path):
    """Messages, a PDF and live unread counts between two browser contexts; markup stays text; reload keeps history."""
    doctor = factories.doctor()
    patient = factories.user(Role.PATIENT)
    # Within the chat window: it opens a day before the start and closes a day after the end.
    appointment = factories.appointment(
        patient_record=patient.patient_profile, doctor_user=doctor, starts_at=datetime.now(UTC) + timedelta(hours=1)
    )
    doctor_chat = f"/doctor/appointments/{appointment.public_id}/chat"
    patient_chat = f"/patient/appointments/{appointment.public_id}/chat"
    pdf = tmp_path / "lab-results.pdf"
    pdf.write_bytes(PDF)

    doctor_page = browsers.sign_in(doctor)
    patient_page = browsers.sign_in(patient)

    # The doctor writes from the chat; the patient is elsewhere in the cabinet and sees the count grow live.
    open_chat(doctor_page, doctor_chat)
    expect(doctor_page.locator("#chat-form")).to_be_visible()
    patient_page.goto("/patient/")
    expect_unread(patient_page, 0)
    send(doctor_page, "Hello")
    expect(message(doctor_page, "Hello")).to_have_count(1)
    expect_unread(patient_page, 1)
    send(doctor_page, "How are you feeling?")
    expect(message(doctor_page, "How are you feeling?")).to_have_count(1)
    expect_unread(patient_page, 2)
    assert patient_page.url == f"{browsers.base_url}/patient/", "the counts must change without leaving the page"

    # The conversation list shows the thread's count; opening the chat shows the messages and reads them.
    patient_page.goto("/patient/chats")
    expect(patient_page.locator("[data-unread-thread]")).to_have_text("2")
    open_chat(patient_page, patient_chat)
    expect(message(patient_page, "Hello")).to_have_count(1)
    expect(message(patient_page, "How are you feeling?")).to_have_count(1)
    expect_unread(patient_page, 0)

    # The patient sends a PDF with a note; the doctor sees the file and can download exactly those bytes.
    send(patient_page, "My lab results", file=pdf)
    expect(message(patient_page, "My lab results").locator("a.chat-file")).to_have_text("lab-results.pdf")
    sent = message(doctor_page, "My lab results")
    expect(sent).to_have_count(1)
    link = sent.locator("a.chat-file")
    expect(link).to_have_text("lab-results.pdf")
    download = doctor_page.context.request.get(urljoin(browsers.base_url, link.get_attribute("href")))
    assert download.ok, download.status
    assert download.body() == PDF

    # Markup arrives as the literal text typed, and nothing runs.
    send(patient_page, SCRIPT)
    expect(message(doctor_page, SCRIPT)).to_have_count(1)
    expect(message(doctor_page, SCRIPT).locator(".chat-text")).to_have_text(SCRIPT)
    for page in (doctor_page, patient_page):
        expect(message(page, SCRIPT)).to_have_count(1)
        expect(page.locator("#chat-messages script")).to_have_count(0)
        assert page.evaluate("typeof window.pwned") == "undefined"

    # Both sides hold the same four messages once each; after a reload, so does the history from the server.
    texts = ["Hello", "How are you feeling?", "My lab results", SCRIPT]
    for page, path in ((doctor_page, doctor_chat), (patient_page, patient_chat)):
        before = message_ids(page)
        assert len(before) == len(set(before)) == len(texts), before
        open_chat(page, path)
        after = message_ids(page)
        assert after == before, f"after a reload {path} shows {after}, before it showed {before}"
        for text in texts:
            expect(message(page, text)).to_have_count(1)
        expect(message(page, "My lab results").locator("a.chat-file")).to_have_text("lab-results.pdf")
        assert page.evaluate("typeof window.pwned") == "undefined"

    assert browsers.console_errors(doctor_page) == []
    assert browsers.console_errors(patient_page) == []
