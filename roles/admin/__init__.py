"""The administrator's area."""

from flask import Blueprint

from app.models import Role
from roles.gate import guard_blueprint

bp = Blueprint("admin", __name__)
guard_blueprint(bp, Role.ADMIN)

from roles.admin import invitations, specialties, staff, views  # noqa: E402,F401  (routes attach to bp)
