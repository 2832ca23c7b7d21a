"""Application factory."""

import uuid
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import Flask
from flask_login import user_logged_in
from sqlalchemy.orm import joinedload
from werkzeug.middleware.proxy_fix import ProxyFix

from app import config as app_config
from app.database import install_reads_only, migration_filter, render_migration_item
from app.extensions import babel, csrf, db, limiter, login_manager, migrate, socketio, talisman

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# No page loads anything from another host; no inline scripts or styles.
CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": ["'self'", "data:", "blob:"],
    "font-src": "'self'",
    "connect-src": "'self'",
    "media-src": ["'self'", "blob:"],
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def content_security_policy(config) -> dict:
    """The policy above, plus the clinic's own S3 server for images and PDFs opened through presigned links."""
    policy = {
        name: list(value) if isinstance(value, list) else value for name, value in CONTENT_SECURITY_POLICY.items()
    }
    if config["STORAGE_BACKEND"] == "s3":
        parts = urlsplit(config["S3_PUBLIC_ENDPOINT_URL"] or config["S3_ENDPOINT_URL"])
        if parts.scheme and parts.netloc:
            origin = f"{parts.scheme}://{parts.netloc}"
            policy["img-src"] = [*policy["img-src"], origin]
            policy["media-src"] = [*policy["media-src"], origin]
    return policy


def create_app(config: dict | None = None) -> Flask:
    """Create and configure the application; `config` overrides the environment (tests)."""
    app = Flask(
        __name__,
        instance_path=str(PROJECT_ROOT / "instance"),
        template_folder=str(PROJECT_ROOT / "templates"),
    )
    app.config.update(app_config.from_environment(app.instance_path))
    if config:
        app.config.update(config)
        if "SQLALCHEMY_DATABASE_URI" in config and "SQLALCHEMY_ENGINE_OPTIONS" not in config:
            # The pool's settings follow the database the caller chose, not the environment's.
            app.config["SQLALCHEMY_ENGINE_OPTIONS"] = app_config.engine_options(config["SQLALCHEMY_DATABASE_URI"])
    # Request bodies never exceed the largest upload allowed; Werkzeug answers 413 as the bytes arrive.
    app.config.setdefault("MAX_CONTENT_LENGTH", None)
    if app.config["MAX_CONTENT_LENGTH"] is None:
        app.config["MAX_CONTENT_LENGTH"] = (max(app.config["UPLOAD_LIMITS_MB"].values()) + 1) * 1024 * 1024
    if app.config["PROXY_FIX_X_FOR"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["PROXY_FIX_X_FOR"], x_proto=1)
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_template_helpers(app)
    register_commands(app)
    return app


def register_extensions(app: Flask) -> None:
    """Bind every extension to the app."""
    from app import i18n, models  # noqa: F401  (every model registered before Alembic compares the schema)
    from app.concurrency import server_model
    from app.realtime import WithdrawingRedisManager
    from app.revocation import remember_generation, session_is_current

    db.init_app(app)
    install_reads_only(app)
    migrate.init_app(
        app,
        db,
        directory=str(PROJECT_ROOT / "migrations"),
        render_as_batch=True,
        compare_type=True,
        render_item=render_migration_item,
        include_object=migration_filter(sa.engine.make_url(app.config["SQLALCHEMY_DATABASE_URI"]).get_backend_name()),
    )
    csrf.init_app(app)
    babel.init_app(
        app,
        locale_selector=i18n.select_locale,
        timezone_selector=i18n.select_timezone,
        default_translation_directories=str(PROJECT_ROOT / "app" / "translations"),
    )
    babel.domain_instance = i18n.CatalogDomain()  # every gettext's catalog lookup, made cheap (see its docstring)
    limiter.init_app(app)
    talisman.init_app(
        app,
        force_https=False,  # TLS ends at nginx; redirects there.
        session_cookie_secure=app.config["SESSION_COOKIE_SECURE"],
        session_cookie_http_only=True,
        content_security_policy=content_security_policy(app.config),
        frame_options="DENY",
        referrer_policy="same-origin",
    )
    # Importing the namespace registers it; it must happen before the first init_app builds the server.
    import chat.events  # noqa: F401
    import video.events  # noqa: F401

    # The queue is passed as a ready manager, not a URL: Flask-SocketIO keeps a manager built from a URL in the
    # shared extension object, so a later app without Redis would silently inherit the earlier app's queue.
    # It also carries withdrawals of access, in order with the events (app/realtime.py).
    queue = WithdrawingRedisManager(app.config["REDIS_URL"], app, "flask-socketio") if app.config["REDIS_URL"] else None
    socketio.init_app(app, client_manager=queue, async_mode=server_model(), manage_session=False)

    import storage

    storage.init_app(app)

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    # "basic" marks a session non-fresh when the address changes; "strong" would sign out phone users
    # every time their mobile network changes.
    login_manager.session_protection = "basic"
    # Every new session remembers the generation it began in; ending sessions raises it (app/revocation.py).
    user_logged_in.connect(remember_generation)

    @login_manager.user_loader
    def load_user(user_id: str):
        """Load the session's user by public id, if the account is active and the session has not been ended."""
        try:
            public_id = uuid.UUID(user_id)
        except ValueError:
            return None
        user = db.session.scalar(_user_by_public_id(), {"public_id": public_id})
        return user if user is not None and session_is_current(user) else None


@cache
def _user_by_public_id():
    """The session's user by :public_id, built once per process since every request and socket event runs it.

    The profiles come along: every page's header and every chat message show the user's name from them.
    """
    from app.models import User

    return (
        sa.select(User)
        .options(joinedload(User.patient_profile), joinedload(User.specialist_profile))
        .where(User.public_id == sa.bindparam("public_id"))
    )


def register_blueprints(app: Flask) -> None:
    """Mount public pages, sign-in, health, the role cabinets and the call pages."""
    from app import health, i18n
    from app.auth import bp as auth_bp
    from app.feeds import bp as feeds_bp
    from app.files import bp as files_bp
    from app.public import bp as public_bp
    from roles.admin import bp as admin_bp
    from roles.doctor import bp as doctor_bp
    from roles.methodologist import bp as methodologist_bp
    from roles.patient import bp as patient_bp
    from roles.reception import bp as reception_bp
    from video.pages import bp as video_bp

    app.register_blueprint(public_bp)
    app.register_blueprint(auth_bp, url_prefix="/auth")
    app.register_blueprint(i18n.bp)
    app.register_blueprint(files_bp)
    app.register_blueprint(feeds_bp, url_prefix="/calendar")
    app.register_blueprint(health.bp)
    csrf.exempt(health.bp)
    limiter.exempt(health.bp)
    app.register_blueprint(patient_bp, url_prefix="/patient")
    app.register_blueprint(doctor_bp, url_prefix="/doctor")
    app.register_blueprint(methodologist_bp, url_prefix="/methodologist")
    app.register_blueprint(reception_bp, url_prefix="/reception")
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(video_bp, url_prefix="/call")


def register_errorhandlers(app: Flask) -> None:
    """Friendly error pages (JSON for API clients), a rollback after failures, and the headers every answer gets."""
    from app import errors, headers

    errors.register(app)
    headers.register(app)


def register_template_helpers(app: Flask) -> None:
    """Filters and globals used by templates."""
    from app.ui import filters
    from chat import pages

    filters.register(app)
    pages.register(app)


def register_commands(app: Flask) -> None:
    """Add the clinic's CLI commands."""
    from app import cli
    from video.cli import calls

    cli.register(app)
    app.cli.add_command(calls)
