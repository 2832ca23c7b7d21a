"""How people's names are put together: one rule for ORM objects and for plain rows (chat history)."""


def person_name(last: str | None, first: str | None, middle: str | None) -> str:
    """Surname, first name and patronymic as written in Russian records, leaving out the empty ones."""
    return " ".join(part for part in (last, first, middle) if part)


def shown_name(specialist: str | None, patient: str | None, account: str | None, email: str) -> str:
    """The name a user is shown by: their specialist profile's, else their patient record's, else the account's
    own, else the e-mail address (None: the user has no such profile or name)."""
    if specialist is not None:
        return specialist
    if patient is not None:
        return patient
    return account or email
