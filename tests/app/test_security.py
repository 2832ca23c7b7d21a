"""Headers, assets and configuration that keep the clinic's pages self-hosted and its secrets out of the code."""

import os
import re
import stat

import pytest

from app import config as app_config
from app import content_security_policy, create_app
from app.models import Role

EXTERNAL = re.compile(r"""(?:src|href|action)\s*=\s*["']\s*(?:https?:)?//""", re.IGNORECASE)
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"""\son[a-z]+\s*=\s*["']""", re.IGNORECASE)
INLINE_STYLE = re.compile(r"""\sstyle\s*=\s*["']""", re.IGNORECASE)


def test_content_security_policy_forbids_inline_and_foreign_code(client):
    """The CSP allows scripts and styles from our own origin only."""
    csp = client.get("/").headers["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in csp.split(";") if part.strip())
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["default-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe" not in csp


def test_images_from_the_clinics_own_s3_server_are_allowed_and_nothing_else(tmp_path):
    """With S3 storage, chat images load from the clinic's S3 origin (presigned links); scripts still do not."""
    config = {**app_config.from_environment(str(tmp_path)), "STORAGE_BACKEND": "s3"}
    config["S3_ENDPOINT_URL"] = "http://10.0.0.5:7480"
    config["S3_PUBLIC_ENDPOINT_URL"] = "https://files.clinic.example/"
    policy = content_security_policy(config)
    assert policy["img-src"] == ["'self'", "data:", "blob:", "https://files.clinic.example"]
    assert policy["script-src"] == "'self'"
    assert content_security_policy({**config, "STORAGE_BACKEND": "local"})["img-src"] == ["'self'", "data:", "blob:"]


@pytest.mark.parametrize("role", [None, *Role])
def test_pages_load_nothing_from_other_hosts_and_nothing_inline(client, login_as, role):
    """Each cabinet's dashboard and the public pages reference only our own origin and have no inline code."""
    urls = ["/", "/specialists", "/auth/login", "/auth/register"]
    if role is not None:
        login_as(role)
        urls = [f"/{role.value}/", "/", "/auth/password"]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        page = response.get_data(as_text=True)
        assert not EXTERNAL.search(page), (url, EXTERNAL.search(page))
        assert not INLINE_SCRIPT.search(page), url
        assert not INLINE_HANDLER.search(page), url
        assert not INLINE_STYLE.search(page), url


def test_vendor_assets_are_served_by_the_app(client):
    """Bootstrap and htmx come from app/static/vendor (built from npm), not a CDN."""
    page = client.get("/").get_data(as_text=True)
    assets = re.findall(r'(?:src|href)="(/static/[^"]+)"', page)
    assert any("vendor/bootstrap" in a for a in assets) and any("vendor/htmx" in a for a in assets)
    for asset in assets:
        response = client.get(asset)
        assert response.status_code == 200, asset
        assert len(response.data) > 100, asset
        response.close()


def test_framing_and_sniffing_are_refused(client):
    """Pages cannot be framed by other sites and content types are not sniffed."""
    headers = client.get("/").headers
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_production_refuses_to_start_without_secret_key(monkeypatch, tmp_path):
    """APP_ENV=production without SECRET_KEY stops at start-up with a clear message."""
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY must be set"):
        create_app()


def test_demo_secret_key_is_generated_once_and_private(monkeypatch, tmp_path):
    """Without SECRET_KEY the demo makes a random key in instance/, readable by the owner only, and keeps it."""
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("APP_ENV", "development")
    first = app_config.from_environment(str(tmp_path))["SECRET_KEY"]
    second = app_config.from_environment(str(tmp_path))["SECRET_KEY"]
    other = app_config.from_environment(str(tmp_path / "elsewhere"))["SECRET_KEY"]
    assert first == second != other
    assert len(first) >= 64
    assert stat.S_IMODE(os.stat(tmp_path / "secret_key").st_mode) == 0o600


def test_configuration_comes_from_the_environment(monkeypatch, tmp_path):
    """DATABASE_URL, REDIS_URL and SECRET_KEY are read from the environment."""
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://clinic@db.internal/clinic")
    monkeypatch.setenv("REDIS_URL", "redis://cache.internal:6379/0")
    monkeypatch.setenv("SECRET_KEY", "from-the-environment")
    settings = app_config.from_environment(str(tmp_path))
    assert settings["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://clinic@db.internal/clinic"
    assert settings["RATELIMIT_STORAGE_URI"] == "redis://cache.internal:6379/0"
    assert settings["SECRET_KEY"] == "from-the-environment"
    monkeypatch.setenv("APP_ENV", "staging")
    with pytest.raises(RuntimeError, match="APP_ENV"):
        app_config.from_environment(str(tmp_path))
