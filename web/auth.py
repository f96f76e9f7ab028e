"""Who is asking, and what they may do: sessions, API tokens, a trusted SSO proxy, roles and CSRF.

Roles rise employee < contributor < lnd; "anonymous" is someone not signed in, who may only read, and
only where `allow_anonymous_read` is on. The CLI never comes through here: it is the local administrator.
"""

from __future__ import annotations

import functools
import hmac
import ipaddress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, HTTPException, Request, Response, status

from models.errors import ForbiddenError, InvalidInputError
from models.records import Audience
from models.store import Store
from web.security import (
    TOKEN_PREFIX,
    hash_password,
    keyed_token,
    new_token,
    password_problem,
    token_hash,
    verify_password,
)

SESSION_COOKIE = "knowhow_session"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
RANKS = {"anonymous": 0, "employee": 1, "contributor": 2, "lnd": 3}
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
LOGIN_WINDOW = timedelta(minutes=15)
KNOWN_ADDRESS = timedelta(days=30)  # an address a user signed in from this recently is exempt from the per-user pause
PER_ADDRESS, PER_USER = 10, 20  # times settings.login_attempts: failures from one address, for one user


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


@functools.lru_cache(maxsize=64)
def _networks(networks: tuple[str, ...]) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [ipaddress.ip_network(net, strict=False) for net in networks]


def _in(address: str | None, networks: list[str]) -> bool:
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    return any(ip in net for net in _networks(tuple(networks)))


def from_trusted_proxy(request: Request) -> bool:
    """Whether the socket peer itself is a trusted proxy. The server runs without proxy-header rewriting
    (uvicorn proxy_headers=False), so `request.client` is the real peer, never what X-Forwarded-For claims."""
    peer = request.client.host if request.client else None
    return _in(peer, request.app.state.services.settings.trusted_proxies)


def _forwarded(request: Request, header: str) -> str | None:
    """An X-Forwarded-* value, believed only from a trusted proxy (the last value, the one it appended)."""
    value = request.headers.get(header, "") if from_trusted_proxy(request) else ""
    return value.split(",")[-1].strip() or None


def _scheme(request: Request) -> str:
    """http or https as the browser sees it (a TLS-terminating proxy says which in X-Forwarded-Proto)."""
    return _forwarded(request, "x-forwarded-proto") or request.url.scheme


def _proxy_csrf(store: Store, username: str) -> str:
    """SSO users have no session row to keep a CSRF token in: theirs is an HMAC of the user name under a server
    secret (stable across requests and server restarts, unknowable to another site)."""
    return keyed_token(store.secret("csrf_secret"), "proxy-csrf:" + username)


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
    elif from_trusted_proxy(request) and (name := request.headers.get(settings.proxy_user_header)):
        user = store.user_by_name(name.strip()) or _first_sso_visit(store, name.strip())
        if not user["disabled"]:
            viewer = _viewer_from_user(store, user, "proxy", _proxy_csrf(store, user["username"]))
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


def _foreign_origin(request: Request) -> bool:
    """Whether the browser says another site started this request: its Origin (else its Referer) names another
    scheme or host than this server's ("null", an opaque origin, counts as another site). Behind a trusted proxy
    this server's scheme and host are the ones the proxy forwards (X-Forwarded-Proto, X-Forwarded-Host)."""
    source = request.headers.get("origin") or request.headers.get("referer")
    if not source:
        return False
    scheme = _scheme(request)
    host = _forwarded(request, "x-forwarded-host") or request.headers.get("host", "")
    parts = urlsplit(source)
    return (parts.scheme.lower(), parts.netloc.lower()) != (scheme.lower(), host.lower())


async def csrf_protect(request: Request) -> None:
    """Refuse state changes forged by another site, whatever the sign-in method.

    A request whose Origin or Referer names another site is refused, signing in and out included (no login
    CSRF). A browser's cookie and an SSO proxy's user header come with cross-site requests too, so a request
    signed in by either must also carry the viewer's CSRF token (header or form field): a token is what still
    holds when a browser or privacy tool sends neither Origin nor Referer. API tokens are exempt: browsers
    never send an Authorization header on their own."""
    if request.method not in UNSAFE_METHODS:
        return
    viewer = resolve_viewer(request)
    if viewer.via == "token":
        return
    refusal = None
    if _foreign_origin(request):
        refusal = "the request's Origin (or Referer) names another site than this server"
    elif viewer.via in ("session", "proxy"):
        sent = request.headers.get(CSRF_HEADER)
        if sent is None and request.headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")
        ):
            sent = (await request.form()).get(CSRF_FIELD)
        expected = (viewer.csrf or "").encode()
        if not isinstance(sent, str):
            refusal = (f"a request signed in with a session cookie (or by the SSO proxy) must send the {CSRF_HEADER} "
                       "header: the "
                       "csrf_token from POST /api/session (or GET /api/me)")
        elif not (expected and hmac.compare_digest(sent.encode(), expected)):
            refusal = f"the {CSRF_HEADER} header is not this session's csrf_token (see GET /api/me)"
    if refusal is not None:
        if not request.url.path.startswith("/api"):  # a person at a page: what to do, not which header
            refusal = "the form has expired or did not come from this site; reload and try again"
        raise HTTPException(status.HTTP_403_FORBIDDEN, refusal)


