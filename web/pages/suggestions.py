"""Suggested changes to official content on the pages: the "Suggest a change" form (what an official
item's edit page is for everyone but L&D), withdrawing one's own, and L&D's review (the waiting list and
each suggestion as a diff, approved or rejected with a reason). The rules are in `web.actions.suggestions`;
every form works without JavaScript (a 303 on)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import pass_context

from models.errors import InvalidInputError
from web.actions import content
from web.actions import suggestions as actions
from web.auth import Contributor, Employee, Viewer, resolve_viewer
from web.deps import ServicesDep
from web.pages.common import Pager, as_sentence, reactor_names
from web.pages.forms import ContentForm, split_list
from web.pages.render import render, templates
from web.params import ContentId, PageNumber, RowId
from web.services import Services

router = APIRouter(tags=["pages"], include_in_schema=False)
PAGE_SIZE = 25
Status = Literal["pending", "approved", "rejected", "withdrawn"]


@pass_context
def pending_suggestions(context) -> int:
    """The count beside "Suggestions" in L&D's navigation."""
    request = context["request"]
    return actions.pending_count(request.app.state.services, resolve_viewer(request))


templates.env.globals.update(pending_suggestions=pending_suggestions)


def suggest_form(request: Request, services: Services, item: dict, form: ContentForm, note: str = "",
                 errors: dict | None = None) -> HTMLResponse:
    """An official item's edit page for anyone but L&D: the same fields, saved as a suggestion."""
    return render(request, "suggest.html", status_code=422 if errors else 200, section="content", item=item,
                  form=form, note=note, errors=errors or {})


@router.post("/content/{content_id}/suggestions", response_class=HTMLResponse)
def suggest(request: Request, services: ServicesDep, viewer: Contributor, content_id: ContentId,
            title: Annotated[str, Form(max_length=1000)] = "", body: Annotated[str, Form()] = "",
            kind: Annotated[str, Form(max_length=100)] = "", tags: Annotated[str, Form(max_length=5000)] = "",
            note: Annotated[str, Form(max_length=5000)] = ""):
    item = content.visible_item(services, viewer, content_id)
    form = ContentForm(title, body, kind, tags)
    errors = form.check(choose_author=False)
    if not errors:
        try:
            actions.suggest(services, viewer, content_id, {"title": title, "body": body, "kind": kind,
                                                           "tags": split_list(tags)}, note)
        except InvalidInputError as exc:
            errors = {exc.field if exc.field in ("title", "body", "kind", "tags", "note") else "form":
                      as_sentence(str(exc))}
    if errors:
        return suggest_form(request, services, item, form, note, errors)
    return RedirectResponse(f"/content/{content_id}?suggested=1#suggestions", status_code=303)


@router.post("/suggestions/{suggestion_id}/withdraw")
def withdraw(services: ServicesDep, viewer: Employee, suggestion_id: RowId) -> RedirectResponse:
    row = actions.withdraw(services, viewer, suggestion_id)
    return RedirectResponse(f"/content/{row['content_id']}?withdrawn=1#suggestions", status_code=303)


@router.get("/lnd/suggestions", response_class=HTMLResponse)
def suggestions(request: Request, services: ServicesDep, viewer: Employee, status: Status = "pending",
                page: PageNumber = 1, approved: Annotated[int | None, Query(ge=1)] = None,
                rejected: Annotated[int | None, Query(ge=1)] = None) -> HTMLResponse:
    """Suggested changes newest first, those waiting by default: everyone's for L&D, one's own otherwise."""
    pager = Pager(page, PAGE_SIZE, 0)
    rows, pager.total = actions.listing(services, viewer, status, PAGE_SIZE, pager.offset)
    decided = None
    if approved or rejected:
        decided = actions.suggestion(services, viewer, approved or rejected)
    return render(request, "suggestions.html", section="lnd", rows=rows, pager=pager, status=status,
                  names=reactor_names(services.store, (row["suggester"] for row in rows)), decided=decided)


def _review(request: Request, services: Services, viewer: Viewer, suggestion_id: int, errors: dict | None = None,
            reason: str = "") -> HTMLResponse:
    shown = actions.review(services, viewer, suggestion_id)
    suggester = shown["suggestion"]["suggester"]
    return render(request, "suggestion.html", status_code=422 if errors else 200, section="lnd", errors=errors or {},
                  reason=reason, suggester=reactor_names(services.store, [suggester])[suggester], **shown)


@router.get("/lnd/suggestions/{suggestion_id}", response_class=HTMLResponse)
def suggestion(request: Request, services: ServicesDep, viewer: Employee, suggestion_id: RowId) -> HTMLResponse:
    """One suggestion: the change as a diff against the item's current text, and L&D's two buttons."""
    return _review(request, services, viewer, suggestion_id)


@router.post("/lnd/suggestions/{suggestion_id}/approve")
def approve(services: ServicesDep, viewer: Employee, suggestion_id: RowId) -> RedirectResponse:
    actions.approve(services, viewer, suggestion_id)
    return RedirectResponse(f"/lnd/suggestions?approved={suggestion_id}", status_code=303)


@router.post("/lnd/suggestions/{suggestion_id}/reject", response_class=HTMLResponse)
def reject(request: Request, services: ServicesDep, viewer: Employee, suggestion_id: RowId,
           reason: Annotated[str, Form(max_length=5000)] = ""):
    try:
        actions.reject(services, viewer, suggestion_id, reason)
    except InvalidInputError as exc:
        if exc.field != "reason":
            raise
        return _review(request, services, viewer, suggestion_id, {"reason": as_sentence(str(exc))}, reason)
    return RedirectResponse(f"/lnd/suggestions?rejected={suggestion_id}", status_code=303)
