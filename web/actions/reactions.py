"""What readers do with knowledge: rate it, comment, thank its authors, say whether a search helped, and
the usage events analytics read. Every reaction needs an item the reader may see: a hidden item answers
exactly like a missing one."""

from __future__ import annotations

from models.errors import InvalidInputError, NotFoundError
from models.records import Feedback
from web.actions.content import visible_item
from web.auth import Viewer
from web.services import Services


def signature(viewer: Viewer) -> str:
    """Reactions are signed by the person (or, for accounts without one, the user name)."""
    return viewer.person_id or f"user:{viewer.username}"


def rate(services: Services, viewer: Viewer, content_id: str, stars: int) -> tuple[float, int]:
    """One rating per reader and item (rating again replaces it); returns (mean stars, ratings)."""
    visible_item(services, viewer, content_id)
    services.store.rate(content_id, signature(viewer), stars)
    return services.store.rating_summary([content_id])[content_id]


def comments(services: Services, viewer: Viewer, content_id: str) -> list[dict]:
    visible_item(services, viewer, content_id)
    return services.store.comments_of(content_id)


def add_comment(services: Services, viewer: Viewer, content_id: str, body: str, parent_id: int | None = None) -> int:
    """A comment, or a reply to one (threads are one level deep)."""
    visible_item(services, viewer, content_id)
    body = body.strip()
    if not body:
        raise InvalidInputError("the comment is empty", field="body")
    return services.store.add_comment(content_id, signature(viewer), body, parent_id)


def thank(services: Services, viewer: Viewer, content_id: str) -> int:
    """Thank the authors of an item, once per reader; returns the item's thanks."""
    visible_item(services, viewer, content_id)
    if not services.store.thanked(content_id, signature(viewer)):
        services.store.thank(content_id, signature(viewer))
    return services.store.kudos_for_content([content_id]).get(content_id, 0)


def reactions_of(services: Services, viewer: Viewer, content_id: str) -> dict:
    """What a reader sees of an item's reactions: rating, their own stars, comments, thanks."""
    store = services.store
    who = signature(viewer) if viewer.signed_in else None
    return {
        "rating": store.rating_summary([content_id]).get(content_id),
        "my_stars": store.rating_by(content_id, who) if who else None,
        "comments": store.comments_of(content_id),
        "kudos": store.kudos_for_content([content_id]).get(content_id, 0),
        "thanked": store.thanked(content_id, who) if who else False,
    }


def search_feedback(services: Services, viewer: Viewer, query_id: str | None, content_id: str | None,
                    helpful: bool, comment: str = "") -> int:
    """Whether a search (or one of its results) helped."""
    if not query_id and not content_id:
        raise InvalidInputError("feedback needs a query_id, a content_id or both")
    if query_id and services.store.get_query(query_id) is None:
        raise NotFoundError(f"no logged query with id {query_id!r}; ask the question again")
    if content_id:
        visible_item(services, viewer, content_id)
    return services.store.add_feedback(Feedback(query_id=query_id, content_id=content_id, helpful=helpful,
                                                comment=comment.strip(), person_id=viewer.person_id))


def record_event(services: Services, viewer: Viewer, kind: str, content_id: str | None = None,
                 query_id: str | None = None, seconds: float | None = None) -> None:
    """A usage beacon (view, search result opened, seconds read); a stale query id is dropped, not fatal."""
    if content_id:
        visible_item(services, viewer, content_id)
    if query_id and services.store.get_query(query_id) is None:
        query_id = None
    services.store.record_event(kind, content_id, query_id, viewer.person_id, seconds)


def record_visit(services: Services, viewer: Viewer, content_id: str, query_id: str | None) -> str | None:
    """A reader opened an item's page: a view, and an open of the search it came from (gap detection reads
    it). Returns the query id when it is a real logged search."""
    record_event(services, viewer, "view", content_id)
    if query_id and services.store.get_query(query_id) is not None:
        record_event(services, viewer, "open", content_id, query_id)
        return query_id
    return None
