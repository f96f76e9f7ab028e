"""Find a mentor: opted-in colleagues ranked by fit and room, a request form, and the mentor's answer."""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from models.errors import ConflictError, InvalidInputError
from web.actions import mentoring as actions
from web.auth import Employee, Reader
from web.deps import ServicesDep
from web.pages.people import found
from web.pages.common import as_sentence
from web.pages.render import render
from web.params import RowId

router = APIRouter(prefix="/mentors", tags=["pages"], include_in_schema=False)
SHOWN = 6


@router.get("", response_class=HTMLResponse)
def find(request: Request, services: ServicesDep, viewer: Reader, q: str = "", team: str = "",
         location: str = "") -> HTMLResponse:
    matches, error = None, None
    if q.strip():
        try:
            matches = actions.find_mentors(services, viewer, q, team, location, SHOWN)
        except InvalidInputError as exc:
            error, matches = str(exc), []
    return render(request, "mentors.html", section="mentors", q=q, team=team, location=location, matches=matches,
                  error=error, teams=services.store.teams(), locations=services.store.locations())


def _request_page(request: Request, mentor: dict, goal: str, message: str, errors: dict[str, str]) -> HTMLResponse:
    return render(request, "mentor_request.html", status_code=422 if errors else 200, section="mentors",
                  mentor=mentor, goal=goal, message=message, errors=errors)



@router.get("/request", response_class=HTMLResponse)
def request_form(request: Request, services: ServicesDep, viewer: Employee, mentor: str, q: str = "") -> HTMLResponse:
    person = found(services, mentor)
    problem = actions.request_problem(viewer, mentor)
    return _request_page(request, person, q, "", {"form": as_sentence(problem)} if problem else {})


@router.post("/request", response_class=HTMLResponse)
def send_request(request: Request, services: ServicesDep, viewer: Employee, mentor: Annotated[str, Form()] = "",
                 goal: Annotated[str, Form(max_length=2000)] = "", message: Annotated[str, Form(max_length=2000)] = ""):
    person = found(services, mentor)
    try:
        actions.ask_mentor(services, viewer, mentor, goal, message)
    except (InvalidInputError, ConflictError) as exc:
        return _request_page(request, person, goal, message, {exc.field or "form": as_sentence(str(exc))})
    return RedirectResponse(f"/people/{viewer.person_id}?" + urlencode({"requested": mentor}) + "#mentoring",
                            status_code=303)


@router.post("/requests/{request_id}/{decision}")
def decide(services: ServicesDep, viewer: Employee, request_id: RowId, decision: Literal["accept", "decline"]):
    """Only the mentor asked (or L&D) accepts or declines."""
    row = actions.decide(services, viewer, request_id, decision == "accept")
    return RedirectResponse(f"/people/{row['assignee']}#mentoring", status_code=303)
