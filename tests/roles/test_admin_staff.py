"""The staff lifecycle in the admin area: invitations (accepted once; refused after use, expiry or revocation;
resending kills the old link), editing duties, deactivation (session, socket and calendar feed end at once) and
reactivation. Mail goes to a real SMTP server on loopback."""

import re
import secrets
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app import clock
from app.auth import invitations
from app.extensions import socketio
from app.models import AuditEvent, Invitation, Role, User
from tests import factories
from tests.services.smtp import SMTPServer

LINK = re.compile(r"http://localhost(/auth/invitation/[A-Za-z0-9_-]+)")
PASSWORD = "my-own-password-1"


@pytest.fixture
def smtp():
    """A throwaway SMTP server that keeps what it receives."""
    server = SMTPServer().start()
    yield server
    server.stop()


@pytest.fixture
def app_config(app_config, smtp):
    """The app sends its mail to the throwaway server."""
    app_config.update(SMTP_HOST=smtp.host, SMTP_PORT=smtp.port, CLINIC_NAME="Test Clinic", BABEL_DEFAULT_LOCALE="en")
    return app_config


def _invite(client, **values):
    """Submit the invitation form (a doctor by default)."""
    form = {"email": "Invited@Clinic.example", "role": "doctor", "timezone": "Asia/Yekaterinburg", **values}
    return client.submit("/admin/invitations/new", form)


def _accept(client, path: str, **values):
    """Fill in the invitation page as the invited person."""
    form = {"last_name": "Орлова", "first_name": "Вера", "password": PASSWORD, "confirm": PASSWORD, **values}
    return client.submit(path, form)


def _shown_link(response) -> str:
    """The link the admin is shown to copy."""
    return LINK.search(response.get_data(as_text=True)).group(1)


def test_an_invitation_is_mailed_shown_and_accepted_once(app, client, login_as, smtp, db):
    """The same link is mailed and shown; the invited doctor sets a password, lands in the cabinet with the
    admin's decisions; the link then answers 410 and no second account appears."""
    admin = login_as(Role.ADMIN)
    endo = factories.specialty("endocrinology")
    sent = _invite(client, specialties=str(endo.id), restricted="y", last_name="Орлова")
    assert sent.status_code == 200
    path = _shown_link(sent)
    assert re.fullmatch(r"/auth/invitation/[A-Za-z0-9_-]{43}", path)
    mail = smtp.messages[-1]
    assert mail["To"] == "invited@clinic.example" and "Test Clinic" in mail["Subject"]
    assert LINK.search(mail.get_content()).group(1) == path
    invitation = db.session.scalar(sa.select(Invitation))
    assert path.rsplit("/", 1)[1] not in invitation.token_digest  # only the digest is kept

    invited = app.test_client()
    page = invited.get(path)
    assert page.status_code == 200 and 'value="Орлова"' in page.get_data(as_text=True)
    answer = _accept(invited, path, middle_name="Павловна")
    assert answer.status_code == 302 and answer.headers["Location"] == "/doctor/"
    assert invited.get("/doctor/").status_code == 200  # no forced change: they chose the password

    user = db.session.scalar(sa.select(User).filter_by(email="invited@clinic.example"))
    assert user.role == Role.DOCTOR and user.timezone == "Asia/Yekaterinburg" and not user.must_change_password
    assert user.specialist_profile.full_name == "Орлова Вера Павловна"
    assert user.specialist_profile.restricted is True
    assert [s.slug for s in user.specialist_profile.specialties] == ["endocrinology"]
    db.session.refresh(invitation)
    assert invitation.accepted_at is not None and invitation.user_id == user.id
    assert invitation.invited_by_id == admin.id

    for response in (app.test_client().get(path), _accept(app.test_client(), path)):
        assert response.status_code == 410
        assert "already been used" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(User.id)).filter_by(email="invited@clinic.example")) == 1
    actions = set(db.session.scalars(sa.select(AuditEvent.action).filter_by(object_id=str(invitation.public_id))))
    assert actions == {"invite_staff", "accept_invitation"}


def test_an_expired_invitation_is_refused_and_can_be_renewed(app, client, login_as, smtp, db, monkeypatch):
    """After its lifetime the link answers 410 saying so; resending gives a new link that works."""
    login_as(Role.ADMIN)
    path = _shown_link(_invite(client, role="reception"))
    later = clock.utcnow() + timedelta(days=invitations.LINK_DAYS, minutes=1)
    monkeypatch.setattr(clock, "utcnow", lambda: later)
    expired = _accept(app.test_client(), path)
    assert expired.status_code == 410 and "has expired" in expired.get_data(as_text=True)
    listing = client.get("/admin/invitations").get_data(as_text=True)
    assert 'data-state="expired"' in listing

    invitation = db.session.scalar(sa.select(Invitation))
    renewed = _shown_link(client.submit(f"/admin/invitations/{invitation.public_id}/resend"))
    assert _accept(app.test_client(), renewed).status_code == 302


