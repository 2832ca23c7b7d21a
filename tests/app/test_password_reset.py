"""Password reset against a real SMTP server: the same answer for any address, a link that works once and briefly,
every other session ended; reception and the admin send links; a password someone else chose is changed first."""

import re
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app import clock
from app.auth import reset
from app.extensions import socketio
from app.models import AuditEvent, Role, User
from tests import factories

LINK = re.compile(r"http://localhost(/auth/password/reset/\S+)")
NEW = "a-brand-new-password"


@pytest.fixture
def app_config(app_config, smtp):
    """The app sends its mail to the throwaway server."""
    app_config.update(SMTP_HOST=smtp.host, SMTP_PORT=smtp.port, CLINIC_NAME="Test Clinic", BABEL_DEFAULT_LOCALE="en")
    return app_config


def _ask(client, email: str):
    """Ask for a reset link through the real form."""
    return client.submit("/auth/password/forgot", {"email": email})


def _link_for(smtp, email: str) -> str:
    """The path of the reset link in the latest message to this address."""
    message = [m for m in smtp.messages if m["To"] == email][-1]
    return LINK.search(message.get_content()).group(1)


def _set(client, path: str, password: str = NEW):
    """Submit the new-password form of a reset link."""
    return client.submit(path, {"new_password": password, "confirm": password})


def _page_text(response) -> str:
    """The page without what differs per request anyway (the CSRF token)."""
    return re.sub(r'(csrf[-_]token" (content|value))="[^"]+"', r"\1", response.get_data(as_text=True))


def test_the_login_page_offers_the_reset(client):
    """ "Forgot password?" is on the sign-in page and leads to a labelled form."""
    page = client.get("/auth/login").get_data(as_text=True)
    assert 'href="/auth/password/forgot"' in page and "Forgot password?" in page
    form = client.get("/auth/password/forgot").get_data(as_text=True)
    assert '<label class="form-label" for="email">' in form


def test_the_mailed_link_sets_the_password_once_and_signs_in(app, client, smtp, db):
    """The link arrives, sets the password, signs this browser in; opened again it is refused."""
    user = factories.user(Role.PATIENT, email="forgetful@example.org")
    assert _ask(client, "Forgetful@Example.org").status_code == 200
    path = _link_for(smtp, "forgetful@example.org")
    assert smtp.messages[-1]["Subject"] == "Set a new password"
    assert client.get(path).status_code == 200

    answer = _set(client, path)
    assert answer.status_code == 302 and answer.headers["Location"] == "/patient/"
    assert "Your new password is set." in client.get("/patient/").get_data(as_text=True)
    db.session.refresh(user)
    assert user.check_password(NEW) and not user.check_password(factories.PASSWORD)

    again = app.test_client()
    for response in (again.get(path), _set(again, path, "yet-another-password")):
        assert response.status_code == 400
        assert "already been used" in response.get_data(as_text=True)
    db.session.refresh(user)
    assert user.check_password(NEW)
    fresh = app.test_client()
    assert fresh.sign_in(user.email, NEW).status_code == 302


def test_a_bad_new_password_is_explained_and_the_link_still_works(client, smtp, db):
    """A short or mismatched password answers 422 with the registration's rules; the link stays usable."""
    factories.user(Role.PATIENT, email="short@example.org")
    _ask(client, "short@example.org")
    path = _link_for(smtp, "short@example.org")
    refused = client.submit(path, {"new_password": "short", "confirm": "other"})
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert "Use at least 8 characters." in page and "Passwords differ." in page
    assert _set(client, path).status_code == 302


def test_an_expired_or_tampered_link_is_refused(client, smtp, db, monkeypatch):
    """A link older than its lifetime, or with a changed character, answers 400 and changes nothing."""
    user = factories.user(Role.PATIENT, email="late@example.org")
    _ask(client, "late@example.org")
    path = _link_for(smtp, "late@example.org")
    token = path.rsplit("/", 1)[1]
    tampered = path[: -len(token)] + token[:10] + ("A" if token[10] != "A" else "B") + token[11:]
    assert client.get(tampered).status_code == 400
    assert client.get(path + "x").status_code == 400
    assert client.get("/auth/password/reset/" + "A" * 400).status_code == 400

    later = clock.utcnow() + timedelta(minutes=reset.LINK_MINUTES, seconds=5)
    monkeypatch.setattr(clock, "utcnow", lambda: later)
    expired = _set(client, path)
    assert expired.status_code == 400 and "has expired" in expired.get_data(as_text=True)
    db.session.refresh(user)
    assert user.check_password(factories.PASSWORD)


