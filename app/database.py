"""Declarative base, naming convention and column types shared by every model."""

import enum
import time
import uuid
from collections.abc import Callable
from datetime import UTC

import sqlalchemy as sa
from flask_babel import get_locale
from sqlalchemy.orm import DeclarativeBase

# Named constraints make Alembic migrations reproducible on SQLite (batch mode) and PostgreSQL alike.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Base class of every model."""

    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(sa.types.TypeDecorator):
    """A timestamp stored in UTC and always read back timezone-aware.

    SQLite keeps no offset, so values are normalised to UTC on the way in and tagged UTC on the way out.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        """Refuse naive datetimes and store UTC."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        """Return an aware UTC datetime."""
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def enum_column(enum_cls: type, name: str) -> sa.Enum:
    """A portable enum stored as its string values, with a CHECK constraint."""
    return sa.Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=20,
        validate_strings=True,
        values_callable=lambda members: [m.value for m in members],
    )


class LabelledEnum(enum.StrEnum):
    """A stored enum whose members have names for people, given by `label_enum` beside its definition."""

    @property
    def label(self) -> str:
        """The member's name for people, in the current language."""
        locale = get_locale()
        if locale is None:  # outside a request: the lazy string's own lookup
            return str(_ENUM_LABELS[type(self), self.value])
        # A table prints a status per row, and each lazy string would look its catalog up again; a language's
        # catalog does not change while the process runs, so each member's spelling is kept per language.
        key = (type(self), self.value, locale.language)
        found = _LABELS_BY_LANGUAGE.get(key)
        if found is None:
            found = _LABELS_BY_LANGUAGE[key] = str(_ENUM_LABELS[type(self), self.value])
        return found


_ENUM_LABELS: dict = {}
_LABELS_BY_LANGUAGE: dict = {}


def label_enum(labels: dict) -> None:
    """Name the members of a LabelledEnum (lazy strings, translated when shown)."""
    _ENUM_LABELS.update({(type(member), member.value): text for member, text in labels.items()})


def new_public_id() -> uuid.UUID:
    """A random public identifier for URLs (never the sequential primary key)."""
    return uuid.uuid4()


def render_migration_item(type_, obj, autogen_context):
    """Write UTCDateTime into migrations as a plain timezone-aware DateTime, so they import nothing of ours."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def migration_filter(dialect: str):
    """Alembic's include_object for a database of `dialect`: leaves out what the models create only on another
    database (`ddl_if`), such as PostgreSQL's trigram index, so SQLite reports no missing index."""

    def include(obj, _name, _type, _reflected, _compare_to) -> bool:
        """Compare the object unless it is meant for another dialect."""
        condition = getattr(obj, "_ddl_if", None)
        return condition is None or condition.dialect in (None, dialect)

    return include


# Methods a @reads_only view reads in autocommit; anything else it answers keeps its transaction.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def reads_only(view: Callable) -> Callable:
    """Mark a busy page's view so its GET talks to PostgreSQL in autocommit (install_reads_only does it).

    Why: a request's session ends its transaction with ROLLBACK, and psycopg forgets every prepared statement on a
    ROLLBACK (and deallocates them on the server), so every page parsed and planned each of its statements again:
    three quarters of PostgreSQL's time on the patient's cabinet (bench/RESULTS.md, 2026-12-02). Under READ
    COMMITTED, which the app uses, each statement of a transaction takes its own snapshot anyway, so a page reads
    the same; the writes such a page makes (an audit row, committed at once) are single statements. Only views
    that read are marked; POSTs and the CLI keep their transactions. Socket events opt in with `use_autocommit`.
    """
    view.reads_only = True
    return view


def install_reads_only(app) -> None:
    """Flag requests to @reads_only views before anything queries (the role gates and the user loader run before
    the view itself), for the pool's checkout listener below."""
    from flask import request

    @app.before_request
    def _mark_read_only_request() -> None:
        """Flag a safe-method request to a view marked @reads_only."""
        view = app.view_functions.get(request.endpoint)
        if request.method in SAFE_METHODS and getattr(view, "reads_only", False):
            use_autocommit()


def use_autocommit() -> None:
    """Run this request's or socket event's statements in autocommit on PostgreSQL; call before its first query.

    For handlers whose every write is a single statement (an INSERT, an audit row), for the reason @reads_only
    gives: a session that ends with ROLLBACK makes psycopg deallocate every prepared statement, and a socket event
    that only reads ends that way (chat events: bench/RESULTS.md, issue 17). Two writes that must stand or fall
    together need a transaction: such a handler does not call this.
    """
    from flask import g

    g.autocommit = True


def _wants_autocommit() -> bool:
    """The connection is being checked out for a request or event that asked for autocommit (use_autocommit)."""
    from flask import g, has_app_context

    return has_app_context() and g.get("autocommit", False)


# A PostgreSQL connection that waited in the pool longer than this is pinged before use (engine_options turns
# SQLAlchemy's ping on every checkout off for PostgreSQL). Why: a chat send checks a connection out twice and each
# ping is a round trip, a tenth of the send's time in cProfile (issue 17). A connection used a moment ago was alive a
# moment ago; one that dies in between fails its statement once, and SQLAlchemy then replaces every pooled
# connection older than the failure, as after any disconnect.
PING_AFTER_IDLE_SECONDS = 5.0


def _is_psycopg(dbapi_connection) -> bool:
    """The connection is psycopg's (PostgreSQL)."""
    return type(dbapi_connection).__module__.startswith("psycopg")


@sa.event.listens_for(sa.pool.Pool, "checkout")
def _ping_after_idle(dbapi_connection, record, _proxy) -> None:
    """Check a PostgreSQL connection that has been idle for a while; a dead one is replaced (DisconnectionError
    makes the pool discard it and check out another)."""
    checked_in = record.info.get("checked_in_at")
    if checked_in is None or not _is_psycopg(dbapi_connection):
        return  # new (it has just connected), or SQLite (pinged by SQLAlchemy, no network)
    if time.monotonic() - checked_in < PING_AFTER_IDLE_SECONDS:
        return
    try:
        dbapi_connection.autocommit = True  # a ping must not open a transaction; the pool's connections have none
        dbapi_connection.execute("SELECT 1")
        dbapi_connection.autocommit = False
    except Exception as error:
        raise sa.exc.DisconnectionError(str(error)) from error


@sa.event.listens_for(sa.pool.Pool, "checkout")
def _autocommit_for_reads(dbapi_connection, record, _proxy) -> None:
    """Switch a psycopg connection to autocommit when asked (no round trip: psycopg sets a flag)."""
    if _wants_autocommit() and _is_psycopg(dbapi_connection):
        dbapi_connection.autocommit = True
        record.info["autocommit"] = True


@sa.event.listens_for(sa.pool.Pool, "checkin")
def _transactions_again(dbapi_connection, record) -> None:
    """Give the connection back to the pool in the transactional mode everything else expects, noting when."""
    if record.info.pop("autocommit", False) and dbapi_connection is not None:
        dbapi_connection.autocommit = False
    record.info["checked_in_at"] = time.monotonic()


@sa.event.listens_for(sa.engine.Engine, "connect")
def _sqlite_foreign_keys(dbapi_connection, _record) -> None:
    """SQLite ignores foreign keys unless asked; the demo database should refuse dangling references too."""
    import sqlite3

    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()
