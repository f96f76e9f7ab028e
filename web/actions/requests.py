"""Requests, whatever their kind: who sees one, who moves it to which state, and who is told.

Everything someone asks of someone else is one request (models/request_store.py): a reader's content
request, L&D's gap request to an expert, a question to the experts, a mentoring request. They share
one life: `open` -> `in_progress` -> `done`, or `declined`, or `expired` when nobody acted in time.
The transitions each kind allows, and whose they are, are written once here (TRANSITIONS); questions
move through their own actions too (answering puts one in progress, accepting makes it done).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from models.errors import ConflictError, ForbiddenError, InvalidInputError, NotFoundError
from models.records import utc_now
from web.actions.inbox import actor_name, party, quoted
from web.actions.policy import may_manage_person
from web.auth import Viewer
from web.services import Services

EXPIRY_DAYS = 21  # an open request to one person (mentoring, a gap) that nobody answered in this long expires
EXPIRING_KINDS = ("mentoring", "gap")

REQUESTER, ASSIGNEE, LND, EITHER = "requester", "assignee", "lnd", "either"
# kind -> {(from, to): who may}. The assignee's moves are L&D's too (may_manage_person).
TRANSITIONS: dict[str, dict[tuple[str, str], str]] = {
    "mentoring": {("open", "in_progress"): ASSIGNEE, ("open", "declined"): ASSIGNEE,
                  ("in_progress", "done"): EITHER},
    "gap": {("open", "in_progress"): ASSIGNEE, ("open", "done"): ASSIGNEE, ("in_progress", "done"): ASSIGNEE,
            ("open", "declined"): ASSIGNEE, ("in_progress", "declined"): ASSIGNEE},
    "content": {("open", "done"): LND, ("open", "declined"): LND},
    "question": {("open", "declined"): LND, ("in_progress", "declined"): LND},
}

# How a kind's states read to people: an accepted mentoring is "accepted", an answered question "answered".
STATE_LABELS = {
    "mentoring": {"open": "waiting for an answer", "in_progress": "accepted", "done": "ended"},
    "gap": {"open": "asked", "in_progress": "being written", "done": "written"},
    "content": {"open": "open", "done": "published"},
    "question": {"open": "waiting for an expert", "in_progress": "answered, not yet accepted", "done": "answered"},
}
NOUNS = {"mentoring": "mentoring request", "gap": "request to write", "content": "content request",
         "question": "question"}
VERBS = {"in_progress": "accepted", "done": "completed", "declined": "declined"}


def label(request: dict) -> str:
    return STATE_LABELS.get(request["kind"], {}).get(request["status"], request["status"].replace("_", " "))


def involved(viewer: Viewer, request: dict) -> bool:
    """The requester, the person asked and L&D see a request; a question, like its page, every colleague."""
    return (viewer.role == "lnd" or request["requester"] == party(viewer)
            or (request["kind"] == "question" and viewer.signed_in)
            or (request["assignee"] is not None and may_manage_person(viewer, request["assignee"])))


def link(services: Services, request: dict) -> str:
    """Where to act on a request (or to see what answered it)."""
    kind = request["kind"]
    if kind == "question":
        return f"/questions/{services.store.question_of_request(request['id'])}"
    if kind == "mentoring":
        return f"/people/{request['assignee']}#mentoring"
    if request["content_id"]:  # a fulfilled gap or content request: what fulfilled it
        return f"/content/{request['content_id']}"
    return f"/people/{request['assignee']}#content-requests" if kind == "gap" else "/lnd/gaps#content-requests"


def view(services: Services, viewer: Viewer, request: dict) -> dict:
    """A request as the API and pages show it: its fields, its state in words, where to act, and which
    states the viewer may move it to."""
    return {**{k: v for k, v in request.items() if k != "detail"}, "query_ids": request["detail"].get("query_ids", []),
            "label": label(request), "link": link(services, request), "moves": moves(viewer, request)}


def moves(viewer: Viewer, request: dict) -> list[str]:
    return [to for (start, to), who in TRANSITIONS.get(request["kind"], {}).items()
            if start == request["status"] and _may(viewer, request, who)]


def _may(viewer: Viewer, request: dict, who: str) -> bool:
    if viewer.role == "lnd":
        return True
    mine = request["requester"] == party(viewer)
    assigned = request["assignee"] is not None and viewer.person_id == request["assignee"]
    return {REQUESTER: mine, ASSIGNEE: assigned, EITHER: mine or assigned, LND: False}[who]


def get(services: Services, viewer: Viewer, request_id: int) -> dict:
    """A request its parties (and L&D) see; to anyone else it does not exist."""
    expire_overdue(services)
    return view(services, viewer, _visible(services, viewer, request_id))


def _visible(services: Services, viewer: Viewer, request_id: int) -> dict:
    """The request if the viewer is involved; otherwise it does not exist for them (same error either way)."""
    missing = NotFoundError(f"there is no request {request_id}")
    try:
        request = services.store.get_request(request_id)
    except NotFoundError:
        raise missing from None
    if not involved(viewer, request):
        raise missing
    return request


def mine(services: Services, viewer: Viewer, kind: str | None = None, status: str | None = None) -> dict:
    """What the viewer asked of others, and what others asked of them (questions routed to them included)."""
    expire_overdue(services)
    statuses = [status] if status else None
    store = services.store
    sent = store.list_requests(kind=kind, requester=party(viewer), statuses=statuses)
    received = store.list_requests(kind=kind, assignee=viewer.person_id, statuses=statuses) if viewer.person_id else []
    if viewer.person_id and kind in (None, "question"):
        routed, _ = store.list_questions(routed_to=viewer.person_id, status=status, limit=100)
        received += store.requests_by_ids(q["request_id"] for q in routed)
        received.sort(key=lambda r: (r["created"], r["id"]), reverse=True)
    return {"sent": [view(services, viewer, r) for r in sent],
            "received": [view(services, viewer, r) for r in received]}


def overview(services: Services, viewer: Viewer, kind: str | None = None, status: str | None = None) -> dict:
    """What the requests page shows: the viewer's own both ways, and for L&D everyone's (open by default);
    `everyone` is None for anyone else."""
    lists = mine(services, viewer, kind, status)
    lists["everyone"] = every(services, viewer, kind, status or "open") if viewer.role == "lnd" else None
    return lists


def every(services: Services, viewer: Viewer, kind: str | None = None, status: str | None = None,
          limit: int = 100, offset: int = 0) -> list[dict]:
    """All requests, for L&D."""
    if viewer.role != "lnd":
        raise ForbiddenError("only L&D lists everyone's requests")
    expire_overdue(services)
    rows = services.store.list_requests(kind=kind, statuses=[status] if status else None, limit=limit, offset=offset)
    return [view(services, viewer, r) for r in rows]


def settle(services: Services, viewer: Viewer, request_id: int, status: str, content_id: str | None = None) -> dict:
    """Move a request to `status` if its kind allows that from where it stands and the move is the viewer's;
    the other party is told. `content_id`: the item that fulfils a gap or content request."""
    store = services.store
    request = _visible(services, viewer, request_id)
    allowed = TRANSITIONS.get(request["kind"], {})
    who = allowed.get((request["status"], status))
    if who is None:
        if request["status"] == status:
            raise ConflictError(f"this {NOUNS[request['kind']]} is already {label(request)}")
        raise ConflictError(f"a {NOUNS[request['kind']]} that is {label(request)} cannot become "
                            f"{label({**request, 'status': status})}")
    if not _may(viewer, request, who):
        raise ForbiddenError(f"only {_whose(who, request['kind'])} can do that")
    if content_id is not None:
        if request["kind"] not in ("gap", "content") or status != "done":
            raise InvalidInputError("only a gap or content request that is done names the item that fulfils it",
                                    field="content_id")
        if store.get_content(content_id) is None:
            raise InvalidInputError(f"no content with id {content_id!r}", field="content_id")
    with store.transaction():
        store.set_request_status(request_id, status, content_id)
        if request["kind"] == "question":
            question_id = store.question_of_request(request_id)
            store.update_question(question_id, escalate_at=None, lnd_queue=0)
            store.stop_waiting(question_id)
        _tell(services, viewer, {**request, "status": status, "content_id": content_id or request["content_id"]})
    return view(services, viewer, store.get_request(request_id))


def _whose(who: str, kind: str) -> str:
    asked = {"mentoring": "the mentor who was asked", "gap": "the expert who was asked"}.get(kind, "L&D")
    return {REQUESTER: "the person who asked", ASSIGNEE: f"{asked} (or L&D)", LND: "L&D",
            EITHER: "the two people in it (or L&D)"}[who]


def _verb(request: dict) -> str:
    return "ended" if request["kind"] == "mentoring" and request["status"] == "done" else VERBS[request["status"]]


def _tell(services: Services, viewer: Viewer, request: dict) -> None:
    """The other party hears of a move: the requester when the person asked (or L&D) acted, the mentor when
    a mentee ended the mentoring."""
    me = party(viewer)
    if request["requester"] != me:
        recipient, whose = request["requester"], "your "
    elif request["assignee"] and request["assignee"] != me:
        recipient, whose = request["assignee"], "the "
    else:
        return
    about = f" about {quoted(request['subject'])}" if request["subject"] else ""
    services.store.notify([recipient], "mentor_decision" if request["kind"] == "mentoring" else "request_update",
                          f"{actor_name(services, viewer)} {_verb(request)} {whose}{NOUNS[request['kind']]}"
                          f"{about}", link(services, request), actor=me)


def expire_overdue(services: Services, now: datetime | None = None) -> int:
    """Open mentoring and gap requests nobody answered in EXPIRY_DAYS expire, and their requesters are told
    so they can ask someone else. Runs before requests are read, so nothing depends on a timer."""
    store = services.store
    before = ((now or utc_now()) - timedelta(days=EXPIRY_DAYS)).isoformat()
    overdue = store.requests_waiting_since(EXPIRING_KINDS, before)
    if not overdue:
        return 0
    with store.transaction():
        for request in overdue:
            store.set_request_status(request["id"], "expired")
            asked = request["assignee_name"] or request["assignee"]
            again = "/mentors" if request["kind"] == "mentoring" else "/lnd/gaps"
            store.notify([request["requester"]], "request_expired",
                         f"{asked} did not answer your {NOUNS[request['kind']]} in {EXPIRY_DAYS} days"
                         + (f" ({quoted(request['subject'])})" if request["subject"] else "")
                         + ": it has expired, so you can ask someone else", again)
    return len(overdue)