def test_an_expired_invitation_is_not_renewed_beside_a_newer_one(app, client, login_as, smtp, db, monkeypatch):
    """Once a new invitation to the address is open, the expired one cannot be resent: one open link per address."""
    login_as(Role.ADMIN)
    _invite(client, role="reception")
    old = db.session.scalar(sa.select(Invitation))
    later = clock.utcnow() + timedelta(days=invitations.LINK_DAYS, minutes=1)
    monkeypatch.setattr(clock, "utcnow", lambda: later)
    assert _invite(client, role="reception").status_code == 200
    answer = client.submit(f"/admin/invitations/{old.public_id}/resend")
    assert answer.status_code == 303
    assert "Another invitation to this e-mail is open" in client.get(answer.headers["Location"]).get_data(as_text=True)


def test_a_revoked_invitation_is_refused(app, client, login_as, smtp, db):
    """Revoking kills the link (410, withdrawn); it cannot be resent or revoked again."""
    login_as(Role.ADMIN)
    path = _shown_link(_invite(client, role="methodologist"))
    invitation = db.session.scalar(sa.select(Invitation))
    assert client.post(f"/admin/invitations/{invitation.public_id}/revoke").status_code == 400  # no CSRF
    answer = client.submit(f"/admin/invitations/{invitation.public_id}/revoke")
    assert answer.status_code == 303
    refused = _accept(app.test_client(), path)
    assert refused.status_code == 410 and "withdrawn" in refused.get_data(as_text=True)
    assert db.session.scalar(sa.select(User.id).filter_by(email="invited@clinic.example")) is None
    again = client.submit(f"/admin/invitations/{invitation.public_id}/resend")
    assert again.status_code == 303
    assert "has been used, revoked or has expired" in client.get("/admin/invitations").get_data(as_text=True)


def test_resending_kills_the_old_link(app, client, login_as, smtp, db):
    """The old link stops working the moment a new one is sent; the new one works."""
    login_as(Role.ADMIN)
    old = _shown_link(_invite(client, role="reception"))
    invitation = db.session.scalar(sa.select(Invitation))
    new = _shown_link(client.submit(f"/admin/invitations/{invitation.public_id}/resend"))
    assert new != old and LINK.search(smtp.messages[-1].get_content()).group(1) == new
    assert app.test_client().get(old).status_code == 404
    assert _accept(app.test_client(), new).status_code == 302


def test_unknown_and_malformed_links_answer_404(client):
    """A random token, or one far too long, opens nothing."""
    assert client.get(f"/auth/invitation/{secrets.token_urlsafe(32)}").status_code == 404
    assert client.get("/auth/invitation/" + "a" * 500).status_code == 404


def test_invitation_form_errors(client, login_as, smtp, db):
    """An existing account, an open invitation for the address, a bad timezone and a doctor without specialty are
    explained with 422; nothing is sent for them."""
    admin = login_as(Role.ADMIN)
    taken = _invite(client, email=admin.email, role="reception")
    assert taken.status_code == 422 and "already exists" in taken.get_data(as_text=True)
    bad = _invite(client, timezone="Mars/Olympus")
    page = bad.get_data(as_text=True)
    assert bad.status_code == 422 and "Unknown timezone" in page and "Choose at least one specialty" in page
    assert _invite(client, role="reception").status_code == 200
    twice = _invite(client, role="admin")
    assert twice.status_code == 422 and "open invitation already" in twice.get_data(as_text=True)
    assert len(smtp.messages) == 1
    assert _invite(client, role="patient").status_code == 422  # staff roles only


def test_a_bad_password_on_the_invitation_page_keeps_the_link(app, client, login_as, smtp, db):
    """A short password is explained (422) and the link still works afterwards."""
    login_as(Role.ADMIN)
    path = _shown_link(_invite(client, role="reception"))
    invited = app.test_client()
    refused = _accept(invited, path, password="short", confirm="short")
    assert refused.status_code == 422 and "Use at least 8 characters." in refused.get_data(as_text=True)
    assert _accept(invited, path).status_code == 302


