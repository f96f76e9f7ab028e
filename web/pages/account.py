"""Signing in and out on the pages, and one's own account: password and personal API tokens."""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from models.errors import InvalidInputError
from web import auth
from web.actions import accounts as actions
from web.actions import inbox
from web.auth import Employee, Viewer, client_ip, sign_in, sign_out
from web.deps import ServicesDep
from web.pages.render import render
from web.params import RowId
from web.services import Services

router = APIRouter(tags=["pages"], include_in_schema=False)


def safe_next(target: str | None) -> str:
    """Only same-site paths: a sign-in link must not bounce people to another site (browsers read `/\\` as `//`)."""
    same_site = target and target.startswith("/") and not target.startswith(("//", "/\\"))
    return target if same_site else "/"


def sign_in_redirect(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(target)}", status_code=303)


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/") -> HTMLResponse:
    return render(request, "login.html", next=safe_next(next), error=None, username="")


@router.post("/login")
def login(request: Request, username: Annotated[str, Form(max_length=200)],
          password: Annotated[str, Form(max_length=1024)], next: Annotated[str, Form()] = "/"):
    response = RedirectResponse(safe_next(next), status_code=303)
    try:
        sign_in(request, response, username.strip(), password)
    except HTTPException as exc:
        return render(request, "login.html", status_code=exc.status_code, next=safe_next(next),
                      error=exc.detail, username=username)
    return response


@router.post("/logout")
def logout(request: Request) -> RedirectResponse:
    response = RedirectResponse("/login", status_code=303)
    sign_out(request, response)
    return response


@router.get("/account", response_class=HTMLResponse)
def account(request: Request, services: ServicesDep, viewer: Employee, message: str | None = None) -> HTMLResponse:
    return _account_page(request, services, viewer, message=message)


def _account_page(request: Request, services: Services, viewer: Viewer, status_code: int = 200,
                  new_token: str | None = None, message: str | None = None, error: str | None = None):
    return render(request, "account.html", status_code=status_code, section="account",
                  tokens=actions.tokens(services, viewer), new_token=new_token, message=message, error=error,
                  mail=inbox.email_settings(services, viewer))


@router.post("/account/password", response_class=HTMLResponse)
def change_password(request: Request, services: ServicesDep, viewer: Employee,
                    current: Annotated[str, Form(max_length=1024)], new: Annotated[str, Form(max_length=1024)]):
    try:
        auth.change_password(request, viewer, current, new)
    except InvalidInputError as exc:
        return _account_page(request, services, viewer, status_code=422, error=str(exc))
    return RedirectResponse("/account?message=Password+changed%3B+your+API+tokens+were+revoked", status_code=303)


@router.post("/account/tokens", response_class=HTMLResponse)
def create_token(request: Request, services: ServicesDep, viewer: Employee,
                 name: Annotated[str, Form(min_length=1, max_length=100)]):
    token = actions.create_token(services, viewer, name, client_ip(request))
    # Shown once, on this response only; never put in a URL.
    return _account_page(request, services, viewer, new_token=token)


@router.post("/account/tokens/{token_id}/revoke")
def revoke_token(request: Request, services: ServicesDep, viewer: Employee, token_id: RowId) -> RedirectResponse:
    actions.revoke_token(services, viewer, token_id, client_ip(request))
    return RedirectResponse("/account?message=Token+revoked", status_code=303)


@router.post("/account/notifications")
def notification_email(services: ServicesDep, viewer: Employee,
                       email: Annotated[Literal["immediate", "daily", "never"], Form()]) -> RedirectResponse:
    """How notifications reach one by e-mail: as they happen, in a daily digest, or not at all."""
    inbox.set_email_mode(services, viewer, email)
    return RedirectResponse("/account?message=E-mail+choice+saved#notifications", status_code=303)


@router.post("/account/contributor")
def become_contributor(request: Request, viewer: Employee) -> RedirectResponse:
    auth.become_contributor(request, viewer)
    return RedirectResponse("/contribute", status_code=303)
