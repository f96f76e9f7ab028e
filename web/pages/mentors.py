"""Find a mentor: opted-in colleagues ranked by fit and room, a request form, and the mentor's answer."""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from models.errors import ConflictError, InvalidInputError, NotFoundError
from web.deps import FinderDep, StoreDep
from web.mentoring import rank_mentors
from web.pages.people import found
from web.pages.render import render

router = APIRouter(prefix="/mentors", tags=["pages"], include_in_schema=False)
CANDIDATES = 30  # fitting mentors fetched, so the load-spreading re-rank has room to reorder
SHOWN = 6


@router.get("", response_class=HTMLResponse)
def find(request: Request, finder: FinderDep, store: StoreDep, q: str = "", team: str = "",
         location: str = "") -> HTMLResponse:
    matches, error = None, None
    if q.strip():
        try:
            experts = finder.experts(q, k=CANDIDATES, mentor_only=True, source="web")
        except InvalidInputError as exc:
            error, experts = str(exc), []
        people = store.people_by_ids(e.id for e in experts)
        matches = rank_mentors(experts, people, store.accepted_mentees(people), team, location, SHOWN)
    return render(request, "mentors.html", section="mentors", q=q, team=team, location=location, matches=matches,
                  error=error, teams=store.teams(), locations=store.locations())


def _request_page(request: Request, store, mentor: dict, goal: str, mentee: str, message: str,
                  errors: dict[str, str]) -> HTMLResponse:
    return render(request, "mentor_request.html", status_code=422 if errors else 200, section="mentors",
                  mentor=mentor, goal=goal, mentee=mentee, message=message, errors=errors,
                  people=[p for p in store.person_names() if p[0] != mentor["id"]])


@router.get("/request", response_class=HTMLResponse)
def request_form(request: Request, store: StoreDep, mentor: str, q: str = "") -> HTMLResponse:
    return _request_page(request, store, found(store, mentor), q, "", "", {})


@router.post("/request", response_class=HTMLResponse)
def send_request(request: Request, store: StoreDep, mentor: Annotated[str, Form()] = "",
                 goal: Annotated[str, Form()] = "", mentee: Annotated[str, Form()] = "",
                 message: Annotated[str, Form()] = ""):
    person = found(store, mentor)
    errors = {}
    if not store.existing_person_ids([mentee]):
        errors["mentee"] = "Choose who is asking."
    elif mentee == mentor:
        errors["mentee"] = "You cannot ask yourself; choose who is asking."
    if not message.strip():
        errors["message"] = "Say in a sentence or two what you hope to learn."
    if not errors:
        try:
            store.request_mentoring(mentor, mentee, goal.strip(), message.strip())
        except (InvalidInputError, ConflictError) as exc:
            errors["form"] = str(exc).capitalize() + "."
    if errors:
        return _request_page(request, store, person, goal, mentee, message, errors)
    return RedirectResponse(f"/people/{mentee}?" + urlencode({"requested": mentor}) + "#mentoring", status_code=303)


@router.post("/requests/{request_id}/{decision}")
def decide(store: StoreDep, request_id: int, decision: Literal["accept", "decline"]):
    """Until accounts exist (a later issue), whoever opens the mentor's profile can answer for them."""
    row = store.get_mentoring_request(request_id)
    if row is None:
        raise NotFoundError(f"There is no mentoring request {request_id}.")
    store.decide_mentoring(request_id, decision == "accept")
    return RedirectResponse(f"/people/{row['mentor_id']}#mentoring", status_code=303)
