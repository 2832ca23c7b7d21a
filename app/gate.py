"""The single role gate each blueprint of signed-in pages installs: a cabinet (one role) or the call pages (both
sides of a call)."""

from flask import Blueprint, abort, redirect, url_for
from flask_login import current_user

from app.extensions import login_manager
from app.models import Role


def guard_blueprint(bp: Blueprint, *roles: Role) -> None:
    """Let only signed-in users of one of `roles` reach any endpoint of `bp`."""
    allowed = frozenset(roles)

    @bp.before_request
    def require_role():
        """Anonymous users go to sign-in; other roles get 403; a password someone else chose is changed first."""
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if current_user.role not in allowed:
            abort(403)
        if current_user.must_change_password:
            return redirect(url_for("auth.change_password"))
        return None
