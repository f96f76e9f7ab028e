"""Find a mentor: opted-in colleagues ranked by fit and room, a request form, and the mentor's answer."""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Form, HTTPException, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse

from models.errors import ConflictError, InvalidInputError, NotFoundError
from web.auth import Employee, Reader, Viewer
from web.deps import FinderDep, StoreDep
from web.mentoring import rank_mentors
from web.pages.people import found, may_manage
from web.pages.render import render

router = APIRouter(prefix="/mentors", tags=["pages"], include_in_schema=False)
CANDIDATES = 30  # fitting mentors fetched, so the load-spreading re-rank has room to reorder
SHOWN = 6


@router.get("", response_class=HTMLResponse)
def find(request: Request, finder: FinderDep, store: StoreDep, viewer: Reader, q: str = "", team: str = "",
         location: str = "") -> HTMLResponse:
    matches, error = None, None
    if q.strip():
        try:
            experts = finder.experts(q, k=CANDIDATES, mentor_only=True, source="web", asker=viewer.person_id,
                                     audience=viewer.audience)
        except InvalidInputError as exc:
            error, experts = str(exc), []
        people = store.people_by_ids(e.id for e in experts)
        matches = rank_mentors(experts, people, store.accepted_mentees(people), team, location, SHOWN)
    return render(request, "mentors.html", section="mentors", q=q, team=team, location=location, matches=matches,
                  error=error, teams=store.teams(), locations=store.locations())


def _request_page(request: Request, mentor: dict, goal: str, message: str, errors: dict[str, str]) -> HTMLResponse:
    return render(request, "mentor_request.html", status_code=422 if errors else 200, section="mentors",
                  mentor=mentor, goal=goal, message=message, errors=errors)


def _own_problem(viewer: Viewer, mentor_id: str) -> str | None:
    """Why the signed-in account cannot ask this mentor, if it cannot: requests are sent as oneself."""
    if viewer.person_id is None:
        return "Your account is not linked to a person in the directory, so it cannot ask for mentoring; ask L&D to link it."
    if viewer.person_id == mentor_id:
        return "You cannot ask yourself for mentoring."
    return None


@router.get("/request", response_class=HTMLResponse)
def request_form(request: Request, store: StoreDep, viewer: Employee, mentor: str, q: str = "") -> HTMLResponse:
    person = found(store, mentor)
    problem = _own_problem(viewer, mentor)
    return _request_page(request, person, q, "", {"form": problem} if problem else {})


@router.post("/request", response_class=HTMLResponse)
def send_request(request: Request, store: StoreDep, viewer: Employee, mentor: Annotated[str, Form()] = "",
                 goal: Annotated[str, Form(max_length=2000)] = "", message: Annotated[str, Form(max_length=2000)] = ""):
    person = found(store, mentor)
    errors = {}
    if problem := _own_problem(viewer, mentor):
        errors["form"] = problem
    if not message.strip():
        errors["message"] = "Say in a sentence or two what you hope to learn."
    if not errors:
        try:
            store.request_mentoring(mentor, viewer.person_id, goal.strip(), message.strip())
        except (InvalidInputError, ConflictError) as exc:
            errors["form"] = str(exc).capitalize() + "."
    if errors:
        return _request_page(request, person, goal, message, errors)
    return RedirectResponse(f"/people/{viewer.person_id}?" + urlencode({"requested": mentor}) + "#mentoring",
                            status_code=303)


@router.post("/requests/{request_id}/{decision}")
def decide(store: StoreDep, viewer: Employee, request_id: int, decision: Literal["accept", "decline"]):
    """Only the mentor asked (or L&D) accepts or declines."""
    row = store.get_mentoring_request(request_id)
    if row is None:
        raise NotFoundError(f"There is no mentoring request {request_id}.")
    if not may_manage(viewer, row["mentor_id"]):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "Only the mentor who was asked can answer this request.")
    store.decide_mentoring(request_id, decision == "accept")
    return RedirectResponse(f"/people/{row['mentor_id']}#mentoring", status_code=303)
