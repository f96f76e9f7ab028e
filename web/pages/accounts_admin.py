"""L&D's accounts page (/lnd/accounts): list, create, change role, disable, reset passwords, revoke tokens,
link people and edit their directory fields. Every rule is in `web.actions.accounts` (and `people`)."""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError

from models.accounts_store import ROLES
from models.errors import ConflictError, ForbiddenError, KnowhowError, NotFoundError
from web.actions import accounts as actions
from web.actions import people
from web.auth import LnD, Viewer, client_ip
from web.deps import ServicesDep
from web.pages.common import as_sentence
from web.pages.render import render
from web.params import RowId
from web.schemas import PersonPatch
from web.services import Services

router = APIRouter(prefix="/lnd/accounts", tags=["pages"], include_in_schema=False)
STATUS = {NotFoundError: 404, ForbiddenError: 403, ConflictError: 409}  # the rest: the input, 422
Text = Annotated[str, Form(max_length=1024)]


def _status(exc: KnowhowError) -> int:
    return STATUS.get(type(exc), 422)


def _list_page(request: Request, services: Services, viewer: Viewer, status_code: int = 200, **context):
    form = {"username": "", "role": "employee", "person_id": "", **context.pop("form", {})}
    return render(request, "lnd_accounts.html", status_code=status_code, section="lnd",
                  accounts=actions.accounts(services, viewer), roles=ROLES, form=form,
                  people=services.store.person_names(), **context)


def _detail_page(request: Request, services: Services, viewer: Viewer, user_id: int, status_code: int = 200,
                 **context):
    account = actions.account(services, viewer, user_id)
    person = services.store.get_person(account["person_id"]) if account["person_id"] else None
    return render(request, "lnd_account.html", status_code=status_code, section="lnd", account=account,
                  person=person, roles=ROLES, people=services.store.person_names(), **context)


def _done(user_id: int, message: str) -> RedirectResponse:
    return RedirectResponse(f"/lnd/accounts/{user_id}?message={quote(message)}", status_code=303)


@router.get("", response_class=HTMLResponse)
def accounts(request: Request, services: ServicesDep, viewer: LnD, message: str | None = None) -> HTMLResponse:
    return _list_page(request, services, viewer, message=message)


@router.post("", response_class=HTMLResponse)
def create(request: Request, services: ServicesDep, viewer: LnD, username: Annotated[str, Form(max_length=200)],
           role: Annotated[str, Form(max_length=20)] = "employee", person_id: Text = "", password: Text = ""):
    """Create an account; without a password one is made up and shown on this response only."""
    form = {"username": username, "role": role, "person_id": person_id}
    try:
        user_id, made_up = actions.create_user(services, viewer, username, password or None, role,
                                               person_id.strip() or None, client_ip(request))
    except KnowhowError as exc:
        return _list_page(request, services, viewer, status_code=_status(exc), form=form,
                          error=as_sentence(str(exc)), error_field=exc.field)
    return _detail_page(request, services, viewer, user_id, status_code=201, new_password=made_up,
                        message=f"Created {username.strip()}.")


@router.get("/{user_id}", response_class=HTMLResponse)
def account(request: Request, services: ServicesDep, viewer: LnD, user_id: RowId,
            message: str | None = None) -> HTMLResponse:
    return _detail_page(request, services, viewer, user_id, message=message)


def _change(request: Request, services: Services, viewer: Viewer, user_id: int, changes: dict, message: str):
    try:
        actions.update_user(services, viewer, user_id, changes, client_ip(request))
    except KnowhowError as exc:
        return _detail_page(request, services, viewer, user_id, status_code=_status(exc),
                            error=as_sentence(str(exc)), error_field=exc.field)
    return _done(user_id, message)


@router.post("/{user_id}/role", response_class=HTMLResponse)
def change_role(request: Request, services: ServicesDep, viewer: LnD, user_id: RowId,
                role: Annotated[str, Form(max_length=20)]):
    return _change(request, services, viewer, user_id, {"role": role}, f"The role is now {role}.")


@router.post("/{user_id}/status", response_class=HTMLResponse)
def change_status(request: Request, services: ServicesDep, viewer: LnD, user_id: RowId,
                  disabled: Annotated[Literal["true", "false"], Form()]):
    disable = disabled == "true"
    message = "The account is disabled; its sessions ended." if disable else "The account is enabled."
    return _change(request, services, viewer, user_id, {"disabled": disable}, message)


@router.post("/{user_id}/person", response_class=HTMLResponse)
def link_person(request: Request, services: ServicesDep, viewer: LnD, user_id: RowId,
                person_id: Annotated[str, Form(max_length=128)] = ""):
    person_id = person_id.strip()
    message = f"Linked to {person_id}." if person_id else "Linked to nobody."
    return _change(request, services, viewer, user_id, {"person_id": person_id or None}, message)


@router.post("/{user_id}/password", response_class=HTMLResponse)
def reset_password(request: Request, services: ServicesDep, viewer: LnD, user_id: RowId):
    """A made-up password, shown on this response only (never in a URL)."""
    try:
        made_up = actions.reset_password(services, viewer, user_id, None, client_ip(request))
    except KnowhowError as exc:
        return _detail_page(request, services, viewer, user_id, status_code=_status(exc),
                            error=as_sentence(str(exc)))
    return _detail_page(request, services, viewer, user_id, new_password=made_up,
                        message="The password was reset; their sessions ended.")


@router.post("/{user_id}/tokens/revoke", response_class=HTMLResponse)
def revoke_tokens(request: Request, services: ServicesDep, viewer: LnD, user_id: RowId):
    revoked = actions.revoke_tokens(services, viewer, user_id, client_ip(request))
    return _done(user_id, f"Revoked {revoked} API token{'' if revoked == 1 else 's'}.")


@router.post("/{user_id}/directory", response_class=HTMLResponse)
def edit_person(request: Request, services: ServicesDep, viewer: LnD, user_id: RowId,
                title: Text = "", team: Text = "", location: Text = ""):
    """The linked person's directory fields (title, team, location): the team decides what they may see."""
    person_id = actions.account(services, viewer, user_id)["person_id"]
    fields = {"title": title.strip(), "team": team.strip(), "location": location.strip()}
    try:
        if person_id is None:
            raise KnowhowError("link the account to a person first")
        changes = PersonPatch(**fields).model_dump(exclude_none=True)
        people.update_person(services, viewer, person_id, changes)
    except ValidationError as exc:
        error = exc.errors()[0]
        return _detail_page(request, services, viewer, user_id, status_code=422, person_form=fields,
                            error=as_sentence(f"{error['loc'][0]}: {error['msg']}"), error_field=error["loc"][0])
    except KnowhowError as exc:
        return _detail_page(request, services, viewer, user_id, status_code=_status(exc), person_form=fields,
                            error=as_sentence(str(exc)), error_field=exc.field)
    return _done(user_id, "Saved their directory fields.")
