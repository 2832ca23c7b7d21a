"""Password hashing with argon2id."""

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from app.concurrency import off_the_loop

_hasher = PasswordHasher()

MIN_PASSWORD_LENGTH = 8

# Verifying against this when an account does not exist keeps response times alike (no user enumeration).
_DUMMY_HASH = _hasher.hash("not-a-real-password")


def hash_password(password: str) -> str:
    """Hash a password with argon2id."""
    # Tens of milliseconds of C that releases the GIL: under gevent the process's other pages and sockets go on.
    return off_the_loop(_hasher.hash, password)


def verify_password(password_hash: str, password: str) -> bool:
    """True when the password matches the hash."""
    try:
        return off_the_loop(_hasher.verify, password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with weaker parameters than today's."""
    return _hasher.check_needs_rehash(password_hash)


def burn_verification_time(password: str) -> None:
    """Spend the time of one verification; used when the account is unknown."""
    verify_password(_DUMMY_HASH, password)
