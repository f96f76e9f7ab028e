"""Accounts: personal API tokens for oneself, and user management for L&D (and the CLI, the local
administrator). Signing in, password changes and becoming a contributor live in `web.auth`."""

from __future__ import annotations

from models.errors import InvalidInputError, NotFoundError
from web.actions.policy import require_lnd
from web.auth import Viewer, issue_api_token
from web.security import hash_password, password_problem
from web.services import Services

# The CLI runs on the server with access to the data folder: it acts as L&D.
LOCAL_ADMIN = Viewer(role="lnd", username="cli", via="cli")


def tokens(services: Services, viewer: Viewer) -> list[dict]:
    return services.store.tokens_of(viewer.user_id)


def create_token(services: Services, viewer: Viewer, name: str, ip: str | None = None,
                 user_id: int | None = None) -> str:
    """A new personal API token (shown once, stored hashed) for oneself, or (L&D) for another account."""
    name = name.strip()
    if not name:
        raise InvalidInputError("say what the token is for", field="name")
    owner = viewer.user_id if user_id is None else user_id
    if owner != viewer.user_id:
        require_lnd(viewer, "manages accounts")
    user = services.store.user(owner) if owner is not None else None
    if user is None:
        raise NotFoundError(f"no user {owner}")
    token = issue_api_token(services.store, owner, name)
    services.store.audit(viewer.username, "token_created", user["username"], name, ip)
    return token


def revoke_token(services: Services, viewer: Viewer, token_id: int, ip: str | None = None) -> None:
    """Revoke one of one's own tokens (someone else's answers as unknown)."""
    services.store.revoke_token(token_id, viewer.user_id)
    services.store.audit(viewer.username, "token_revoked", str(token_id), "", ip)


def create_user(services: Services, viewer: Viewer, username: str, password: str, role: str,
                person_id: str | None = None, ip: str | None = None) -> int:
    require_lnd(viewer, "manages accounts")
    if problem := password_problem(password):
        raise InvalidInputError(problem, field="password")
    if person_id and services.store.get_person(person_id) is None:
        raise NotFoundError(f"no person with id {person_id!r}")
    user_id = services.store.create_user(username, hash_password(password), role, person_id)
    services.store.audit(viewer.username, "user_created", username, role, ip)
    return user_id


def update_user(services: Services, viewer: Viewer, user_id: int, changes: dict, ip: str | None = None) -> dict:
    """Change an account's role, person or disabled flag; disabling ends its sessions."""
    require_lnd(viewer, "manages accounts")
    if services.store.user(user_id) is None:
        raise NotFoundError(f"no user {user_id}")
    if changes.get("person_id") and services.store.get_person(changes["person_id"]) is None:
        raise NotFoundError(f"no person with id {changes['person_id']!r}")
    if "disabled" in changes:
        changes["disabled"] = int(changes["disabled"])
    if changes:
        services.store.update_user(user_id, **changes)
        if changes.get("disabled"):
            services.store.end_sessions_of(user_id)
        services.store.audit(viewer.username, "user_changed", str(user_id), str(changes), ip)
    return services.store.user(user_id)


def user_named(services: Services, username: str) -> dict:
    found = services.store.user_by_name(username)
    if found is None:
        raise NotFoundError(f"no user {username!r}")
    return found

