"""iCalendar feeds: the doctor's secret schedule feed and single-appointment downloads."""

from flask import Blueprint

bp = Blueprint("feeds", __name__)

from app.feeds import views  # noqa: E402,F401  (routes attach to bp)
