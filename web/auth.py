"""Who is asking, and what they may do: sessions, API tokens, a trusted SSO proxy, roles and CSRF.

Roles rise employee < contributor < lnd; "anonymous" is someone not signed in, who may only read, and
only where `allow_anonymous_read` is on. The CLI never comes through here: it is the local administrator.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Annotated

from fastapi import Depends, HTTPException, Request, Response, status

from models.errors import ForbiddenError, InvalidInputError
from models.records import Audience
from models.store import Store
from web.security import TOKEN_PREFIX, hash_password, new_token, password_problem, token_hash, verify_password

SESSION_COOKIE = "knowhow_session"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
RANKS = {"anonymous": 0, "employee": 1, "contributor": 2, "lnd": 3}
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
LOGIN_WINDOW = timedelta(minutes=15)


@dataclass(frozen=True)
class Viewer:
    role: str = "anonymous"
    user_id: int | None = None
    username: str | None = None
    person_id: str | None = None
    team: str | None = None
    via: str = "none"  # session, token, proxy or none
    csrf: str | None = None

    @property
    def signed_in(self) -> bool:
        return self.user_id is not None

    def at_least(self, role: str) -> bool:
        return RANKS[self.role] >= RANKS[role]

    @property
    def audience(self) -> Audience:
        return Audience(team=self.team, everything=self.role == "lnd")


ANONYMOUS = Viewer()


def _viewer_from_user(store: Store, user: dict, via: str, csrf: str | None = None) -> Viewer:
    team = None
    if user.get("person_id"):
        person = store.get_person(user["person_id"])
        team = person["team"] if person else None
    return Viewer(role=user["role"], user_id=user["id"], username=user["username"], person_id=user.get("person_id"),
                  team=team, via=via, csrf=csrf)


def _trusted(request: Request, networks: list[str]) -> bool:
    if not networks or request.client is None:
        return False
    try:
        address = ipaddress.ip_address(request.client.host)
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(net, strict=False) for net in networks)


def resolve_viewer(request: Request) -> Viewer:
    """The signed-in user by API token, session cookie or trusted proxy header; else anonymous."""
    cached = getattr(request.state, "viewer", None)
    if cached is not None:
        return cached
    services = request.app.state.services
    store, settings = services.store, services.settings
    viewer = ANONYMOUS
    authorization = request.headers.get("authorization", "")
    if authorization.lower().startswith("bearer "):
        user = store.token_user(token_hash(authorization[7:].strip()))
        if user is None:
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, "the API token is unknown or revoked")
        viewer = _viewer_from_user(store, user, "token")
    elif cookie := request.cookies.get(SESSION_COOKIE):
        session = store.session(token_hash(cookie))
        if session is not None:
            viewer = _viewer_from_user(store, session, "session", session["csrf"])
    elif _trusted(request, settings.trusted_proxies) and (name := request.headers.get(settings.proxy_user_header)):
        user = store.user_by_name(name.strip()) or _first_sso_visit(store, name.strip())
        if not user["disabled"]:
            viewer = _viewer_from_user(store, user, "proxy")
    request.state.viewer = viewer
    return viewer


def _first_sso_visit(store: Store, username: str) -> dict:
    """A user the company SSO vouches for gets an employee account on first visit, linked to their
    person record when one has that id or e-mail."""
    person = store.get_person(username) or store.person_by_email(username)
    store.create_user(username, None, "employee", person["id"] if person else None)
    store.audit(username, "account_created", username, "first sign-in through the SSO proxy")
    return store.user_by_name(username)


def requires(role: str):
    """A dependency admitting viewers of at least `role` (401 when not signed in, 403 when too junior)."""

    def check(request: Request) -> Viewer:
        viewer = resolve_viewer(request)
        if role == "anonymous":
            allowed = viewer.signed_in or request.app.state.services.settings.allow_anonymous_read
            if not allowed:
                raise HTTPException(status.HTTP_401_UNAUTHORIZED, "sign in first (or use an API token)")
            return viewer
        if not viewer.signed_in:
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, "sign in first (or use an API token)")
        if not viewer.at_least(role):
            raise ForbiddenError(f"this needs the {role} role")
        return viewer

    return check


async def csrf_protect(request: Request) -> None:
    """State changes from a browser session must carry the session's CSRF token (header or form field);
    API tokens are not sent by browsers on their own, so they need none."""
    if request.method not in UNSAFE_METHODS:
        return
    viewer = resolve_viewer(request)
    if viewer.via != "session":
        return
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        sent = (await request.form()).get(CSRF_FIELD)
    if not sent or sent != viewer.csrf:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "the form has expired or did not come from this site; reload and try again")


Reader = Annotated[Viewer, Depends(requires("anonymous"))]
Employee = Annotated[Viewer, Depends(requires("employee"))]
Contributor = Annotated[Viewer, Depends(requires("contributor"))]
LnD = Annotated[Viewer, Depends(requires("lnd"))]


# -- signing in and out --

def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


def sign_in(request: Request, response: Response, username: str, password: str) -> Viewer:
    """Check a password (with a pause after repeated failures) and start a session on `response`."""
    services = request.app.state.services
    store, settings = services.store, services.settings
    ip = client_ip(request)
    since = (datetime.now(timezone.utc) - LOGIN_WINDOW).isoformat()
    if store.recent_failed_logins(username, ip, since) >= settings.login_attempts:
        store.audit(username, "login_throttled", username, "", ip)
        raise HTTPException(status.HTTP_429_TOO_MANY_REQUESTS, "too many failed sign-ins; wait 15 minutes")
    user = store.user_by_name(username)
    if user is None or user["disabled"] or not verify_password(user["password_hash"], password):
        store.audit(username, "login_failed", username, "", ip)
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "unknown user name or wrong password")
    csrf = start_session(request, response, user)
    store.audit(username, "login", username, "", ip)
    return _viewer_from_user(store, user, "session", csrf)


def start_session(request: Request, response: Response, user: dict) -> str:
    """Set a new session cookie; returns the session's CSRF token."""
    services = request.app.state.services
    token, csrf = new_token(), new_token()
    expires = datetime.now(timezone.utc) + timedelta(hours=services.settings.session_hours)
    services.store.create_session(token_hash(token), user["id"], csrf, expires.isoformat())
    response.set_cookie(
        SESSION_COOKIE, token, max_age=services.settings.session_hours * 3600, httponly=True, samesite="lax",
        secure=services.settings.cookie_secure or request.url.scheme == "https", path="/",
    )
    return csrf


