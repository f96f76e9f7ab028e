"""Signing in and out, one's own account (password, API tokens, becoming a contributor), and user
management and the audit log for L&D."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request, Response, status
from pydantic import BaseModel, Field

from models.errors import InvalidInputError, NotFoundError
from web import auth
from web.auth import Employee, LnD, client_ip, issue_api_token, sign_in, sign_out
from web.deps import StoreDep
from web.security import hash_password, password_problem

router = APIRouter(prefix="/api", tags=["accounts"])
Role = Literal["employee", "contributor", "lnd"]
RowId = Annotated[int, Path(ge=1, le=2**62)]


class Credentials(BaseModel):
    username: str = Field(min_length=1, max_length=200)
    password: str = Field(min_length=1, max_length=1024)


class PasswordChange(BaseModel):
    current: str = Field(max_length=1024)
    new: str = Field(max_length=1024)


class TokenIn(BaseModel):
    name: str = Field(min_length=1, max_length=100, description="what the token is for")


class UserIn(BaseModel):
    username: str = Field(min_length=1, max_length=200, pattern=r"^[^\s]+$")
    password: str = Field(max_length=1024)
    role: Role = "employee"
    person_id: str | None = Field(None, max_length=128)


class UserUpdate(BaseModel):
    role: Role | None = None
    disabled: bool | None = None
    person_id: str | None = Field(None, max_length=128)


def _me(viewer) -> dict:
    return {"username": viewer.username, "role": viewer.role, "person_id": viewer.person_id, "team": viewer.team,
            "csrf_token": viewer.csrf}


@router.post("/session")
def login(request: Request, response: Response, body: Credentials) -> dict:
    """Sign in with a user name and password; the session cookie is HttpOnly and SameSite=Lax."""
    return _me(sign_in(request, response, body.username, body.password))


@router.delete("/session", status_code=status.HTTP_204_NO_CONTENT)
def logout(request: Request, response: Response) -> None:
    sign_out(request, response)


@router.get("/me")
def me(viewer: Employee) -> dict:
    return _me(viewer)


@router.put("/me/password", status_code=status.HTTP_204_NO_CONTENT)
def change_password(request: Request, viewer: Employee, body: PasswordChange) -> None:
    """Change one's password; other sessions of the account end."""
    auth.change_password(request, viewer, body.current, body.new)


@router.post("/me/contributor")
def become_contributor(request: Request, viewer: Employee) -> dict:
    """Any employee can start writing: it is a click, not an application."""
    return {"role": auth.become_contributor(request, viewer)}


@router.get("/me/tokens")
def my_tokens(store: StoreDep, viewer: Employee) -> dict:
    return {"tokens": store.tokens_of(viewer.user_id)}


@router.post("/me/tokens", status_code=status.HTTP_201_CREATED)
def create_token(request: Request, store: StoreDep, viewer: Employee, body: TokenIn) -> dict:
    """A personal API token for `Authorization: Bearer ...`; shown once, stored hashed."""
    token = issue_api_token(store, viewer.user_id, body.name)
    store.audit(viewer.username, "token_created", body.name, "", client_ip(request))
    return {"token": token, "name": body.name}


@router.delete("/me/tokens/{token_id}", status_code=status.HTTP_204_NO_CONTENT)
def revoke_token(request: Request, store: StoreDep, viewer: Employee, token_id: RowId) -> None:
    store.revoke_token(token_id, viewer.user_id)
    store.audit(viewer.username, "token_revoked", str(token_id), "", client_ip(request))


@router.get("/users")
def users(store: StoreDep, viewer: LnD) -> dict:
    return {"users": store.users()}


@router.post("/users", status_code=status.HTTP_201_CREATED)
def create_user(request: Request, store: StoreDep, viewer: LnD, body: UserIn) -> dict:
    if problem := password_problem(body.password):
        raise InvalidInputError(problem)
    if body.person_id and store.get_person(body.person_id) is None:
        raise NotFoundError(f"no person with id {body.person_id!r}")
    user_id = store.create_user(body.username, hash_password(body.password), body.role, body.person_id)
    store.audit(viewer.username, "user_created", body.username, body.role, client_ip(request))
    return {"id": user_id, "username": body.username, "role": body.role}


@router.put("/users/{user_id}")
def update_user(request: Request, store: StoreDep, viewer: LnD, user_id: RowId, body: UserUpdate) -> dict:
    if store.user(user_id) is None:
        raise NotFoundError(f"no user {user_id}")
    changes = body.model_dump(exclude_none=True)
    if "disabled" in changes:
        changes["disabled"] = int(changes["disabled"])
    if changes:
        store.update_user(user_id, **changes)
        if changes.get("disabled"):
            store.end_sessions_of(user_id)
        store.audit(viewer.username, "user_changed", str(user_id), str(changes), client_ip(request))
    user = store.user(user_id)
    return {k: user[k] for k in ("id", "username", "role", "person_id", "disabled")}


@router.get("/audit")
def audit(store: StoreDep, viewer: LnD, limit: Annotated[int, Query(ge=1, le=1000)] = 200) -> dict:
    """Sign-ins and permission-relevant changes, newest first."""
    return {"entries": store.audit_entries(limit)}
