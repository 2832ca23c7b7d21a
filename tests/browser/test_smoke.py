"""The browser harness itself: Chromium signs a patient in through the real form and the cabinet renders cleanly."""

from playwright.sync_api import expect

from app.models import Role
from tests import factories


def test_patient_signs_in_and_sees_their_cabinet_without_console_errors(live_db, browsers):
    """A patient signs in through the login form and lands on their cabinet; no CSP violation or error is logged."""
    patient = factories.user(Role.PATIENT, full_name="Anna Smoke")
    patient.patient_profile.last_name = "Smoketest"
    patient.patient_profile.first_name = "Anna"
    live_db.session.commit()

    page = browsers.sign_in(patient)

    expect(page).to_have_url(f"{browsers.base_url}/patient/")
    expect(page.locator("main h1")).to_have_text("Smoketest Anna")
    expect(page.get_by_role("heading", name="Upcoming appointments")).to_be_visible()
    # The strict policy is really in force, so a clean console means the page needs nothing it forbids.
    response = page.reload()
    assert "script-src 'self'" in response.headers["content-security-policy"]
    expect(page.locator("main h1")).to_have_text("Smoketest Anna")
    assert browsers.console_errors(page) == []


def test_console_watch_sees_a_csp_violation(live_db, browsers):
    """The console check is not vacuous: an inline script on a cabinet page is refused and reported."""
    page = browsers.sign_in(factories.user(Role.PATIENT))
    with page.expect_console_message(lambda message: "Content Security Policy" in message.text):
        page.evaluate(
            """() => {
                const script = document.createElement("script");
                script.textContent = "window.inlineRan = true";
                document.head.appendChild(script);
            }"""
        )
    assert page.evaluate("window.inlineRan") is None
    errors = browsers.console_errors(page)
    assert any("Content Security Policy" in error for error in errors), errors
