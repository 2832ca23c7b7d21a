"""Health check for load balancers and operators."""

import sqlalchemy as sa
from flask import Blueprint, current_app, jsonify

from app.database import reads_only
from app.extensions import db
from app.realtime import capacity

bp = Blueprint("health", __name__)


def check_db() -> str:
    """The database answers a trivial query."""
    db.session.execute(sa.text("SELECT 1"))
    return "ok"


def check_redis() -> str:
    """Redis answers PING."""
    import redis

    client = redis.Redis.from_url(current_app.config["REDIS_URL"], socket_connect_timeout=2, socket_timeout=2)
    try:
        client.ping()
    finally:
        client.close()
    return "ok"


def check_storage() -> str:
    """The object store can serve requests (S3: the bucket answers with our credentials)."""
    from storage import get_store

    get_store().check()
    return "ok"


def configured_checks() -> dict:
    """One check per dependency this deployment is configured to use."""
    checks = {"db": check_db, "storage": check_storage}
    if current_app.config["REDIS_URL"]:
        checks["redis"] = check_redis
    return checks


@bp.get("/healthz")
@reads_only
def healthz():
    """Report each dependency; 503 names the ones that fail."""
    results = {}
    for name, check in configured_checks().items():
        try:
            results[name] = check()
        except Exception as exc:  # noqa: BLE001 - any failure of a dependency is a failed check, reported by name
            db.session.rollback()
            current_app.logger.warning("health check %s failed: %s", name, exc)
            results[name] = f"failed: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}".strip()
    healthy = all(value == "ok" for value in results.values())
    # Sockets at the limit are pressure, not failure: the process still serves pages, so it stays in rotation.
    body = {"status": "ok" if healthy else "degraded", "checks": results, "sockets": capacity()}
    return jsonify(body), 200 if healthy else 503
