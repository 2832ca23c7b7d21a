"""The methodologist's workspace."""

from flask import Blueprint

from app.gate import guard_blueprint
from app.models import Role

bp = Blueprint("methodologist", __name__)
guard_blueprint(bp, Role.METHODOLOGIST)

from roles.methodologist import views  # noqa: E402,F401  (routes attach to bp)
