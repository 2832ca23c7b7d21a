"""Behaviour only a real S3 server shows: credentials, private buckets, outages (Ceph RADOS Gateway)."""

import io
import os
import urllib.error
import urllib.request

import pytest
import sqlalchemy as sa

from app import create_app
from app.models import Role, StoredFile
from tests.storage.conftest import stored_keys


@pytest.fixture
def storage_backend():
    """These tests need the real S3 server."""
    return "s3"


def test_storage_init_creates_a_private_bucket(runner, app, ceph):
    """`flask storage init` creates the bucket once; anonymous reads of its objects are refused."""
    first = runner.invoke(args=["storage", "init"])
    assert first.exit_code == 0 and "created" in first.output
    again = runner.invoke(args=["storage", "init"])
    assert again.exit_code == 0 and "exists" in again.output
    from storage import get_store

    store = get_store()
    store.put("lab_result/private", io.BytesIO(b"%PDF-1.4 secret"), "application/pdf")
    for url in (f"{ceph.endpoint_url}/{store.bucket}/lab_result/private", f"{ceph.endpoint_url}/{store.bucket}"):
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(url, timeout=10)  # noqa: S310 - loopback test server
        assert refused.value.code == 403


def test_wrong_credentials_fail_the_health_check(app_config, ceph, store):
    """With a wrong secret the health check names storage as failing, with the server's reason."""
    app_config["S3_SECRET_ACCESS_KEY"] = "not-the-secret"
    broken = create_app(app_config)
    response = broken.test_client().get("/healthz")
    assert response.status_code == 503
    checks = response.get_json()["checks"]
    assert checks["db"] == "ok"
    assert checks["storage"].startswith("failed: StorageUnavailable: SignatureDoesNotMatch")


def test_unknown_access_key_fails_the_health_check(app_config, ceph, store):
    """An unknown access key is reported too."""
    app_config["S3_ACCESS_KEY_ID"] = "NOSUCHKEY0000000000"
    response = create_app(app_config).test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["storage"].startswith("failed: StorageUnavailable: InvalidAccessKeyId")


def test_outage_answers_503_and_stores_nothing_then_recovers(client, login_as, store, ceph, db):
    """With radosgw stopped an upload answers 503 clearly and leaves no row; after a restart uploads work again."""
    login_as(Role.PATIENT)
    pdf = b"%PDF-1.7\n" + os.urandom(10_000)

    def send():
        return client.post(
            "/files?kind=lab_result",
            data=pdf,
            headers={
                "Content-Type": "application/pdf",
                "X-CSRFToken": client.csrf_token(),
                "Accept": "application/json",
            },
        )

    ceph.stop_gateway()
    try:
        down = send()
        assert down.status_code == 503
        assert "File storage is unavailable" in down.get_json()["error"]
        assert db.session.scalar(sa.select(sa.func.count(StoredFile.id))) == 0
        health = client.get("/healthz")
        assert health.status_code == 503 and health.get_json()["checks"]["storage"].startswith("failed")
    finally:
        ceph.start_gateway()
    assert stored_keys(store) == set()
    up = send()
    assert up.status_code == 201
    assert db.session.scalar(sa.select(sa.func.count(StoredFile.id))) == 1
    assert client.get("/healthz").status_code == 200
