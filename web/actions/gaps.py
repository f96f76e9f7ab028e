"""Requests to fill knowledge gaps: L&D asks an expert to write what a gap topic is missing; the expert
(and L&D) see and settle them. Nobody else reads them."""

from __future__ import annotations

from models.errors import ForbiddenError, NotFoundError
from web.actions.inbox import actor_name, party, quoted
from web.actions.policy import may_manage_person, require_lnd
from web.auth import Viewer
from web.services import Services


def request_gap(services: Services, viewer: Viewer, label: str, query_ids: list[str], expert_id: str,
                note: str = "", requested_by: str | None = None) -> int:
    require_lnd(viewer, "asks experts to fill gaps")
    requested_by = requested_by or viewer.person_id or viewer.username
    store = services.store
    with store.transaction():  # the expert hears of exactly the requests that were made
        request_id = store.request_gap(label, query_ids, expert_id, requested_by, note)
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
    return services.store.gap_requests(expert_id, status)


def requests_for_profile(services: Services, viewer: Viewer, person_id: str) -> list[dict]:
    """The requests a profile page lists: only to the expert asked and to L&D."""
    return services.store.gap_requests(expert_id=person_id) if may_manage_person(viewer, person_id) else []


def settle_gap_request(services: Services, viewer: Viewer, request_id: int, status: str,
                       content_id: str | None = None) -> None:
    """L&D, or the expert asked, marks a request addressed (with the new item) or declined."""
    if viewer.role != "lnd":
        mine = viewer.person_id and any(r["id"] == request_id for r in services.store.gap_requests(viewer.person_id))
        if not mine:
            raise NotFoundError(f"no gap request {request_id} addressed to you")
    services.store.set_gap_request_status(request_id, status, content_id)
