"""Page numbers of the cabinets' paged lists (the doctor's patients, the patient's history)."""

from flask import abort, request

# Far past any real list; keeps the offset a query is asked for bounded.
LAST_PAGE = 10_000


def requested_page() -> int:
    """The `page` query argument (1 when absent); anything but a whole number from 1 to LAST_PAGE answers 404."""
    page = request.args.get("page", "1")
    if not page.isdigit() or not 1 <= int(page) <= LAST_PAGE:
        abort(404)
    return int(page)
