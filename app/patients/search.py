"""Finding patients in the registry: by name, e-mail, phone digits or date of birth, and patient accounts by e-mail."""

from datetime import date
from functools import lru_cache

import sqlalchemy as sa

from app.extensions import db
from app.models import PatientProfile, Role, User, normalise_email

MIN_QUERY_LENGTH = 2


def search_patients(query: str, limit: int = 20) -> list[PatientProfile] | None:
    """Patients whose name, e-mail, phone digits or date of birth match what was typed; None for a query too short
    to search."""
    words = query.casefold().split()
    if len(query.strip()) < MIN_QUERY_LENGTH or not words:
        return None
    shape, params = [], {}
    for n, word in enumerate(words):
        params[f"w{n}"] = contains_pattern(word)
        digits = "".join(ch for ch in word if ch.isdigit())
        # "+7 (912)" typed with punctuation still finds the phone digits.
        if digits and digits != word:
            params[f"d{n}"] = contains_pattern(digits)
        date_text = _as_iso_date(word)
        if date_text:
            params[f"b{n}"] = date_text
        shape.append((f"d{n}" in params, f"b{n}" in params))
    return list(db.session.scalars(_search_statement(tuple(shape), limit), params))


@lru_cache(maxsize=64)  # shapes grow with the words typed: keep the common ones
def _search_statement(shape: tuple[tuple[bool, bool], ...], limit: int):
    """The search for one shape of query (per word: phone digits to match too, a date of birth to match too), with
    parameters :w0 (the word), :d0 (its digits), :b0 (the ISO date)...; built once per shape (see app.scheduling.queries)."""
    stmt = sa.select(PatientProfile)
    for n, (digits, birth) in enumerate(shape):
        conditions = [PatientProfile.search_text.like(sa.bindparam(f"w{n}"), escape="/")]
        if digits:
            conditions.append(PatientProfile.search_text.like(sa.bindparam(f"d{n}"), escape="/"))
        if birth:
            conditions.append(sa.cast(PatientProfile.date_of_birth, sa.String) == sa.bindparam(f"b{n}"))
        stmt = stmt.where(sa.or_(*conditions))
    return stmt.order_by(PatientProfile.last_name, PatientProfile.first_name).limit(limit)


def _as_iso_date(word: str) -> str | None:
    """A typed date of birth (31.12.1980 or 1980-12-31) as ISO text, else None."""
    for sep, order in ((".", (2, 1, 0)), ("-", (0, 1, 2)), ("/", (2, 1, 0))):
        parts = word.split(sep)
        if len(parts) == 3 and all(p.isdigit() for p in parts):
            try:
                year, month, day = (int(parts[i]) for i in order)
                return date(year, month, day).isoformat()
            except (ValueError, OverflowError):  # 31.02.1980, or a year too long for a date
                return None
    return None


def contains_pattern(text: str) -> str:
    """A LIKE pattern (escape character "/") matching `text` anywhere, its own % and _ taken literally: what
    `contains(text, autoescape=True)` sends, as a value for a prebuilt statement."""
    return "%" + text.replace("/", "//").replace("%", "/%").replace("_", "/_") + "%"


def find_patient_account(email: str) -> User | None:
    """An active patient-role account by e-mail, the only kind that can be a guardian."""
    return db.session.scalar(
        sa.select(User).where(User.email == normalise_email(email), User.role == Role.PATIENT, User.active.is_(True))
    )