def sign_out(request: Request, response: Response) -> None:
    store = request.app.state.services.store
    viewer = resolve_viewer(request)
    if cookie := request.cookies.get(SESSION_COOKIE):
        store.end_session(token_hash(cookie))
    if viewer.signed_in:
        store.audit(viewer.username, "logout", viewer.username, "", client_ip(request))
    response.delete_cookie(SESSION_COOKIE, path="/")


def change_password(request: Request, viewer: Viewer, current: str, new: str) -> None:
    """Check the current password and the new one, store its hash, and end the account's other sessions."""
    store = request.app.state.services.store
    if not verify_password(store.user(viewer.user_id)["password_hash"], current):
        raise InvalidInputError("the current password is wrong")
    if problem := password_problem(new):
        raise InvalidInputError(problem)
    store.update_user(viewer.user_id, password_hash=hash_password(new))
    cookie = request.cookies.get(SESSION_COOKIE)
    store.end_sessions_of(viewer.user_id, keep=token_hash(cookie) if cookie else None)
    store.audit(viewer.username, "password_changed", viewer.username, "", client_ip(request))


def become_contributor(request: Request, viewer: Viewer) -> str:
    """Any employee can start writing: it is a click, not an application. Returns the role now held."""
    if viewer.role != "employee":
        return viewer.role
    store = request.app.state.services.store
    store.update_user(viewer.user_id, role="contributor")
    store.audit(viewer.username, "role_changed", viewer.username, "employee -> contributor", client_ip(request))
    return "contributor"


def issue_api_token(store: Store, user_id: int, name: str) -> str:
    """A new personal API token; only its hash is kept, so it is shown once."""
    token = new_token(TOKEN_PREFIX)
    store.create_token(user_id, name, token_hash(token))
    return token
