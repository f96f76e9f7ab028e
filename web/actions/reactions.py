"""What readers do with knowledge: rate it, comment, thank its authors, say whether a search helped, and
the usage events analytics read. Every reaction needs an item the reader may see: a hidden item answers
exactly like a missing one. Recognition is honest: authors do not rate or thank their own items, and the
authors hear about the ratings, thanks and comments others give (in their inbox, and by e-mail if chosen)."""

from __future__ import annotations

from models.errors import ForbiddenError, InvalidInputError, NotFoundError
from models.records import Feedback
from web.actions.content import visible_item
from web.actions.inbox import actor_name, party, quoted, who_may_see
from web.auth import Viewer
from web.services import Services


def signature(viewer: Viewer) -> str:
    """Reactions are signed by the person (or, for accounts without one, the user name): the viewer's party."""
    return party(viewer)


def is_author(viewer: Viewer, item: dict) -> bool:
    return viewer.person_id is not None and viewer.person_id in item["authors"]


def _not_own(viewer: Viewer, item: dict, doing: str) -> None:
    if is_author(viewer, item):
        raise ForbiddenError(f"authors cannot {doing} their own items")


def rate(services: Services, viewer: Viewer, content_id: str, stars: int) -> tuple[float, int]:
    """One rating per reader and item (rating again replaces it); returns (mean stars, ratings). The
    authors are told of a new rating or a changed one, not of the same stars given twice."""
    item = visible_item(services, viewer, content_id)
    _not_own(viewer, item, "rate")
    store, me = services.store, signature(viewer)
    with store.transaction():
        before = store.rating_by(content_id, me)
        store.rate(content_id, me, stars)
        if before != stars:
            store.notify(who_may_see(services, item["authors"], item), "rating",
                         f"{actor_name(services, viewer)} rated {quoted(item['title'])} {stars} of 5 stars",
                         f"/content/{content_id}#rating", actor=me)
    return store.rating_summary([content_id])[content_id]


def comments(services: Services, viewer: Viewer, content_id: str) -> list[dict]:
    visible_item(services, viewer, content_id)
    return services.store.comments_of(content_id)


def add_comment(services: Services, viewer: Viewer, content_id: str, body: str, parent_id: int | None = None) -> int:
    """A comment, or a reply to one (threads are one level deep)."""
    item = visible_item(services, viewer, content_id)
    body = body.strip()
    if not body:
        raise InvalidInputError("the comment is empty", field="body")
    store, me, name, title = services.store, signature(viewer), actor_name(services, viewer), quoted(item["title"])
    with store.transaction():
        comment_id = store.add_comment(content_id, me, body, parent_id)
        link = f"/content/{content_id}#comment-{comment_id}"
        store.notify(who_may_see(services, item["authors"], item), "comment",
                     f"{name} commented on {title}: {quoted(body)}", link, actor=me)
        replied_to = _comment_author(services, content_id, parent_id) if parent_id is not None else None
        if replied_to is not None and replied_to not in item["authors"]:  # an author is told once, as an author
            store.notify(who_may_see(services, [replied_to], item), "comment",
                         f"{name} replied to your comment on {title}: {quoted(body)}", link, actor=me)
    return comment_id


def _comment_author(services: Services, content_id: str, comment_id: int) -> str | None:
    for top in services.store.comments_of(content_id):
        for comment in [top, *top["replies"]]:
            if comment["id"] == comment_id:
                return comment["author"]
    return None


def thank(services: Services, viewer: Viewer, content_id: str) -> int:
    """Thank the authors of an item, once per reader; returns the item's thanks."""
    item = visible_item(services, viewer, content_id)
    _not_own(viewer, item, "thank")
    store, me = services.store, signature(viewer)
    with store.transaction():
        if not store.thanked(content_id, me):
            store.thank(content_id, me)
            store.notify(who_may_see(services, item["authors"], item), "thanks",
                         f"{actor_name(services, viewer)} thanked you for {quoted(item['title'])}",
                         f"/content/{content_id}#kudos", actor=me)
    return store.kudos_for_content([content_id]).get(content_id, 0)


def reactions_of(services: Services, viewer: Viewer, content_id: str) -> dict:
    """What a reader sees of an item's reactions: rating, their own stars, comments, thanks, and whether
    they wrote it (authors get no rate or thank controls)."""
    store = services.store
    who = signature(viewer) if viewer.signed_in else None
    return {
        "own": viewer.person_id is not None and viewer.person_id in store.authors_of([content_id]).get(content_id, []),
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