Reader = Annotated[Viewer, Depends(requires("anonymous"))]
Employee = Annotated[Viewer, Depends(requires("employee"))]
Contributor = Annotated[Viewer, Depends(requires("contributor"))]
LnD = Annotated[Viewer, Depends(requires("lnd"))]


# -- signing in and out --

def client_ip(request: Request) -> str | None:
    """The address to throttle and audit: the socket peer, or, when the peer is a trusted proxy, the right-most
    X-Forwarded-For entry that is not a trusted proxy (entries left of it are whatever the client claimed)."""
    peer = request.client.host if request.client else None
    if not from_trusted_proxy(request):
        return peer
    hops = [hop.strip() for hop in ",".join(request.headers.getlist("x-forwarded-for")).split(",") if hop.strip()]
    trusted = request.app.state.services.settings.trusted_proxies
    return next((hop for hop in reversed(hops) if not _in(hop, trusted)), hops[0] if hops else peer)


def sign_in(request: Request, response: Response, username: str, password: str) -> Viewer:
    """Check a password and start a session on `response`, pausing guessers without handing them a lock-out.

    Within 15 minutes a sign-in is paused (429) after `login_attempts` failures for this user from this
    address, PER_ADDRESS times that from this address whatever the user (spraying names), or PER_USER times
    that for this user from everywhere (guessing from many addresses); the last does not apply from an
    address the user signed in from in the last 30 days. So nobody can lock a colleague, L&D included, out
    of their usual address, and locking them out elsewhere takes 20x the failures from several addresses.
    Each attempt is recorded as failed before the password is checked (in one statement with the counts),
    so concurrent guesses cannot all pass the count. Unknown and disabled users cost the same argon2 check
    as a wrong password (`verify_password`), so timing does not tell which user names exist."""
    services = request.app.state.services
    store, limit = services.store, services.settings.login_attempts
    ip = client_ip(request)
    now = datetime.now(UTC)
    attempt = store.claim_login_attempt(username, ip, (now - LOGIN_WINDOW).isoformat(),
                                        (now - KNOWN_ADDRESS).isoformat(), limit, limit * PER_ADDRESS, limit * PER_USER)
    if attempt is None:
        store.audit(username, "login_throttled", username, "", ip)
        raise HTTPException(status.HTTP_429_TOO_MANY_REQUESTS, "too many failed sign-ins; wait 15 minutes")
    user = store.user_by_name(username)
    usable = user is not None and not user["disabled"]
    if not verify_password(user["password_hash"] if usable else None, password):
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "unknown user name or wrong password")
    store.login_succeeded(attempt)
    csrf = start_session(request, response, user)
    return _viewer_from_user(store, user, "session", csrf)


def start_session(request: Request, response: Response, user: dict) -> str:
    """Set a new session cookie; returns the session's CSRF token."""
    services = request.app.state.services
    token, csrf = new_token(), new_token()
    expires = datetime.now(UTC) + timedelta(hours=services.settings.session_hours)
    services.store.create_session(token_hash(token), user["id"], csrf, expires.isoformat())
    response.set_cookie(
        SESSION_COOKIE, token, max_age=services.settings.session_hours * 3600, httponly=True, samesite="lax",
        secure=services.settings.cookie_secure or _scheme(request) == "https", path="/",
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


def change_password(request: Request, viewer: Viewer, current: str, new: str) -> int:
    """Check the current password and the new one and store its hash. The account's other sessions end and all
    its API tokens are revoked (a changed password is how one shuts out whoever learnt the old one); returns
    how many tokens were revoked."""
    store = request.app.state.services.store
    if not verify_password(store.user(viewer.user_id)["password_hash"], current):
        raise InvalidInputError("the current password is wrong")
    if problem := password_problem(new):
        raise InvalidInputError(problem)
    store.update_user(viewer.user_id, password_hash=hash_password(new))
    cookie = request.cookies.get(SESSION_COOKIE)
    store.end_sessions_of(viewer.user_id, keep=token_hash(cookie) if cookie else None)
    revoked = store.revoke_tokens_of(viewer.user_id)
    store.audit(viewer.username, "password_changed", viewer.username, f"{revoked} API tokens revoked",
                client_ip(request))
    return revoked


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
