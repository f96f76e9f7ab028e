"""Small named domain errors, translated once by the API (HTTP status) and once by the CLI (exit code)."""


class KnowhowError(Exception):
    """Base of every error a user can cause or fix. `field` names the input at fault, so a form can show
    the message next to it."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class NotFoundError(KnowhowError):
    """A record asked for by id does not exist."""


class InvalidInputError(KnowhowError):
    """Input that breaks the contract: a missing field, an unknown author, an empty query."""


class ForbiddenError(KnowhowError):
    """The actor is known but may not do this (too junior a role, not an author, not their profile)."""


class ConflictError(KnowhowError):
    """A write that would clash with what is stored (e.g. creating an id that exists)."""


class IndexMismatchError(KnowhowError):
    """The vector index or stored vectors were built by another embedding model than the configured one."""
