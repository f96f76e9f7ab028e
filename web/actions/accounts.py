"""Accounts: personal API tokens for oneself, and account management for L&D (the accounts page, the API
and the CLI, the local administrator, all come through here). Signing in, one's own password change and
becoming a contributor live in `web.auth`."""

from __future__ import annotations

import re

from models.accounts_store import ROLES
from models.errors import ConflictError, ForbiddenError, InvalidInputError, NotFoundError
from web.actions.policy import require_lnd
from web.auth import Viewer, issue_api_token
from web.security import hash_password, password_problem, temporary_password
from web.services import Services

# The CLI runs on the server with access to the data folder: it acts as L&D.
LOCAL_ADMIN = Viewer(role="lnd", username="cli", via="cli")
ACCOUNT_FIELDS = ("role", "disabled", "person_id")
_USERNAME = re.compile(r"^\S{1,200}$")


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


# -- account management: L&D (and the CLI) only --

def accounts(services: Services, viewer: Viewer) -> list[dict]:
    """Every account with its role, person, last sign-in and live API tokens."""
    require_lnd(viewer, "manages accounts")
    return services.store.accounts()


def account(services: Services, viewer: Viewer, user_id: int) -> dict:
    require_lnd(viewer, "manages accounts")
    found = services.store.accounts(user_id)
    if not found:
        raise NotFoundError(f"no user {user_id}")
    return found[0]


def create_user(services: Services, viewer: Viewer, username: str, password: str | None, role: str,
                person_id: str | None = None, ip: str | None = None) -> tuple[int, str | None]:
    """Create an account. Without a password one is made up (an invitation): returned once, to hand to the
    person, who changes it on their account page. Returns (user id, the made-up password or None)."""
    require_lnd(viewer, "manages accounts")
    username = (username or "").strip()
    if not _USERNAME.match(username):
        raise InvalidInputError("a user name is 1 to 200 characters without spaces", field="username")
    _check_role(role)
    made_up = None if password else temporary_password()
    if problem := password_problem(password or made_up):
        raise InvalidInputError(problem, field="password")
    person_id = _linkable_person(services, person_id or None)
    if services.store.user_by_name(username) is not None:
        raise ConflictError(f"user {username!r} exists", field="username")
    user_id = services.store.create_user(username, hash_password(password or made_up), role, person_id)
    services.store.audit(viewer.username, "user_created", username, role, ip)
    return user_id, made_up


def update_user(services: Services, viewer: Viewer, user_id: int, changes: dict, ip: str | None = None) -> dict:
    """Change an account's role, person (None or "" unlinks) or disabled flag; disabling ends its sessions
    (and its tokens stop working while it is disabled). L&D cannot demote or disable their own account, so
    nobody locks the last L&D out by a slip: another L&D account (or the CLI) can."""
    require_lnd(viewer, "manages accounts")
    user = services.store.user(user_id)
    if user is None:
        raise NotFoundError(f"no user {user_id}")
    unknown = sorted(set(changes) - set(ACCOUNT_FIELDS))
    if unknown:
        raise InvalidInputError(f"an account has no field {unknown[0]!r} to change", field=unknown[0])
    changes = {key: value for key, value in changes.items() if value != user[key] or key == "person_id"}
    if "role" in changes:
        _check_role(changes["role"])
    if "disabled" in changes:
        changes["disabled"] = int(bool(changes["disabled"]))
    if "person_id" in changes:
        changes["person_id"] = changes["person_id"] or None
        if changes["person_id"] == user["person_id"]:
            del changes["person_id"]
        else:
            _linkable_person(services, changes["person_id"], user_id)
    if user_id == viewer.user_id and (changes.get("disabled") or changes.get("role", "lnd") != "lnd"):
        raise ForbiddenError("you cannot demote or disable your own account; another L&D account can")
    if changes:
        services.store.update_user(user_id, **changes)
        if changes.get("disabled"):
            services.store.end_sessions_of(user_id)
        detail = ", ".join(f"{key}: {_shown(user[key])} -> {_shown(value)}" for key, value in changes.items())
        services.store.audit(viewer.username, "user_changed", user["username"], detail, ip)
    return account(services, viewer, user_id)


def reset_password(services: Services, viewer: Viewer, user_id: int, password: str | None = None,
                   ip: str | None = None) -> str | None:
    """Set a new password for someone who lost theirs (made up when not given: returned once). Their
    sessions end; their API tokens stay (revoking those is its own step, `revoke_tokens`)."""
    require_lnd(viewer, "manages accounts")
    user = services.store.user(user_id)
    if user is None:
        raise NotFoundError(f"no user {user_id}")
    if user_id == viewer.user_id:
        raise ForbiddenError("change your own password on your account page (it asks for the current one)")
    made_up = None if password else temporary_password()
    if problem := password_problem(password or made_up):
        raise InvalidInputError(problem, field="password")
    services.store.update_user(user_id, password_hash=hash_password(password or made_up))
    services.store.end_sessions_of(user_id)
    services.store.audit(viewer.username, "password_reset", user["username"], "", ip)
    return made_up


def revoke_tokens(services: Services, viewer: Viewer, user_id: int, ip: str | None = None) -> int:
    """Revoke every live API token of an account; returns how many."""
    require_lnd(viewer, "manages accounts")
    user = services.store.user(user_id)
    if user is None:
        raise NotFoundError(f"no user {user_id}")
    revoked = services.store.revoke_tokens_of(user_id)
    services.store.audit(viewer.username, "tokens_revoked", user["username"], f"{revoked} API tokens", ip)
    return revoked


def user_named(services: Services, username: str) -> dict:
    found = services.store.user_by_name(username)
    if found is None:
        raise NotFoundError(f"no user {username!r}")
    return found


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise InvalidInputError(f"the role is one of {', '.join(ROLES)}, not {role!r}", field="role")


def _linkable_person(services: Services, person_id: str | None, user_id: int | None = None) -> str | None:
    """A person an account may be linked to: one in the directory and no other account's (two accounts
    speaking as one person would share their authorship and their inbox)."""
    if person_id is None:
        return None
    if services.store.get_person(person_id) is None:
        raise NotFoundError(f"no person with id {person_id!r}", field="person_id")
    holder = next((u for u in services.store.users() if u["person_id"] == person_id and u["id"] != user_id), None)
    if holder is not None:
        raise ConflictError(f"person {person_id!r} is already linked to account {holder['username']!r}",
                            field="person_id")
    return person_id


def _shown(value) -> str:
    return "none" if value is None else str(value)
