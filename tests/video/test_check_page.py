"""The pre-call check page and its ICE servers (video/pages.py): who sees them, and what they carry."""

import re
import time
from datetime import UTC, datetime

import pytest

from app.calls.ice import turn_credential
from app.models import Role
from tests import factories

TURN_URLS = ("turn:turn.clinic.test:3478?transport=udp", "turns:turn.clinic.test:5349?transport=tcp")


@pytest.fixture
def with_turn(app):
    """The app with a STUN URL, TURN URLs and a shared secret."""
    app.config.update(STUN_URLS=("stun:turn.clinic.test:3478",), TURN_URLS=TURN_URLS, TURN_SECRET="s3cret")
    return app


@pytest.mark.parametrize("role", [Role.PATIENT, Role.DOCTOR])
def test_patients_and_doctors_get_the_check_page(client, login_as, role):
    """Both sides of a call see the four checks, each with a live result region, and the page's module."""
    login_as(role)
    response = client.get("/call/check")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Check camera and microphone" in page
    assert 'src="/static/js/calls/check.js"' in page
    assert 'data-ice-url="/call/check/ice-servers"' in page
    assert 'data-sound="/static/sounds/check.wav"' in page
    for name in ("camera", "mic", "speaker", "network"):
        assert re.search(
            rf'id="check-{name}" data-check="{name}" data-result="none" role="status" aria-live="polite"', page
        )
    assert '<label class="form-label" for="check-level">' in page


def test_the_test_sound_is_served(client, login_as):
    """The speaker test's sound is our own small WAV file, served from static."""
    login_as(Role.PATIENT)
    response = client.get("/static/sounds/check.wav")
    assert response.status_code == 200
    assert response.data[:4] == b"RIFF" and response.data[8:12] == b"WAVE"
    assert len(response.data) < 16_000


def test_ice_servers_carry_a_short_lived_credential_of_the_user(client, login_as, with_turn):
    """The check's TURN credential names the signed-in user, lasts ten minutes and is the one coturn would compute."""
    doctor = login_as(Role.DOCTOR)
    before = time.time()
    answer = client.get("/call/check/ice-servers").get_json()
    assert answer["relay"] is True
    stun, turn = answer["iceServers"]
    assert stun == {"urls": ["stun:turn.clinic.test:3478"]}
    assert turn["urls"] == list(TURN_URLS)
    expiry, name = turn["username"].split(":", 1)
    assert name == f"check-{doctor.public_id}"
    assert before + 600 - 5 <= int(expiry) <= time.time() + 600
    expected = turn_credential("s3cret", name, datetime.fromtimestamp(int(expiry), UTC))
    assert (turn["username"], turn["credential"]) == expected


def test_without_turn_the_page_is_told_there_is_no_relay(client, login_as, app):
    """No TURN secret: no credential, and `relay: false`, so the page says the network could not be checked."""
    app.config.update(STUN_URLS=(), TURN_URLS=TURN_URLS, TURN_SECRET="")
    login_as(Role.PATIENT)
    assert client.get("/call/check/ice-servers").get_json() == {"iceServers": [], "relay": False}


def test_the_credential_is_never_cached(client, login_as, with_turn):
    """A credential is for the person who asked: no browser or proxy cache may keep it."""
    login_as(Role.PATIENT)
    assert client.get("/call/check/ice-servers").headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("role", [Role.METHODOLOGIST, Role.RECEPTION, Role.ADMIN])
def test_staff_without_calls_get_no_credential(client, login_as, with_turn, role):
    """Roles that take no part in calls are refused the page and the relay credential."""
    login_as(role)
    assert client.get("/call/check").status_code == 403
    response = client.get("/call/check/ice-servers")
    assert response.status_code == 403
    assert b"credential" not in response.data


def test_anonymous_visitors_are_sent_to_sign_in_and_get_no_credential(client, with_turn):
    """Nobody gets a relay credential without signing in."""
    response = client.get("/call/check/ice-servers")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login?next=")


def test_both_appointment_pages_link_the_check(client, login_as):
    """The patient's and the doctor's appointment pages offer the check."""
    doctor = factories.doctor()
    appointment = factories.appointment(doctor_user=doctor)
    login_as(Role.PATIENT, user=appointment.patient.user)
    link = 'href="/call/check">Check camera and microphone</a>'
    assert link in client.get(f"/patient/appointments/{appointment.public_id}").get_data(as_text=True)
    client.submit("/auth/logout")
    login_as(Role.DOCTOR, user=doctor)
    assert link in client.get(f"/doctor/appointments/{appointment.public_id}").get_data(as_text=True)


def test_credentials_are_rationed_per_account(client, login_as, with_turn):
    """One account gets at most 30 credentials an hour (the relay is not a free TURN service); others are unaffected."""
    login_as(Role.PATIENT)
    for _ in range(30):
        assert client.get("/call/check/ice-servers").status_code == 200
    refused = client.get("/call/check/ice-servers")
    assert refused.status_code == 429
    assert b"credential" not in refused.data
    client.submit("/auth/logout")
    login_as(Role.PATIENT)
    assert client.get("/call/check/ice-servers").status_code == 200
