"""Request parameters the cabinets share: days, instants and page numbers, each refused clearly when malformed."""

from datetime import UTC, date, datetime

from flask import abort, flash, request
from flask_babel import gettext as _
from flask_login import current_user

from app.clock import OutsideCalendar, calendar_day, local_today, within_calendar

# Far past any real list; keeps the offset a query is asked for bounded.
LAST_PAGE = 10_000
# A date or an ISO instant is never longer; anything longer is not parsed at all.
LONGEST_DATE_TEXT = 40


def parse_day(value: str | None, tz_name: str) -> tuple[date, bool]:
    """A YYYY-MM-DD query value, or today; the flag says whether the value was malformed. A well-formed day the
    calendar cannot show (0001-01-01, 9999-12-31) is refused with OutsideCalendar (400), not replaced by today."""
    if not value:
        return local_today(tz_name), False
    try:
        day = date.fromisoformat(value[:LONGEST_DATE_TEXT])
    except ValueError:
        return local_today(tz_name), True
    return calendar_day(day), False


def requested_day() -> date:
    """The `date` query argument as a day in the signed-in user's timezone, or today with a warning when malformed;
    a day outside the calendar answers 400 with the reason."""
    day, malformed = parse_day(request.args.get("date"), current_user.timezone)
    if malformed:
        flash(_("The date was not understood; showing today."), "warning")
    return day


def parse_instant(value: str | None) -> datetime | None:
    """An aware ISO 8601 instant (as slot buttons and links carry), in UTC; None when malformed or naive, and
    OutsideCalendar (400) for an instant the calendar cannot show."""
    if not value or len(value) > LONGEST_DATE_TEXT:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return None
    # Checked before converting: near year 1 or 9999 the conversion to UTC itself would overflow.
    if not within_calendar(parsed.date()):
        raise OutsideCalendar()
    return parsed.astimezone(UTC)


def requested_page() -> int:
    """The `page` query argument (1 when absent); anything but a whole number from 1 to LAST_PAGE answers 404."""
    page = request.args.get("page", "1")
    # isascii: "²" is a digit to str.isdigit but not to int().
    if not (page.isascii() and page.isdigit()) or len(page) > 6 or not 1 <= int(page) <= LAST_PAGE:
        abort(404)
    return int(page)
