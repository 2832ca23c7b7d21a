"""Lab results in the chat, in real browsers against the live server: the patient ticks "This is a test result",
sends a file and the methodologist's queue lists it; a file sent without the tick stays out until the doctor marks
it, and the patient's open chat shows the doctor's mark without a reload."""

from datetime import UTC, datetime, timedelta

from playwright.sync_api import Page, expect

from app.models import Role
from tests import factories
from tests.browser.test_chat import PDF, message, open_chat, send


def queue_entry(page: Page, name: str):
    """The methodologist's queue row naming a file, after a fresh load of the queue."""
    page.goto("/methodologist/")
    return page.locator("li[data-file]").filter(has=page.get_by_role("link", name=name, exact=True))


def test_a_file_ticked_as_a_test_result_reaches_the_methodologist(live_db, browsers, tmp_path):
    """Ticked: listed in the queue with its mark. Unticked: not listed, until the doctor's "Mark as test result",
    which the patient's chat shows live and the queue shows on reload."""
    doctor = factories.doctor()
    patient = factories.user(Role.PATIENT)
    appointment = factories.appointment(
        patient_record=patient.patient_profile, doctor_user=doctor, starts_at=datetime.now(UTC) + timedelta(hours=1)
    )
    methodologist = factories.user(Role.METHODOLOGIST)
    blood, photo = tmp_path / "blood-count.pdf", tmp_path / "throat-photo.pdf"
    blood.write_bytes(PDF)
    photo.write_bytes(PDF)

    patient_page = browsers.sign_in(patient)
    methodologist_page = browsers.sign_in(methodologist)
    open_chat(patient_page, f"/patient/appointments/{appointment.public_id}/chat")

    box = patient_page.get_by_label("This is a test result")
    box.check()
    send(patient_page, "Blood count from the lab", file=blood)
    sent = message(patient_page, "Blood count from the lab")
    expect(sent).to_have_count(1)
    expect(sent.locator(".chat-lab-result")).to_be_visible()
    expect(box).not_to_be_checked()
    send(patient_page, "My throat", file=photo)
    expect(message(patient_page, "My throat")).to_have_count(1)
    expect(message(patient_page, "My throat").locator(".chat-lab-result")).to_be_hidden()

    listed = queue_entry(methodologist_page, "blood-count.pdf")
    expect(listed).to_have_count(1)
    expect(listed.locator("[data-lab-result]")).to_have_text("Test result")
    expect(queue_entry(methodologist_page, "throat-photo.pdf")).to_have_count(0)

    # The doctor marks the unticked file from the chat's side panel; the patient's page shows it without a reload.
    doctor_page = browsers.sign_in(doctor)
    open_chat(doctor_page, f"/doctor/appointments/{appointment.public_id}/chat")
    row = doctor_page.locator("li[data-file]").filter(has=doctor_page.get_by_role("link", name="throat-photo.pdf"))
    with doctor_page.expect_navigation():
        row.get_by_role("button", name="Mark as test result").click()
    expect(doctor_page.locator("li[data-file]", has_text="throat-photo.pdf").get_by_role("button")).to_have_text(
        "Unmark"
    )
    expect(message(patient_page, "My throat").locator(".chat-lab-result")).to_be_visible()
    expect(queue_entry(methodologist_page, "throat-photo.pdf")).to_have_count(1)

    for page in (patient_page, methodologist_page, doctor_page):
        assert browsers.console_errors(page) == []
