"""Requests to fill knowledge gaps: L&D asks an expert to write what a gap topic is missing; the expert
(and L&D) see and settle them, as requests of kind `gap` (web/actions/requests.py). Nobody else reads them."""

from __future__ import annotations

from models.errors import ForbiddenError, InvalidInputError, NotFoundError
from web.actions import requests
from web.actions.inbox import actor_name, party, quoted
from web.actions.policy import may_manage_person, require_lnd
from web.auth import Viewer
from web.services import Services


def request_gap(services: Services, viewer: Viewer, label: str, query_ids: list[str], expert_id: str,
                note: str = "") -> int:
    """Signed by whoever asks (L&D), like every request."""
    require_lnd(viewer, "asks experts to fill gaps")
    query_ids = [q for q in dict.fromkeys(q.strip() for q in query_ids) if q]
    if not query_ids:
        raise InvalidInputError("a gap request needs the questions of its topic", field="query_ids")
    if services.store.get_person(expert_id) is None:
        raise NotFoundError(f"no person with id {expert_id!r}")
    store = services.store
    with store.transaction():  # the expert hears of exactly the requests that were made
        request_id = store.add_request("gap", party(viewer), label.strip(), note.strip(), assignee=expert_id,
                                       detail={"query_ids": query_ids})
        store.notify([expert_id], "gap_request",
                     f"{actor_name(services, viewer)} (L&D) asked you to write about {quoted(label)}",
                     f"/people/{expert_id}#content-requests", actor=party(viewer))
    return request_id


def gap_requests(services: Services, viewer: Viewer, expert_id: str | None = None,
                 status: str | None = None) -> list[dict]:
    """L&D sees every request; an expert the ones addressed to them."""
    if viewer.role != "lnd":
        if not viewer.person_id or expert_id not in (None, viewer.person_id):
            raise ForbiddenError("you can see the requests addressed to you only")
        expert_id = viewer.person_id
    requests.expire_overdue(services)
    rows = services.store.list_requests(kind="gap", assignee=expert_id, statuses=[status] if status else None,
                                        limit=10_000)
    return [requests.view(services, viewer, r) for r in rows]


def requests_for_profile(services: Services, viewer: Viewer, person_id: str) -> list[dict]:
    """The requests a profile page lists: only to the expert asked and to L&D."""
    return gap_requests(services, viewer, person_id) if may_manage_person(viewer, person_id) else []
