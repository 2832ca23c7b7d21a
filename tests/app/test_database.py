"""Pages marked @reads_only read outside a transaction on PostgreSQL; everything else keeps its transaction."""

import pytest
import sqlalchemy as sa

from app.database import reads_only
from app.extensions import csrf
from app.extensions import db as _db

pytestmark = pytest.mark.both_engines  # engine-dependent: runs on SQLite and PostgreSQL


def _transaction_open() -> dict:
    """After a SELECT: is a transaction block open (PostgreSQL's or SQLite's own view)?"""
    connection = _db.session.connection()
    connection.exec_driver_sql("SELECT 1").scalar()
    dbapi = connection.connection.dbapi_connection
    if hasattr(dbapi, "info"):  # psycopg: the server's transaction status
        from psycopg.pq import TransactionStatus

        return {"open": dbapi.info.transaction_status != TransactionStatus.IDLE}
    return {"open": dbapi.in_transaction}


def _probe(app):
    """Routes that run one statement and report whether it left a transaction block open on the server: one marked
    @reads_only, one not."""

    @app.route("/test/connection-mode", methods=["GET", "POST"])
    @reads_only
    def connection_mode():
        """The transaction state of a view marked @reads_only."""
        return _transaction_open()

    @app.get("/test/connection-mode/unmarked")
    def unmarked_connection_mode():
        """The transaction state of an ordinary view."""
        return _transaction_open()

    csrf.exempt(connection_mode)


def test_reads_run_in_autocommit_on_postgresql_and_writes_in_transactions(app, client, db):
    """A GET of a @reads_only view on PostgreSQL leaves no transaction open after its statements (autocommit: psycopg keeps its prepared
    statements, which the ROLLBACK ending a transaction would throw away); a POST, on the same pooled connections
    afterwards, runs in a transaction again. SQLite is left alone (its driver opens a transaction at the first
    write, not at a SELECT)."""
    _probe(app)
    postgres = db.engine.dialect.name == "postgresql"
    for _ in range(3):
        assert client.get("/test/connection-mode").get_json() == {"open": False}
        assert client.post("/test/connection-mode").get_json() == {"open": postgres}


def test_views_not_marked_reads_only_keep_their_transaction(app, client, db):
    """Autocommit is opt-in: a GET of a view without @reads_only runs in a transaction like any other request (on
    PostgreSQL; SQLite's driver opens none for a SELECT either way)."""
    _probe(app)
    postgres = db.engine.dialect.name == "postgresql"
    for _ in range(2):
        assert client.get("/test/connection-mode/unmarked").get_json() == {"open": postgres}
        assert client.get("/test/connection-mode").get_json() == {"open": False}


def test_the_busy_pages_read_in_autocommit_and_no_form_does(app):
    """The busy GET pages are marked @reads_only; no view that answers POST is (its POST would run in a transaction
    anyway, but the mark says the view only reads)."""
    busy = {
        "doctor.dashboard",
        "doctor.week",
        "doctor.patients",
        "doctor.patient_search",
        "patient.dashboard",
        "reception.dashboard",
        "reception.patient_search",
        "public.specialist",
        "health.healthz",
    }
    marked = {endpoint for endpoint, view in app.view_functions.items() if getattr(view, "reads_only", False)}
    assert marked == busy
    writers = {rule.endpoint for rule in app.url_map.iter_rules() if "POST" in (rule.methods or ())}
    assert not marked & writers


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_pooled_connection_that_died_while_idle_is_replaced_before_use(app, client, db, monkeypatch):
    """PostgreSQL's connections are pinged when they come out of the pool after idling: one the server ended
    meanwhile (a restart, an idle timeout) is replaced, and the page answers as if nothing happened."""
    from app import database

    assert client.get("/healthz").status_code == 200  # the pool now holds a connection
    _db.session.remove()
    outside = sa.create_engine(db.engine.url, poolclass=sa.pool.NullPool)  # not one of the pool's connections
    with outside.connect() as admin:
        ended = admin.exec_driver_sql(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).all()
    assert ended  # the pooled connections are dead now
    monkeypatch.setattr(database, "PING_AFTER_IDLE_SECONDS", 0.0)

    for _ in range(3):
        assert client.get("/healthz").status_code == 200
