"""Answers with patient data are never cached; static assets are; the running server names no software version."""

import os
import urllib.error
import urllib.request

import pytest

from app.models import Role
from tests.services.app_server import AppServer


@pytest.mark.parametrize("role", list(Role))
def test_every_signed_in_page_is_no_store(client, login_as, role):
    """A cabinet page, a public page and a JSON error seen while signed in all carry Cache-Control: no-store."""
    login_as(role)
    for url in (f"/{role.value}/", "/", "/specialists", "/auth/password"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == "no-store", url
    missing = client.get(f"/{role.value}/nothing-here", headers={"Accept": "application/json"})
    assert missing.status_code == 404 and missing.headers["Cache-Control"] == "no-store"


def test_static_assets_keep_their_caching_and_public_pages_are_not_marked(client, login_as):
    """Signed in or not, the stylesheet keeps Flask's caching headers; anonymous public pages are not no-store."""
    css = client.get("/static/css/app.css")
    assert css.status_code == 200 and "no-store" not in css.headers.get("Cache-Control", "")
    assert "no-store" not in client.get("/").headers.get("Cache-Control", "")
    login_as(Role.PATIENT)
    css = client.get("/static/css/app.css")
    assert css.status_code == 200 and "no-store" not in css.headers.get("Cache-Control", "")


def test_a_doctors_day_answer_is_no_store_even_when_refused(client, login_as):
    """The refusal of a day outside the calendar is also marked: it is still an answer to a signed-in user."""
    login_as(Role.DOCTOR)
    response = client.get("/doctor/?date=9999-12-31")
    assert response.status_code == 400 and response.headers["Cache-Control"] == "no-store"


@pytest.fixture
def server(postgres_database, tmp_path):
    """The app under gunicorn, started from the project directory as the README says."""
    env = {
        "DATABASE_URL": postgres_database,
        "SECRET_KEY": os.urandom(16).hex(),
        "STORAGE_LOCAL_PATH": str(tmp_path / "storage"),
        "APP_ENV": "production",
        "SESSION_COOKIE_SECURE": "0",
    }
    running = AppServer(env, log=tmp_path / "server.log").start()
    yield running
    running.stop()


def test_gunicorn_answers_name_no_server_software(server):
    """Pages, errors and the health check say `Server: clinic`: no gunicorn, no version, no Python."""
    for path in ("/", "/healthz", "/no-such-page", "/static/css/app.css"):
        try:
            with urllib.request.urlopen(server.url + path, timeout=10) as response:  # noqa: S310 - the loopback test server
                headers = response.headers
        except urllib.error.HTTPError as error:
            headers = error.headers
        assert headers.get_all("Server") == ["clinic"], (path, headers.get_all("Server"))
        assert "gunicorn" not in str(headers).lower() and "python" not in str(headers).lower()


def test_file_downloads_are_no_store(client, login_as, db):
    """The redirect to a file and the file itself (local storage) are never cached."""
    login_as(Role.PATIENT)
    response = client.post(
        "/files?kind=lab_result",
        data=b"%PDF-1.4\n%%EOF\n",
        headers={
            "Content-Type": "application/pdf",
            "X-Filename": "a.pdf",
            "X-CSRFToken": client.csrf_token(),
            "Accept": "application/json",
        },
    )
    assert response.status_code == 201
    link = client.get(f"/files/{response.get_json()['id']}")
    assert link.headers["Cache-Control"] == "no-store"
    served = client.get(link.headers["Location"])
    assert served.status_code == 200 and "no-store" in served.headers["Cache-Control"]
