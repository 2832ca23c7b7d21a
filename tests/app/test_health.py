"""/healthz: 200 when every configured dependency answers, 503 naming the one that does not."""

import pytest

from app import create_app
from tests.services.process import free_port


def test_healthy_embedded_default(client):
    """The embedded default checks the database and the local storage directory, and reports this process's
    sockets against its limit (tests/chat/test_capacity.py fills a real server)."""
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert {key: body[key] for key in ("status", "checks")} == {"status": "ok", "checks": {"db": "ok", "storage": "ok"}}
    assert body["sockets"]["limit"] == 5000 and body["sockets"]["full"] is False


@pytest.fixture
def with_redis(app_config, redis_server):
    """A deployment with Redis configured (the real throwaway server)."""
    app_config["REDIS_URL"] = redis_server.url


def test_healthy_with_real_redis(with_redis, client):
    """Redis answering PING is reported ok."""
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json()["checks"] == {"db": "ok", "storage": "ok", "redis": "ok"}


@pytest.fixture
def with_dead_redis(app_config):
    """Redis configured on a port nothing listens on."""
    app_config["REDIS_URL"] = f"redis://127.0.0.1:{free_port()}/0"


def test_unreachable_redis_is_named(with_dead_redis, client):
    """A dead Redis makes the check fail with 503 and says which dependency failed."""
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "degraded"
    assert body["checks"]["db"] == "ok"
    assert body["checks"]["redis"].startswith("failed: ConnectionError")


def test_unreachable_database_is_named(postgres_server):
    """A database that does not answer gives 503 with the db check failed, not a 500."""
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/nothing",
            "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"connect_timeout": 2}},
            "REDIS_URL": "",
        }
    )
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["db"].startswith("failed: OperationalError")


def test_health_needs_no_session_or_csrf(client):
    """Load balancers call it without cookies; it sets none."""
    response = client.get("/healthz")
    assert "Set-Cookie" not in response.headers
