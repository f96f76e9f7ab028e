"""Mentoring: finding a mentor for a goal, asking one, and the mentor's answer.

A request (who asked, their goal, their message) is between the two people: only they and L&D see it.
Everyone else sees how many mentee places a mentor has taken, nothing more.
"""

from __future__ import annotations

from models.errors import ConflictError, InvalidInputError
from web.actions import requests
from web.actions.inbox import actor_name, party, quoted
from web.actions.people import find_person
from web.actions.policy import may_manage_person
from web.actions.search import who_asks
from web.auth import Viewer
from finder.mentors import MentorMatch, rank_mentors
from web.services import Services

CANDIDATES = 30  # fitting mentors fetched, so the load-spreading re-rank has room to reorder
MAX_MESSAGE = 2000


def find_mentors(services: Services, viewer: Viewer, goal: str, team: str = "", location: str = "",
                 k: int = 6) -> list[MentorMatch]:
    """Opted-in mentors for a goal, ranked by fit and by room for another mentee."""
    experts = services.finder.experts(goal, k=CANDIDATES, mentor_only=True, source="web",
                                      asker=who_asks(viewer, None), audience=viewer.audience)
    people = services.store.people_by_ids(e.id for e in experts)
    return rank_mentors(experts, people, services.store.assigned_counts("mentoring", "in_progress", people), team,
                        location, k)


def request_problem(viewer: Viewer, mentor_id: str) -> str | None:
    """Why this account cannot ask this mentor, if it cannot: requests are sent as oneself."""
    if viewer.person_id is None:
        return ("your account is not linked to a person in the directory, so it cannot ask for mentoring; "
                "ask L&D to link it")
    if viewer.person_id == mentor_id:
        return "you cannot ask yourself for mentoring"
    return None


def ask_mentor(services: Services, viewer: Viewer, mentor_id: str, goal: str, message: str) -> int:
    """A new hire asks an opted-in mentor; one open request per pair at a time."""
    mentor = find_person(services, mentor_id)
    if problem := request_problem(viewer, mentor_id):
        raise InvalidInputError(problem)
    if not mentor["mentor"] or mentor.get("availability") == "not_now":
        raise InvalidInputError("this person is not taking mentees at the moment")
    if not message.strip():
        raise InvalidInputError("say in a sentence or two what you hope to learn", field="message")
    if len(message) > MAX_MESSAGE or len(goal) > MAX_MESSAGE:
        raise InvalidInputError(f"keep the message under {MAX_MESSAGE} characters", field="message")
    store = services.store
    with store.transaction():  # the mentor hears of exactly the requests that were made
        if store.active_request_between("mentoring", viewer.person_id, mentor_id):
            raise ConflictError("you already have an open mentoring request with this person")
        request_id = store.add_request("mentoring", viewer.person_id, goal.strip(), message.strip(),
                                       assignee=mentor_id)
        store.notify([mentor_id], "mentor_request",
                     f"{actor_name(services, viewer)} asked you for mentoring: {quoted(goal.strip() or message)}",
                     f"/people/{mentor_id}#mentoring", actor=party(viewer))
    return request_id


def decide(services: Services, viewer: Viewer, request_id: int, accept: bool) -> dict:
    """The mentor asked (or L&D) accepts or declines: a move of the request like any other."""
    return requests.settle(services, viewer, request_id, "in_progress" if accept else "declined")


def mentoring_of(services: Services, viewer: Viewer, person_id: str) -> dict:
    """What a profile shows about mentoring: places taken for everyone; the requests themselves only to
    the two people in each (and L&D)."""
    requests.expire_overdue(services)
    incoming = services.store.list_requests(kind="mentoring", assignee=person_id, statuses=("open", "in_progress"))
    private = may_manage_person(viewer, person_id)
    shown = [requests.view(services, viewer, r) for r in incoming if private or r["requester"] == party(viewer)]
    sent = services.store.list_requests(kind="mentoring", requester=person_id) if private else []
    return {
        "taken": sum(r["status"] == "in_progress" for r in incoming),
        "pending": [r for r in shown if r["status"] == "open"],
        "mentees": [r for r in shown if r["status"] == "in_progress"],
        "sent": [requests.view(services, viewer, r) for r in sent],
    }
