"""Self-registration reveals nothing about which e-mails have accounts: both answers are the same page and status,
and the mailbox decides: a link that creates the account, or a notice to the owner of a taken address."""

import re
import time

import pytest
import sqlalchemy as sa

from app.models import PatientProfile, PendingRegistration, Role, User
from tests import factories

LINK = re.compile(r"http://localhost/auth/register/confirm/\S+")


@pytest.fixture
def app_config(app_config, smtp):
    """The app sends its mail to the throwaway server."""
    app_config.update(SMTP_HOST=smtp.host, SMTP_PORT=smtp.port, CLINIC_NAME="Test Clinic", BABEL_DEFAULT_LOCALE="en")
    return app_config


def _form(email: str, **values) -> dict:
    """A complete registration form."""
    return {
        "email": email,
        "password": "a-good-password",
        "confirm": "a-good-password",
        "last_name": "Кузнецова",
        "first_name": "Ольга",
        "date_of_birth": "1991-02-03",
        "phone": "+7 900 111-22-33",
        **values,
    }


def _answer_text(response) -> str:
    """The page without what differs per request anyway (the CSRF token, the address typed)."""
    return re.sub(r'(csrf[-_]token" (content|value))="[^"]+"', r"\1", response.get_data(as_text=True))


def test_a_taken_and_a_new_address_get_the_same_answer(app, smtp, db):
    """Same status and page (but for the address shown); the new address gets a link, the owner gets a notice, and
    nothing is created or signed in yet."""
    owner = factories.user(Role.PATIENT, email="taken@example.org")
    before = db.session.scalar(sa.select(sa.func.count(User.id)))
    answers = []
    for email in ("taken@example.org", "fresh@example.org"):
        client = app.test_client()
        started = time.perf_counter()
        response = client.submit("/auth/register", _form(email))
        answers.append((response, time.perf_counter() - started, client))
    (taken, taken_time, taken_client), (fresh, fresh_time, fresh_client) = answers
    assert taken.status_code == fresh.status_code == 200
    assert "Check your e-mail" in taken.get_data(as_text=True)
    taken_page = _answer_text(taken).replace("taken@example.org", "ADDRESS")
    assert taken_page == _answer_text(fresh).replace("fresh@example.org", "ADDRESS")
    assert "already" not in taken_page
    # Both hash the password and send one e-mail: neither is several times faster than the other.
    assert max(taken_time, fresh_time) < 4 * min(taken_time, fresh_time)
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == before
    for client in (taken_client, fresh_client):
        assert client.get("/patient/").status_code == 302  # nobody is signed in

    mail = {message["To"]: message for message in smtp.messages}
    assert set(mail) == {"taken@example.org", "fresh@example.org"}
    notice = mail["taken@example.org"].get_content()
    assert mail["taken@example.org"]["Subject"] == "Someone tried to register with your e-mail"
    assert "You already have an account" in notice and "/auth/login" in notice and not LINK.search(notice)
    assert LINK.search(mail["fresh@example.org"].get_content())
    db.session.refresh(owner)
    assert owner.check_password(factories.PASSWORD)  # the owner's account is untouched


def test_the_link_creates_the_account_and_opens_the_cabinet(app, client, smtp, db):
    """Opening the e-mailed link creates the patient account and record, signs in and lands in the cabinet; a
    second opening creates nothing more."""
    client.submit("/auth/register", _form("New.Patient@Example.org", role="admin"))
    link = LINK.search(smtp.messages[-1].get_content()).group(0)
    # A random token, nothing of the person: no name, birth date or password hash travels in the URL.
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", link.rsplit("/", 1)[1])
    response = client.get(link.removeprefix("http://localhost"))
    assert response.status_code == 302 and response.headers["Location"] == "/patient/"
    user = db.session.scalar(sa.select(User).filter_by(email="new.patient@example.org"))
    assert user.role == Role.PATIENT  # whatever the form carried
    assert user.patient_profile.full_name == "Кузнецова Ольга" and user.password_hash.startswith("$argon2id$")
    assert user.check_password("a-good-password")
    assert "Кузнецова Ольга" in client.get("/patient/").get_data(as_text=True)
    again = app.test_client().get(link.removeprefix("http://localhost"))
    assert again.status_code == 302 and again.headers["Location"] == "/auth/login"
    assert db.session.scalar(sa.select(sa.func.count(User.id)).filter_by(email="new.patient@example.org")) == 1


def test_a_damaged_or_expired_link_is_refused_with_the_reason(app, client, smtp, db):
    """A changed character or a link older than a day answers 400 and says so; no account appears."""
    client.submit("/auth/register", _form("late@example.org"))
    path = LINK.search(smtp.messages[-1].get_content()).group(0).removeprefix("http://localhost")
    damaged = client.get(path[:-3] + ("AAA" if not path.endswith("AAA") else "BBB"))
    assert damaged.status_code == 400 and "not valid or has expired" in damaged.get_data(as_text=True)
    pending = db.session.scalar(sa.select(PendingRegistration).filter_by(email="late@example.org"))
    assert path.rsplit("/", 1)[1] not in str(pending.details)  # the token is not kept, only its digest
    pending.expires_at = pending.created_at  # as it would be a day later
    db.session.commit()
    expired = client.get(path)
    assert expired.status_code == 400 and "not valid or has expired" in expired.get_data(as_text=True)
    assert db.session.scalar(sa.select(User.id).filter_by(email="late@example.org")) is None


def test_registration_errors_keep_nothing_and_send_nothing(client, smtp, db):
    """A short password, a mismatched repeat and a birth date outside 1900..today are explained; no e-mail."""
    before = db.session.scalar(sa.select(sa.func.count(PatientProfile.id)))
    for birth in ("2999-01-01", "1899-12-31", "0001-01-01"):
        response = client.submit(
            "/auth/register", _form("x@example.org", password="short", confirm="different", date_of_birth=birth)
        )
        assert response.status_code == 422
        page = response.get_data(as_text=True)
        assert "Use at least 8 characters." in page and "Passwords differ." in page
        assert "Enter a real date of birth." in page
    assert db.session.scalar(sa.select(sa.func.count(PatientProfile.id))) == before
    assert smtp.messages == []
