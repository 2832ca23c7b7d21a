"""Request parameters the cabinets share: days, instants and page numbers, each refused clearly when malformed."""

from datetime import UTC, date, datetime

from flask import abort, flash, request
from flask_babel import gettext as _
from flask_login import current_user

from app.clock import local_today

# Far past any real list; keeps the offset a query is asked for bounded.
LAST_PAGE = 10_000


def parse_day(value: str | None, tz_name: str) -> tuple[date, bool]:
    """A YYYY-MM-DD query value, or today; the flag says whether the value was malformed."""
    if not value:
        return local_today(tz_name), False
    try:
        return date.fromisoformat(value), False
    except ValueError:
        return local_today(tz_name), True


def requested_day() -> date:
    """The `date` query argument as a day in the signed-in user's timezone, or today with a warning when malformed."""
    day, malformed = parse_day(request.args.get("date"), current_user.timezone)
    if malformed:
        flash(_("The date was not understood; showing today."), "warning")
    return day


def parse_instant(value: str | None) -> datetime | None:
    """An aware ISO 8601 instant (as slot buttons and links carry), in UTC; None when malformed or naive."""
    try:
        parsed = datetime.fromisoformat(value or "")
    except ValueError:
        return None
    return parsed.astimezone(UTC) if parsed.tzinfo is not None else None


def requested_page() -> int:
    """The `page` query argument (1 when absent); anything but a whole number from 1 to LAST_PAGE answers 404."""
    page = request.args.get("page", "1")
    if not page.isdigit() or not 1 <= int(page) <= LAST_PAGE:
        abort(404)
    return int(page)
