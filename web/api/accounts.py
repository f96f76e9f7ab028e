"""Signing in and out, one's own account (password, API tokens, becoming a contributor), and user
management and the audit log for L&D."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response, status
from pydantic import BaseModel, Field

from web import auth
from web.actions import accounts as actions
from web.auth import Employee, LnD, Viewer, client_ip, sign_in, sign_out
from web.deps import ServicesDep
from web.params import RowId
from web.schemas import AuditPage, Me, RoleOut, TokenCreated, TokensPage, UserPublic

router = APIRouter(prefix="/api", tags=["accounts"])
Role = Literal["employee", "contributor", "lnd"]


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
    password: str | None = Field(None, max_length=1024, description="leave out to have one made up (returned once)")
    role: Role = Field("employee", description="employee unless said otherwise")
    person_id: str | None = Field(None, max_length=128, description="their person in the directory")


class UserUpdate(BaseModel):
    role: Role | None = None
    disabled: bool | None = None
    person_id: str | None = Field(None, max_length=128, description='their person; "" unlinks')


class PasswordReset(BaseModel):
    password: str | None = Field(None, max_length=1024, description="leave out to have one made up (returned once)")


class AccountPublic(UserPublic):
    person_name: str | None = None
    last_sign_in: str | None = Field(None, description="the last sign-in with a password (none for SSO)")
    live_tokens: int = Field(0, description="API tokens not revoked")
    last_token_use: str | None = None


class AccountCreated(AccountPublic):
    temporary_password: str | None = Field(None, description="the made-up password, shown once")


class AccountsPage(BaseModel):
    users: list[AccountPublic]


class PasswordResetDone(BaseModel):
    temporary_password: str | None = Field(None, description="the made-up password, shown once")


class TokensRevoked(BaseModel):
    revoked: int


def _me(viewer: Viewer) -> Me:
    return Me(username=viewer.username, role=viewer.role, person_id=viewer.person_id, team=viewer.team,
              csrf_token=viewer.csrf)


@router.post("/session", response_model=Me)
def login(request: Request, response: Response, body: Credentials) -> Me:
    """Sign in with a user name and password; the session cookie is HttpOnly and SameSite=Lax."""
    return _me(sign_in(request, response, body.username, body.password))


@router.delete("/session", status_code=status.HTTP_204_NO_CONTENT)
def logout(request: Request, response: Response) -> None:
    sign_out(request, response)


@router.get("/me", response_model=Me)
def me(viewer: Employee) -> Me:
    return _me(viewer)


@router.put("/me/password", status_code=status.HTTP_204_NO_CONTENT)
def change_password(request: Request, viewer: Employee, body: PasswordChange) -> None:
    """Change one's password; the account's other sessions end and its API tokens are revoked."""
    auth.change_password(request, viewer, body.current, body.new)


@router.post("/me/contributor", response_model=RoleOut)
def become_contributor(request: Request, viewer: Employee) -> RoleOut:
    """Any employee can start writing: it is a click, not an application."""
    return RoleOut(role=auth.become_contributor(request, viewer))


@router.get("/me/tokens", response_model=TokensPage)
def my_tokens(services: ServicesDep, viewer: Employee) -> TokensPage:
    return TokensPage(tokens=actions.tokens(services, viewer))


@router.post("/me/tokens", response_model=TokenCreated, status_code=status.HTTP_201_CREATED)
def create_token(request: Request, services: ServicesDep, viewer: Employee, body: TokenIn) -> TokenCreated:
    """A personal API token for `Authorization: Bearer ...`; shown once, stored hashed."""
    return TokenCreated(token=actions.create_token(services, viewer, body.name, client_ip(request)), name=body.name)


@router.delete("/me/tokens/{token_id}", status_code=status.HTTP_204_NO_CONTENT)
def revoke_token(request: Request, services: ServicesDep, viewer: Employee, token_id: RowId) -> None:
    actions.revoke_token(services, viewer, token_id, client_ip(request))


@router.get("/users", response_model=AccountsPage)
def users(services: ServicesDep, viewer: LnD) -> AccountsPage:
    """Every account with its role, person, last sign-in and live API tokens."""
    return AccountsPage(users=actions.accounts(services, viewer))


@router.get("/users/{user_id}", response_model=AccountPublic)
def user(services: ServicesDep, viewer: LnD, user_id: RowId) -> AccountPublic:
    return AccountPublic(**actions.account(services, viewer, user_id))


@router.post("/users", response_model=AccountCreated, status_code=status.HTTP_201_CREATED)
def create_user(request: Request, services: ServicesDep, viewer: LnD, body: UserIn) -> AccountCreated:
    """Create an account (the role is employee unless given). Without a password one is made up and
    returned once as `temporary_password`, to hand to the person."""
    user_id, made_up = actions.create_user(services, viewer, body.username, body.password, body.role,
                                           body.person_id, client_ip(request))
    return AccountCreated(**actions.account(services, viewer, user_id), temporary_password=made_up)


@router.put("/users/{user_id}", response_model=AccountPublic)
def update_user(request: Request, services: ServicesDep, viewer: LnD, user_id: RowId,
                body: UserUpdate) -> AccountPublic:
    """Change a role, link (or with "" unlink) a person, disable or enable; disabling ends the sessions."""
    changes = body.model_dump(exclude_none=True)
    return AccountPublic(**actions.update_user(services, viewer, user_id, changes, client_ip(request)))


@router.post("/users/{user_id}/password", response_model=PasswordResetDone)
def reset_password(request: Request, services: ServicesDep, viewer: LnD, user_id: RowId,
                   body: PasswordReset | None = None) -> PasswordResetDone:
    """Set a new password for someone else (made up when not given, returned once); their sessions end."""
    made_up = actions.reset_password(services, viewer, user_id, body.password if body else None, client_ip(request))
    return PasswordResetDone(temporary_password=made_up)


@router.delete("/users/{user_id}/tokens", response_model=TokensRevoked)
def revoke_tokens(request: Request, services: ServicesDep, viewer: LnD, user_id: RowId) -> TokensRevoked:
    """Revoke every API token of an account."""
    return TokensRevoked(revoked=actions.revoke_tokens(services, viewer, user_id, client_ip(request)))


@router.get("/audit", response_model=AuditPage)
def audit(services: ServicesDep, viewer: LnD, limit: Annotated[int, Query(ge=1, le=1000)] = 200) -> AuditPage:
    """Sign-ins and permission-relevant changes, newest first."""
    return AuditPage(entries=services.store.audit_entries(limit))
