"""Pages read outside a transaction on PostgreSQL; everything that writes keeps its transaction."""

import pytest

from app.extensions import csrf
from app.extensions import db as _db

pytestmark = pytest.mark.both_engines  # engine-dependent: runs on SQLite and PostgreSQL


def _probe(app):
    """A route that runs one statement and reports whether it left a transaction block open on the server."""

    @app.route("/test/connection-mode", methods=["GET", "POST"])
    def connection_mode():
        """After a SELECT: is a transaction block open (PostgreSQL's or SQLite's own view)?"""
        connection = _db.session.connection()
        connection.exec_driver_sql("SELECT 1").scalar()
        dbapi = connection.connection.dbapi_connection
        if hasattr(dbapi, "info"):  # psycopg: the server's transaction status
            from psycopg.pq import TransactionStatus

            return {"open": dbapi.info.transaction_status != TransactionStatus.IDLE}
        return {"open": dbapi.in_transaction}

    csrf.exempt(connection_mode)


def test_reads_run_in_autocommit_on_postgresql_and_writes_in_transactions(app, client, db):
    """A GET on PostgreSQL leaves no transaction open after its statements (autocommit: psycopg keeps its prepared
    statements, which the ROLLBACK ending a transaction would throw away); a POST, on the same pooled connections
    afterwards, runs in a transaction again. SQLite is left alone (its driver opens a transaction at the first
    write, not at a SELECT)."""
    _probe(app)
    postgres = db.engine.dialect.name == "postgresql"
    for _ in range(3):
        assert client.get("/test/connection-mode").get_json() == {"open": False}
        assert client.post("/test/connection-mode").get_json() == {"open": postgres}
