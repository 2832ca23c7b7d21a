"""Storage fixtures: every storage test runs on the local backend and on a real Ceph RADOS Gateway."""

import itertools
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from storage import get_store

_buckets = itertools.count(1)


@pytest.fixture(scope="session")
def ceph():
    """A throwaway single-node Ceph cluster with its RADOS Gateway, for the whole run."""
    from tests.services.ceph import CephRGW

    cluster = CephRGW().start()
    yield cluster
    cluster.stop()


@pytest.fixture(params=["local", "s3"])
def storage_backend(request):
    """The backend under test."""
    return request.param


@pytest.fixture
def app_config(app_config, storage_backend, request):
    """The app's configuration with the backend under test; S3 tests get a bucket of their own."""
    if storage_backend == "s3":
        cluster = request.getfixturevalue("ceph")
        settings = cluster.env(bucket=f"test-{next(_buckets)}")
        app_config.update(
            {
                "STORAGE_BACKEND": "s3",
                "S3_ENDPOINT_URL": settings["S3_ENDPOINT_URL"],
                "S3_BUCKET": settings["S3_BUCKET"],
                "S3_ACCESS_KEY_ID": settings["S3_ACCESS_KEY_ID"],
                "S3_SECRET_ACCESS_KEY": settings["S3_SECRET_ACCESS_KEY"],
                "S3_REGION": settings["S3_REGION"],
            }
        )
    return app_config


@pytest.fixture
def store(app):
    """The app's object store, with its bucket or directory ready."""
    backend = get_store()
    backend.ensure_ready()
    return backend


@pytest.fixture
def backdate_links(store, monkeypatch):
    """`backdate_links(seconds)`: links issued afterwards in the test are stamped that long ago, so an expired link
    needs no waiting. The local store takes the earlier clock; for S3 botocore signs with it, and the S3 server
    still judges the expiry by its own clock."""

    def backdate(seconds: int) -> None:
        if store.name == "local":
            monkeypatch.setattr(store, "clock", lambda: time.time() - seconds)
            return

        def signing_time(remove_tzinfo: bool = True) -> datetime:
            moment = datetime.now(UTC) - timedelta(seconds=seconds)
            return moment.replace(tzinfo=None) if remove_tzinfo else moment

        monkeypatch.setattr("botocore.auth.get_current_datetime", signing_time)

    return backdate


def stored_keys(backend) -> set[str]:
    """Every key present in the store, to prove that refused uploads leave nothing behind."""
    if backend.name == "local":
        root = Path(backend.root)
        return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}
    listing = backend.client.list_objects_v2(Bucket=backend.bucket)
    pending = backend.client.list_multipart_uploads(Bucket=backend.bucket).get("Uploads", [])
    return {o["Key"] for o in listing.get("Contents", [])} | {"(multipart) " + u["Key"] for u in pending}
