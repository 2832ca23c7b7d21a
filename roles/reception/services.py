"""Patient search for the registry."""

import sqlalchemy as sa

from app.models import PatientProfile

MIN_QUERY_LENGTH = 2


def search_patients(query: str, limit: int = 20):
    """Patients whose name, e-mail, phone digits or date of birth match what was typed."""
    words = query.casefold().split()
    if len(query.strip()) < MIN_QUERY_LENGTH or not words:
        return None
    stmt = sa.select(PatientProfile)
    for word in words:
        conditions = [PatientProfile.search_text.contains(word, autoescape=True)]
        digits = "".join(ch for ch in word if ch.isdigit())
        if digits and digits != word:
            # "+7 (912)" typed with punctuation still finds the phone digits.
            conditions.append(PatientProfile.search_text.contains(digits, autoescape=True))
        date_text = _as_iso_date(word)
        if date_text:
            conditions.append(sa.cast(PatientProfile.date_of_birth, sa.String) == date_text)
        stmt = stmt.where(sa.or_(*conditions))
    return stmt.order_by(PatientProfile.last_name, PatientProfile.first_name).limit(limit)


def _as_iso_date(word: str) -> str | None:
    """A typed date of birth (31.12.1980 or 1980-12-31) as ISO text, else None."""
    from datetime import date

    for sep, order in ((".", (2, 1, 0)), ("-", (0, 1, 2)), ("/", (2, 1, 0))):
        parts = word.split(sep)
        if len(parts) == 3 and all(p.isdigit() for p in parts):
            try:
                year, month, day = (int(parts[i]) for i in order)
                return date(year, month, day).isoformat()
            except ValueError:
                return None
    return None
