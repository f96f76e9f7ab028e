"""The requests page: what one asked of others and what others asked of one (content, gaps, questions,
mentoring) in one list with one set of states, and the buttons that move them. Rules: web.actions.requests."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from models.request_store import REQUEST_KINDS, REQUEST_STATES
from web.actions import requests as actions
from web.auth import Employee
from web.deps import ServicesDep
from web.pages.account import safe_next
from web.pages.render import render
from web.params import RowId

router = APIRouter(prefix="/requests", tags=["pages"], include_in_schema=False)
Kind = Literal["content", "gap", "question", "mentoring"]
State = Literal["open", "in_progress", "done", "declined", "expired"]


@router.get("", response_class=HTMLResponse)
def requests_page(request: Request, services: ServicesDep, viewer: Employee, kind: Kind | None = None,
                  status: State | None = None) -> HTMLResponse:
    """The viewer's own requests, both ways; L&D also sees everyone's open ones."""
    return render(request, "requests.html", section="requests", kind=kind, status=status, kinds=REQUEST_KINDS,
                  states=REQUEST_STATES, **actions.overview(services, viewer, kind, status))


@router.post("/{request_id}/status")
def move(services: ServicesDep, viewer: Employee, request_id: RowId, status: Annotated[State, Form()],
         next: Annotated[str, Form(max_length=2000)] = "/requests") -> RedirectResponse:
    """Accept, decline, mark done or end a request, then back to the page the button was on."""
    actions.settle(services, viewer, request_id, status)
    return RedirectResponse(safe_next(next), status_code=303)