def test_the_admin_edits_duties(app, client, login_as, db):
    """Role, specialties, restriction and timezone are saved and audited; bad input answers 422."""
    login_as(Role.ADMIN)
    endo, psy = factories.specialty("endocrinology"), factories.specialty("psychology")
    doctor = factories.doctor(specialties=[endo])
    url = f"/admin/staff/{doctor.public_id}"
    assert client.get(url).status_code == 200
    answer = client.submit(
        url, {"role": "doctor", "specialties": [str(psy.id)], "restricted": "y", "timezone": "Asia/Tokyo"}
    )
    assert answer.status_code == 303
    db.session.refresh(doctor)
    assert doctor.timezone == "Asia/Tokyo" and doctor.specialist_profile.restricted is True
    assert [s.slug for s in doctor.specialist_profile.specialties] == ["psychology"]
    assert db.session.scalar(sa.select(AuditEvent.action).filter_by(object_id=str(doctor.public_id))) == "edit_staff"

    bad = client.submit(url, {"role": "doctor", "timezone": "Nowhere/City"})
    assert bad.status_code == 422
    assert "Unknown timezone" in bad.get_data(as_text=True) and "Choose at least one specialty" in bad.get_data(
        as_text=True
    )
    assert client.get(f"/admin/staff/{factories.user(Role.PATIENT).public_id}").status_code == 404
    assert client.get("/admin/staff/not-a-uuid").status_code == 404


def test_a_new_role_ends_the_sessions(app, client, login_as, db):
    """Moving reception to the methodologists signs them out; they sign in to the new cabinet."""
    login_as(Role.ADMIN)
    member = factories.user(Role.RECEPTION)
    theirs = app.test_client()
    theirs.sign_in(member.email)
    assert theirs.get("/reception/").status_code == 200
    client.submit(f"/admin/staff/{member.public_id}", {"role": "methodologist", "timezone": "Europe/Moscow"})
    assert theirs.get("/reception/").status_code == 302
    assert theirs.sign_in(member.email).headers["Location"] == "/methodologist/"


def test_the_admin_cannot_demote_or_deactivate_themselves(client, login_as, db):
    """The clinic never loses its last admin by a slip of the hand."""
    admin = login_as(Role.ADMIN)
    own = client.submit(f"/admin/staff/{admin.public_id}", {"role": "reception", "timezone": "Europe/Moscow"})
    assert own.status_code == 422 and "your own role" in own.get_data(as_text=True)
    answer = client.submit(f"/admin/staff/{admin.public_id}/deactivate")
    assert "your own account" in client.get(answer.headers["Location"]).get_data(as_text=True)
    db.session.refresh(admin)
    assert admin.active and admin.role == Role.ADMIN


def test_deactivation_ends_the_session_the_socket_and_the_feed_and_reactivation_restores_sign_in(
    app, client, login_as, db
):
    """The doctor's open page and socket end at once, the feed answers 404 (for good); reactivated, they sign in."""
    login_as(Role.ADMIN)
    doctor = factories.doctor()
    doctor.specialist_profile.calendar_token = secrets.token_urlsafe(32)
    db.session.commit()
    feed = f"/calendar/feed/{doctor.specialist_profile.calendar_token}.ics"
    theirs = app.test_client()
    theirs.sign_in(doctor.email)
    with app.app_context():
        sock = socketio.test_client(app, namespace="/chat", flask_test_client=theirs)
    assert sock.is_connected("/chat") and theirs.get("/doctor/").status_code == 200
    assert app.test_client().get(feed).status_code == 200

    assert client.post(f"/admin/staff/{doctor.public_id}/deactivate").status_code == 400  # no CSRF
    answer = client.submit(f"/admin/staff/{doctor.public_id}/deactivate")
    assert answer.status_code == 303

    assert not sock.is_connected("/chat")
    assert theirs.get("/doctor/").status_code == 302
    assert app.test_client().get(feed).status_code == 404
    assert app.test_client().sign_in(doctor.email).status_code == 401
    assert "deactivated" in client.get(f"/admin/staff/{doctor.public_id}").get_data(as_text=True)

    assert client.submit(f"/admin/staff/{doctor.public_id}/reactivate").status_code == 303
    assert app.test_client().sign_in(doctor.email).headers["Location"] == "/doctor/"
    assert app.test_client().get(feed).status_code == 404  # an old subscription does not come back
    actions = list(
        db.session.scalars(
            sa.select(AuditEvent.action).filter_by(object_id=str(doctor.public_id)).order_by(AuditEvent.id)
        )
    )
    assert actions == ["deactivate_staff", "reactivate_staff"]


def test_the_dashboard_links_to_staff_and_invitations(client, login_as):
    """Each staff member's name opens their page; invitations are one click away."""
    login_as(Role.ADMIN)
    doctor = factories.doctor()
    page = client.get("/admin/").get_data(as_text=True)
    assert f'href="/admin/staff/{doctor.public_id}"' in page
    assert 'href="/admin/invitations"' in page and 'href="/admin/invitations/new"' in page
