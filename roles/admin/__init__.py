"""The administrator's area."""

from flask import Blueprint

from app.gate import guard_blueprint
from app.models import Role

bp = Blueprint("admin", __name__)
guard_blueprint(bp, Role.ADMIN)

from roles.admin import invitations, specialties, staff, views  # noqa: E402,F401  (routes attach to bp)
