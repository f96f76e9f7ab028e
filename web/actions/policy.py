"""Who may do what with a record: the permission predicates every action (and page template) asks."""

from __future__ import annotations

from models.errors import ForbiddenError
from web.auth import Viewer


def can_edit(viewer: Viewer, item: dict) -> bool:
    """Authors (and whoever created the item) edit it; L&D edits anything. Official content (safety,
    compliance) stays L&D's: its authors, like everyone else, suggest changes instead."""
    if viewer.role == "lnd":
        return True
    if not viewer.at_least("contributor") or item.get("official"):
        return False
    return (viewer.person_id is not None and viewer.person_id in item.get("authors", [])) or (
        viewer.username is not None and item.get("created_by") == viewer.username
    )


def require_editor(viewer: Viewer, item: dict) -> None:
    """Refuse whoever may not edit the item, with the reason that holds: the role check has already let
    a contributor in, so what stops them is not being among its authors."""
    if can_edit(viewer, item):
        return
    if suggests_changes(viewer, item):
        raise ForbiddenError("official content is kept by L&D: suggest your change instead "
                             f"(POST /api/content/{item['id']}/suggestions) and L&D reviews it")
    raise ForbiddenError("only its authors and L&D may edit it")


def suggests_changes(viewer: Viewer, item: dict) -> bool:
    """Whether the viewer changes the item by suggesting an edit for L&D to approve: any contributor who can
    see an official item (its authors included), except L&D, who edit it directly."""
    return bool(item.get("official")) and viewer.role != "lnd" and viewer.at_least("contributor")


def decides_suggestions(viewer: Viewer) -> bool:
    """L&D approve or reject suggested changes to official content."""
    return viewer.role == "lnd"


def publishes_for_others(viewer: Viewer) -> bool:
    """Whether the viewer names an item's authors and sets its official mark (L&D), or writes as
    themselves with the mark left as it is (everyone else)."""
    return viewer.role == "lnd"


def may_manage_person(viewer: Viewer, person_id: str) -> bool:
    """A profile is edited, and mentoring requests to it answered, by its person or by L&D."""
    return viewer.role == "lnd" or (viewer.person_id is not None and viewer.person_id == person_id)


def require_lnd(viewer: Viewer, doing: str) -> None:
    """Refuse anyone but L&D (and the CLI acting as L&D): `doing` says what, in the error."""
    if viewer.role != "lnd":
        raise ForbiddenError(f"only L&D {doing}")