def test_a_token_signed_for_another_purpose_is_refused(app, client, db):
    """Only this module's salt verifies: a value signed with the same key for something else opens nothing."""
    from itsdangerous import URLSafeTimedSerializer

    user = factories.user(Role.PATIENT)
    forged = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="something-else").dumps(
        {"u": str(user.public_id), "p": ""}
    )
    assert client.get(f"/auth/password/reset/{forged}").status_code == 400


def test_every_other_session_and_socket_ends(app, client, smtp, db):
    """A browser signed in before the reset is signed out, its open socket closed; the resetting browser is in."""
    user = factories.user(Role.PATIENT, email="shared@example.org")
    elsewhere = app.test_client()
    assert elsewhere.sign_in(user.email).status_code == 302
    with app.app_context():
        sock = socketio.test_client(app, namespace="/chat", flask_test_client=elsewhere)
    assert sock.is_connected("/chat")
    assert elsewhere.get("/patient/").status_code == 200

    _ask(client, "shared@example.org")
    assert _set(client, _link_for(smtp, "shared@example.org")).status_code == 302

    assert not sock.is_connected("/chat")
    page = elsewhere.get("/patient/")
    assert page.status_code == 302 and "/auth/login" in page.headers["Location"]
    assert client.get("/patient/").status_code == 200


def test_an_unknown_address_gets_the_same_answer(app, smtp, db):
    """Same status and page (but for the address shown), similar time; the unknown address gets a notice without a
    link, a deactivated account too."""
    factories.user(Role.PATIENT, email="known@example.org")
    factories.user(Role.DOCTOR, email="gone@example.org", active=False)
    factories.user(Role.PATIENT, email="warm@example.org")
    for email in ("warm@example.org", "cold@example.org"):  # the first render and SMTP connection cost extra
        _ask(app.test_client(), email)
    pages, statuses, times = set(), set(), {}
    for _round in range(3):
        for email in ("known@example.org", "nobody@example.org", "gone@example.org"):
            started = time.perf_counter()
            response = _ask(app.test_client(), email)
            elapsed = time.perf_counter() - started
            times[email] = min(times.get(email, elapsed), elapsed)
            statuses.add(response.status_code)
            pages.add(_page_text(response).replace(email, "ADDRESS"))
    assert statuses == {200} and len(pages) == 1
    # Each path signs a token and sends one e-mail: none is several times faster than another.
    assert max(times.values()) < 4 * min(times.values())

    mail = {m["To"]: m.get_content() for m in smtp.messages}
    assert set(mail) == {
        "known@example.org",
        "nobody@example.org",
        "gone@example.org",
        "warm@example.org",
        "cold@example.org",
    }
    assert LINK.search(mail["known@example.org"])
    for email in ("nobody@example.org", "gone@example.org"):
        assert not LINK.search(mail[email]) and "no active account" in mail[email]
    assert db.session.scalar(sa.select(sa.func.count(User.id)).filter_by(email="nobody@example.org")) == 0


def test_requests_are_throttled_per_address(app_config, smtp):
    """Past the sign-in limit for one address the form answers 429, and no more mail goes."""
    from app import create_app
    from tests.conftest import ClinicClient

    app_config["LOGIN_LIMIT_PER_ACCOUNT"] = "2 per 15 minutes"
    app = create_app(app_config)
    app.test_client_class = ClinicClient
    with app.app_context():
        client = app.test_client()
        assert [_ask(client, "victim@example.org").status_code for _ in range(3)] == [200, 200, 429]
        assert _ask(client, "other@example.org").status_code == 200
    assert [m["To"] for m in smtp.messages] == ["victim@example.org", "victim@example.org", "other@example.org"]


