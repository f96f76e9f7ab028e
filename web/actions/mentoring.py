"""Mentoring: finding a mentor for a goal, asking one, and the mentor's answer.

A request (who asked, their goal, their message) is between the two people: only they and L&D see it.
Everyone else sees how many mentee places a mentor has taken, nothing more.
"""

from __future__ import annotations

from models.errors import ForbiddenError, InvalidInputError, NotFoundError
from web.actions.inbox import actor_name, party, quoted
from web.actions.people import find_person
from web.actions.policy import may_manage_person
from web.actions.search import who_asks
from web.auth import Viewer
from finder.mentors import MentorMatch, rank_mentors
from web.services import Services

CANDIDATES = 30  # fitting mentors fetched, so the load-spreading re-rank has room to reorder


def find_mentors(services: Services, viewer: Viewer, goal: str, team: str = "", location: str = "",
                 k: int = 6) -> list[MentorMatch]:
    """Opted-in mentors for a goal, ranked by fit and by room for another mentee."""
    experts = services.finder.experts(goal, k=CANDIDATES, mentor_only=True, source="web",
                                      asker=who_asks(viewer, None), audience=viewer.audience)
    people = services.store.people_by_ids(e.id for e in experts)
    return rank_mentors(experts, people, services.store.accepted_mentees(people), team, location, k)


def request_problem(viewer: Viewer, mentor_id: str) -> str | None:
    """Why this account cannot ask this mentor, if it cannot: requests are sent as oneself."""
    if viewer.person_id is None:
        return ("your account is not linked to a person in the directory, so it cannot ask for mentoring; "
                "ask L&D to link it")
    if viewer.person_id == mentor_id:
        return "you cannot ask yourself for mentoring"
    return None


def ask_mentor(services: Services, viewer: Viewer, mentor_id: str, goal: str, message: str) -> int:
    find_person(services, mentor_id)
    if problem := request_problem(viewer, mentor_id):
        raise InvalidInputError(problem)
    if not message.strip():
        raise InvalidInputError("say in a sentence or two what you hope to learn", field="message")
    store = services.store
    with store.transaction():  # the mentor hears of exactly the requests that were made
        request_id = store.request_mentoring(mentor_id, viewer.person_id, goal.strip(), message.strip())
        store.notify([mentor_id], "mentor_request",
                     f"{actor_name(services, viewer)} asked you for mentoring: {quoted(goal.strip() or message)}",
                     f"/people/{mentor_id}#mentoring", actor=party(viewer))
    return request_id


def decide(services: Services, viewer: Viewer, request_id: int, accept: bool) -> dict:
    """Only the mentor asked (or L&D) accepts or declines; anyone else learns nothing about the request."""
    row = services.store.get_mentoring_request(request_id)
    if row is None or not (may_manage_person(viewer, row["mentor_id"]) or viewer.person_id == row["mentee_id"]):
        raise NotFoundError(f"there is no mentoring request {request_id}")
    if not may_manage_person(viewer, row["mentor_id"]):
        raise ForbiddenError("only the mentor who was asked can answer this request")
    store = services.store
    with store.transaction():
        decided = store.decide_mentoring(request_id, accept)
        mentor = store.get_person(row["mentor_id"])
        store.notify([row["mentee_id"]], "mentor_decision",
                     f"{mentor['name'] if mentor else row['mentor_id']} {decided['status']} your mentoring request"
                     + (f" about {quoted(row['goal'])}" if row["goal"] else ""),
                     f"/people/{row['mentor_id']}#mentoring", actor=party(viewer))
    return decided


def mentoring_of(services: Services, viewer: Viewer, person_id: str) -> dict:
    """What a profile shows about mentoring: places taken for everyone; the requests themselves only to
    the two people in each (and L&D)."""
    incoming = services.store.mentoring_requests(mentor_id=person_id)
    private = may_manage_person(viewer, person_id)
    shown = [r for r in incoming if private or (viewer.person_id is not None and r["mentee_id"] == viewer.person_id)]
    return {
        "taken": sum(r["status"] == "accepted" for r in incoming),
        "pending": [r for r in shown if r["status"] == "pending"],
        "mentees": [r for r in shown if r["status"] == "accepted"],
        "sent": services.store.mentoring_requests(mentee_id=person_id) if private else [],
    }
