"""The single role gate each cabinet blueprint installs."""

from flask import Blueprint, abort, redirect, url_for
from flask_login import current_user

from app.extensions import login_manager
from app.models import Role


def guard_blueprint(bp: Blueprint, role: Role) -> None:
    """Let only signed-in users of `role` reach any endpoint of `bp`."""

    @bp.before_request
    def require_role():
        """Anonymous users go to sign-in; other roles get 403; a password someone else chose is changed first."""
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if current_user.role != role:
            abort(403)
        if current_user.must_change_password:
            return redirect(url_for("auth.change_password"))
        return None
