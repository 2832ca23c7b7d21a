"""Sign-in, registration, password change, CSRF and throttling."""

import re

import pytest

from app.models import Role
from tests import factories


def test_wrong_password_and_unknown_account_look_the_same(client):
    """The error never reveals whether an e-mail has an account."""
    user = factories.user(Role.PATIENT)
    wrong = client.sign_in(user.email, "not-the-password")
    unknown = client.sign_in("nobody@example.org", "not-the-password")
    assert wrong.status_code == unknown.status_code == 401
    assert "Wrong e-mail or password." in wrong.get_data(as_text=True)
    assert "Wrong e-mail or password." in unknown.get_data(as_text=True)
    assert client.get("/patient/").status_code == 302


def test_email_is_case_insensitive(client):
    """An account signs in whatever the case of the e-mail typed."""
    user = factories.user(Role.PATIENT, email="mixed.case@example.org")
    assert client.sign_in("Mixed.CASE@Example.org").status_code == 302
    assert client.get("/patient/").status_code == 200
    assert user.email == "mixed.case@example.org"


def test_inactive_account_cannot_sign_in(client):
    """A deactivated account is refused with the same generic message."""
    user = factories.user(Role.DOCTOR, active=False)
    response = client.sign_in(user.email)
    assert response.status_code == 401 and "Wrong e-mail or password." in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("next_url", "expected"),
    [
        ("/patient/appointments/abc", "/patient/appointments/abc"),
        ("https://evil.example/phish", "/patient/"),
        ("//evil.example/phish", "/patient/"),
        ("/\\evil.example", "/patient/"),
    ],
)
def test_next_redirect_stays_on_site(client, next_url, expected):
    """Only local paths are honoured after sign-in."""
    user = factories.user(Role.PATIENT)
    response = client.post(
        "/auth/login?" + f"next={next_url}",
        data={"email": user.email, "password": factories.PASSWORD, "csrf_token": client.csrf_token()},
    )
    assert response.headers["Location"] == expected


def test_sign_in_without_csrf_token_is_refused(client):
    """A forged cross-site sign-in post is rejected and signs nobody in."""
    user = factories.user(Role.PATIENT)
    response = client.post("/auth/login", data={"email": user.email, "password": factories.PASSWORD})
    assert response.status_code == 400
    assert "Reload the page" in response.get_data(as_text=True)
    assert client.get("/patient/").status_code == 302


def test_every_post_endpoint_requires_csrf(app, client, login_as):
    """Every state-changing route (found from the URL map) refuses a request without a token."""
    login_as(Role.ADMIN)
    posts = [r for r in app.url_map.iter_rules() if "POST" in r.methods and not r.endpoint.startswith("health.")]
    assert len(posts) >= 5
    for rule in posts:
        url = rule.build(dict.fromkeys(rule.arguments, "00000000-0000-0000-0000-000000000000"))[1]
        response = client.post(url, data={"email": "x@example.org"})
        assert response.status_code == 400, rule.rule
    assert client.get("/admin/").status_code == 200  # the session survived: logout was refused too


def test_csrf_header_is_accepted_for_fetch_requests(client, login_as):
    """fetch/htmx send the token as X-CSRFToken instead of a form field."""
    login_as(Role.PATIENT)
    response = client.post("/locale", data={"language": "ru"}, headers={"X-CSRFToken": client.csrf_token()})
    assert response.status_code == 302


def test_throttling_per_account(app, client):
    """After five failures the account is throttled, even for the right password; other accounts are not."""
    user = factories.user(Role.PATIENT)
    other = factories.user(Role.PATIENT)
    for _ in range(5):
        assert client.sign_in(user.email, "wrong-password").status_code == 401
    throttled = client.sign_in(user.email)
    assert throttled.status_code == 429
    assert "Too many failed sign-in attempts. Please wait 15 min" in throttled.get_data(as_text=True)
    assert client.sign_in(other.email).status_code == 302


def test_throttling_applies_to_unknown_accounts_too(client):
    """Throttling an e-mail without an account looks exactly like throttling a real one."""
    for _ in range(5):
        client.sign_in("ghost@example.org", "wrong-password")
    assert client.sign_in("ghost@example.org", "wrong-password").status_code == 429


@pytest.fixture
def low_ip_limit(app_config):
    """A small per-address limit so the test stays short."""
    app_config["LOGIN_LIMIT_PER_IP"] = "3 per 15 minutes"


def test_throttling_per_ip(low_ip_limit, client):
    """Failures spread over many e-mails from one address throttle that address."""
    user = factories.user(Role.PATIENT)
    for n in range(3):
        client.sign_in(f"guess{n}@example.org", "wrong-password")
    assert client.sign_in(user.email).status_code == 429
    elsewhere = client.application.test_client()
    ok = elsewhere.post(
        "/auth/login",
        data={"email": user.email, "password": factories.PASSWORD, "csrf_token": elsewhere.csrf_token()},
        environ_base={"REMOTE_ADDR": "127.0.0.2"},
    )
    assert ok.status_code == 302, ok.get_data(as_text=True)


def test_successful_sign_ins_do_not_count(client):
    """Signing in and out repeatedly is never throttled."""
    user = factories.user(Role.PATIENT)
    for _ in range(7):
        assert client.sign_in(user.email).status_code == 302
        client.submit("/auth/logout")


def test_session_cookie_flags(client):
    """The session cookie is HttpOnly and SameSite=Lax, not readable by scripts."""
    user = factories.user(Role.PATIENT)
    response = client.sign_in(user.email)
    cookie = next(v for k, v in response.headers.items() if k == "Set-Cookie" and v.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


@pytest.fixture
def secure_cookies(app_config):
    """Deployment behind HTTPS."""
    app_config["SESSION_COOKIE_SECURE"] = True


def test_session_cookie_secure_when_configured(secure_cookies, client):
    """With SESSION_COOKIE_SECURE the cookie is marked Secure."""
    user = factories.user(Role.PATIENT)
    response = client.post(
        "/auth/login",
        data={"email": user.email, "password": factories.PASSWORD, "csrf_token": client.csrf_token()},
        base_url="https://localhost",
    )
    cookie = next(v for k, v in response.headers.items() if k == "Set-Cookie" and v.startswith("session="))
    assert "Secure" in cookie


def test_logout_ends_the_session(client, login_as):
    """After signing out the cabinet asks to sign in again."""
    login_as(Role.PATIENT)
    assert client.submit("/auth/logout").status_code == 302
    assert client.get("/patient/").status_code == 302


def test_password_change(client, login_as):
    """A user changes their password; the old one stops working."""
    user = login_as(Role.DOCTOR)
    wrong = client.submit(
        "/auth/password", {"current_password": "nope", "new_password": "brand-new-pass", "confirm": "brand-new-pass"}
    )
    assert wrong.status_code == 422 and "The current password is wrong." in wrong.get_data(as_text=True)
    ok = client.submit(
        "/auth/password",
        {"current_password": factories.PASSWORD, "new_password": "brand-new-pass", "confirm": "brand-new-pass"},
    )
    assert ok.status_code == 302
    client.submit("/auth/logout")
    assert client.sign_in(user.email).status_code == 401
    assert client.sign_in(user.email, "brand-new-pass").status_code == 302


def test_login_page_has_the_documented_fields(client):
    """The sign-in form posts email, password and csrf_token to /auth/login."""
    page = client.get("/auth/login").get_data(as_text=True)
    form = re.search(r'<form method="post" action="(/auth/login)[^"]*"', page)
    assert form
    for name in ("email", "password", "csrf_token"):
        assert f'name="{name}"' in page
