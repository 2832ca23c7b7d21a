"""The pre-call check in Chromium with fake camera and microphone, its network loop relayed by the throwaway coturn.

These tests launch a Chromium of their own: fake media devices and loopback WebRTC need launch flags the other
browser tests do not use, and the contexts are granted the camera and microphone up front.
"""

import pytest
from playwright.sync_api import expect

from app.models import Role
from tests import factories
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, Browsers

CALL_ARGS = [
    # A synthetic camera picture and a beeping microphone instead of real devices; permission prompts answered yes.
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
    # Candidates on 127.0.0.1 (where coturn relays in the tests) are dropped unless allowed, and hidden behind
    # mDNS names by default.
    "--allow-loopback-in-peer-connection",
    "--disable-features=WebRtcHideLocalIpsWithMdns",
]
# The check listens to the microphone for 4 s and runs 2 s of pings plus 1 s of grace; a refused relay can take up to
# the loop's 10 s connect timeout. Room for a loaded machine on top.
CHECK_TIMEOUT_MS = 25_000


@pytest.fixture(scope="module")
def call_browser(playwright):
    """Debian's Chromium with fake media devices and loopback WebRTC allowed."""
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS + CALL_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def live_server_env(request, turn_server):
    """The live server's ICE settings: the throwaway coturn with its secret ("right"), another secret ("wrong"), or
    no TURN at all ("none")."""
    secret = {"right": turn_server.secret, "wrong": f"not-{turn_server.secret}", "none": ""}[
        getattr(request, "param", "right")
    ]
    return {"TURN_URLS": f"turn:127.0.0.1:{turn_server.port}?transport=udp", "TURN_SECRET": secret}


@pytest.fixture
def call_browsers(live_server, call_browser):
    """Signed-in pages in the call browser, each context allowed the camera and microphone."""
    contexts = []

    def new_context(**options):
        """A context of the call browser with media permissions granted."""
        context = call_browser.new_context(permissions=["camera", "microphone"], **options)
        contexts.append(context)
        return context

    yield Browsers(new_context, live_server.url)
    for context in contexts:
        context.close()


def open_check(call_browsers, role: Role):
    """A patient's or doctor's check page, reached from the link on their appointment page."""
    doctor = factories.doctor()
    appointment = factories.appointment(doctor_user=doctor)
    user = doctor if role == Role.DOCTOR else appointment.patient.user
    page = call_browsers.sign_in(user)
    page.goto(f"/{role.value}/appointments/{appointment.public_id}")
    page.get_by_role("link", name="Check camera and microphone").click()
    expect(page).to_have_url(f"{call_browsers.base_url}/call/check")
    return page


def result(page, name: str):
    """The result line of one check."""
    return page.locator(f"#check-{name}")


@pytest.mark.parametrize("role", [Role.PATIENT, Role.DOCTOR])
def test_every_check_passes_through_the_relay(live_db, call_browsers, role):
    """Camera, microphone and speaker pass with fake devices; the network passes over a relay pair with a measured
    round trip and no loss. The whole check is driven from the keyboard."""
    page = open_check(call_browsers, role)
    page.locator("#check-start").focus()
    page.keyboard.press("Enter")

    expect(result(page, "camera")).to_have_attribute("data-result", "pass", timeout=CHECK_TIMEOUT_MS)
    expect(result(page, "camera")).to_contain_text("Pass")
    assert int(result(page, "camera").get_attribute("data-height")) >= 360
    expect(result(page, "mic")).to_have_attribute("data-result", "pass", timeout=CHECK_TIMEOUT_MS)
    assert float(page.locator("#check-level").get_attribute("value") or 0) >= 0
    network = result(page, "network")
    expect(network).to_have_attribute("data-result", "pass", timeout=CHECK_TIMEOUT_MS)
    expect(network).to_contain_text("The connection through the clinic's relay works")
    assert (network.get_attribute("data-local"), network.get_attribute("data-remote")) == ("relay", "relay")
    assert 0 <= int(network.get_attribute("data-rtt")) <= 250
    assert network.get_attribute("data-loss") == "0"

    page.locator("#check-play").focus()
    page.keyboard.press("Enter")
    # The page moves the focus to the answer, so Enter answers it.
    expect(page.locator("#check-heard-yes")).to_be_focused()
    page.keyboard.press("Enter")
    expect(result(page, "speaker")).to_have_attribute("data-result", "pass")
    expect(result(page, "speaker")).to_contain_text("Your speakers or headphones work.")
    assert call_browsers.console_errors(page) == []


@pytest.mark.parametrize("live_server_env", ["wrong"], indirect=True)
def test_a_relay_refusing_the_credential_fails_the_network_check(live_db, call_browsers):
    """With a secret coturn does not share, the relay answers 401 and the page reports Fail, saying the relay refused;
    the devices still pass."""
    page = open_check(call_browsers, Role.PATIENT)
    page.locator("#check-start").click()
    network = result(page, "network")
    expect(network).to_have_attribute("data-result", "fail", timeout=CHECK_TIMEOUT_MS)
    expect(network).to_contain_text("Fail")
    expect(network).to_have_attribute("data-reason", "refused")
    expect(network).to_contain_text("The clinic's relay server refused the connection.")
    expect(result(page, "camera")).to_have_attribute("data-result", "pass", timeout=CHECK_TIMEOUT_MS)
    expect(result(page, "mic")).to_have_attribute("data-result", "pass", timeout=CHECK_TIMEOUT_MS)


@pytest.mark.parametrize("live_server_env", ["none"], indirect=True)
def test_without_turn_the_network_check_says_so_plainly(live_db, call_browsers):
    """No TURN configured: the network check is neither a pass nor a failure of the user's network."""
    page = open_check(call_browsers, Role.DOCTOR)
    page.locator("#check-start").click()
    network = result(page, "network")
    expect(network).to_have_attribute("data-result", "unavailable", timeout=CHECK_TIMEOUT_MS)
    expect(network).to_contain_text("Not checked")
    expect(network).to_contain_text("This says nothing about your network.")


def test_the_check_fits_a_phone(live_db, call_browsers):
    """At 360 px nothing scrolls sideways, before the check and with the camera picture showing."""
    page = call_browsers.sign_in(factories.user(Role.PATIENT))
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto("/call/check")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.locator("#check-start").click()
    expect(result(page, "camera")).to_have_attribute("data-result", "pass", timeout=CHECK_TIMEOUT_MS)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert page.locator("#check-preview").bounding_box()["width"] <= 360
