"""Deactivation ends everything at once across processes: the admin deactivates a doctor through process A while
the doctor's socket is open on process B; the socket closes, pages and the calendar feed refuse on both."""

import secrets

import pytest

from app import create_app
from app.extensions import db as _db
from app.models import Role
from tests import factories
from tests.chat.test_processes import server_env, servers, shared_database  # noqa: F401  (the two-process fixtures)
from tests.chat.test_revocation_processes import Socket, cabinet_answer, post_form, refused_connection, sign_in


@pytest.fixture
def staff(shared_database):  # noqa: F811  (the fixture imported above)
    """An admin and a doctor with a calendar feed, made in the shared database."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": shared_database, "SECRET_KEY": "setup", "TESTING": True})
    with app.app_context():
        admin = factories.user(Role.ADMIN)
        doctor = factories.doctor()
        doctor.specialist_profile.calendar_token = secrets.token_urlsafe(32)
        _db.session.commit()
        yield {
            "admin": admin.email,
            "doctor": doctor.email,
            "doctor_id": str(doctor.public_id),
            "feed": f"/calendar/feed/{doctor.specialist_profile.calendar_token}.ics",
        }
        _db.session.remove()
        _db.engine.dispose()


def test_deactivation_through_one_process_closes_the_socket_on_the_other(servers, staff):  # noqa: F811
    """The doctor's socket on B closes; B and A send the session to sign-in and refuse /chat; the feed is gone."""
    a, b = servers
    doctor = sign_in(b, staff["doctor"])
    sock = Socket(b, doctor).connect()
    try:
        assert cabinet_answer(b, doctor, "/doctor/").status_code == 200
        assert cabinet_answer(a, doctor, staff["feed"]).status_code == 200

        admin = sign_in(a, staff["admin"])
        answer = post_form(a, admin, f"/admin/staff/{staff['doctor_id']}/deactivate")
        assert answer.status_code == 303

        assert sock.closed.wait(10), "the deactivated doctor's socket on process B stayed open"
        for server in (a, b):
            page = cabinet_answer(server, doctor, "/doctor/")
            assert page.status_code == 302 and "/auth/login" in page.headers["Location"]
            assert refused_connection(server, doctor) == "unauthorized"
            assert cabinet_answer(server, doctor, staff["feed"]).status_code == 404
    finally:
        sock.close()
