"""Object storage behind one interface: a local directory for the demo, any S3-compatible server in production.

The rest of the app calls `get_store()` and sees put/open/head/delete/url on keys; boto3 lives only here.
"""

from flask import Flask, current_app

from storage.base import ObjectInfo, ObjectNotFound, ObjectStore, PutResult, StorageError, StorageUnavailable

__all__ = [
    "ObjectInfo",
    "ObjectNotFound",
    "ObjectStore",
    "PutResult",
    "StorageError",
    "StorageUnavailable",
    "get_store",
    "init_app",
]


def init_app(app: Flask) -> None:
    """Create the configured backend once per app."""
    backend = app.config["STORAGE_BACKEND"]
    if backend == "local":
        from storage.local import LocalStore

        store = LocalStore(app.config["STORAGE_LOCAL_PATH"])
    elif backend == "s3":
        from storage.s3 import S3Store

        store = S3Store(
            endpoint_url=app.config["S3_ENDPOINT_URL"],
            bucket=app.config["S3_BUCKET"],
            access_key=app.config["S3_ACCESS_KEY_ID"],
            secret_key=app.config["S3_SECRET_ACCESS_KEY"],
            region=app.config["S3_REGION"],
            public_endpoint_url=app.config["S3_PUBLIC_ENDPOINT_URL"] or None,
        )
    else:
        raise RuntimeError(f"STORAGE_BACKEND must be 'local' or 's3', not {backend!r}")
    app.extensions["object_store"] = store


def get_store() -> ObjectStore:
    """The current app's object store."""
    return current_app.extensions["object_store"]
