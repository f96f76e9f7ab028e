"""Secrets: password hashing (argon2id, via argon2-cffi) and random tokens stored only as hashes."""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
MIN_PASSWORD = 10
TOKEN_PREFIX = "kh_"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


@functools.cache
def _dummy_hash() -> str:
    return _hasher.hash(secrets.token_urlsafe(16))


def verify_password(stored_hash: str | None, password: str) -> bool:
    """Whether `password` matches. Without a hash (an unknown, disabled or SSO-only account) a dummy hash is
    checked all the same, so a wrong user name costs as long as a wrong password and names cannot be told
    apart by timing."""
    try:
        return _hasher.verify(stored_hash or _dummy_hash(), password) and bool(stored_hash)
    except (VerificationError, InvalidHashError):
        return False


def password_problem(password: str) -> str | None:
    """Why a new password is refused, or None."""
    if len(password) < MIN_PASSWORD:
        return f"a password needs at least {MIN_PASSWORD} characters"
    if len(password) > 1024:
        return "a password may have at most 1024 characters"
    return None


def temporary_password() -> str:
    """A password L&D hands a new (or locked-out) person once: 16 URL-safe characters, ~96 bits."""
    return secrets.token_urlsafe(12)


def new_token(prefix: str = "") -> str:
    return prefix + secrets.token_urlsafe(32)


def keyed_token(secret: str, message: str) -> str:
    """A token only the holder of `secret` can make (HMAC-SHA256), e.g. a CSRF token bound to a user name."""
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def token_hash(token: str) -> str:
    """Tokens are long and random, so a fast hash suffices (unlike passwords)."""
    return hashlib.sha256(token.encode()).hexdigest()