def test_reception_sends_a_patient_a_reset_link(app, client, login_as, smtp, db):
    """The button on the registry card mails the patient a working link; the action is audited."""
    record = factories.patient(email="card@example.org")
    reception = login_as(Role.RECEPTION)
    card = client.get(f"/reception/patients/{record.public_id}").get_data(as_text=True)
    assert "Send a password reset link" in card
    assert client.post(f"/reception/patients/{record.public_id}/password-reset").status_code == 400  # no CSRF
    answer = client.submit(f"/reception/patients/{record.public_id}/password-reset")
    assert answer.status_code == 303
    assert "has been sent to card@example.org" in client.get(answer.headers["Location"]).get_data(as_text=True)
    path = _link_for(smtp, "card@example.org")
    assert _set(app.test_client(), path).status_code == 302
    event = db.session.scalar(sa.select(AuditEvent).filter_by(action="send_password_reset"))
    assert event.actor_id == reception.id and event.patient_id == record.id


def test_reception_cannot_reset_a_record_without_an_account(client, login_as, smtp, db):
    """A record registered at the desk has no account: nothing is sent, and the card says why."""
    from datetime import date

    from app.models import PatientProfile

    record = PatientProfile(last_name="Desk", first_name="Only", date_of_birth=date(1980, 1, 1), email="d@example.org")
    db.session.add(record)
    db.session.commit()
    login_as(Role.RECEPTION)
    answer = client.submit(f"/reception/patients/{record.public_id}/password-reset")
    assert "has no account" in client.get(answer.headers["Location"]).get_data(as_text=True)
    assert smtp.messages == []


def test_the_admin_sends_a_staff_member_a_reset_link(app, client, login_as, smtp, db):
    """From the staff member's page; audited; the link sets the password."""
    doctor = factories.doctor(email="doc@example.org")
    login_as(Role.ADMIN)
    answer = client.submit(f"/admin/staff/{doctor.public_id}/password-reset")
    assert answer.status_code == 303
    assert _set(app.test_client(), _link_for(smtp, "doc@example.org")).status_code == 302
    assert db.session.scalar(sa.select(AuditEvent.action).filter_by(object_id=str(doctor.public_id))) == (
        "send_password_reset"
    )


def test_a_password_set_by_the_admin_must_be_changed_first(app, client, login_as, db):
    """Every cabinet page sends the new staff member to the password page until they choose their own."""
    login_as(Role.ADMIN)
    form = {
        "email": "fresh@clinic.example",
        "last_name": "Новикова",
        "first_name": "Анна",
        "role": "reception",
        "timezone": "Europe/Moscow",
        "password": "chosen-by-admin",
    }
    assert client.submit("/admin/staff/new", form).status_code == 302
    staff = app.test_client()
    assert staff.sign_in("fresh@clinic.example", "chosen-by-admin").status_code == 302
    for path in ("/reception/", "/reception/patients/new", "/reception/doctors"):
        page = staff.get(path)
        assert page.status_code == 302 and page.headers["Location"] == "/auth/password", path
    assert "Please choose your own" in staff.get("/auth/password").get_data(as_text=True)
    changed = staff.submit(
        "/auth/password", {"current_password": "chosen-by-admin", "new_password": NEW, "confirm": NEW}
    )
    assert changed.status_code == 302
    assert staff.get("/reception/").status_code == 200
    user = db.session.scalar(sa.select(User).filter_by(email="fresh@clinic.example"))
    db.session.refresh(user)
    assert user.must_change_password is False


def test_the_registration_notice_points_to_the_reset(client, smtp, db):
    """The owner of a taken address is told where to reset the password, no longer to call the clinic."""
    factories.user(Role.PATIENT, email="owner@example.org")
    client.submit(
        "/auth/register",
        {
            "email": "owner@example.org",
            "password": "a-good-password",
            "confirm": "a-good-password",
            "last_name": "Иванова",
            "first_name": "Анна",
            "date_of_birth": "1990-01-01",
        },
    )
    notice = smtp.messages[-1].get_content()
    assert "http://localhost/auth/password/forgot" in notice and "contact the clinic" not in notice


def test_a_link_checked_by_two_requests_at_once_sets_the_password_once(app, db):
    """Two requests that both passed the check before either set the password: only the first one's is kept."""
    user = factories.user(Role.PATIENT)
    with app.test_request_context():
        checked = reset.user_for(reset.make_token(user))
        # The second request's view of the account, read before the first request changed it.
        late = User(id=checked.id, password_hash=checked.password_hash)
        reset.complete(checked, NEW)
        with pytest.raises(reset.ResetLinkRefused):
            reset.complete(late, "the-second-password")
    db.session.refresh(user)
    assert user.check_password(NEW)
