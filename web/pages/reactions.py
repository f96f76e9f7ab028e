"""What readers say on the pages: whether a search helped, ratings, comments, thanks, and reading time.

Every form works without JavaScript (a 303 back to the page it came from); with htmx the same post
swaps in just the region it changed.
"""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request, Response, status
from fastapi.responses import HTMLResponse, RedirectResponse

from models.errors import NotFoundError
from models.records import Feedback
from web.api.reactions import signature
from web.auth import Employee
from web.deps import StoreDep
from web.pages.content import ContentId, found, reactions
from web.pages.render import is_htmx, render

router = APIRouter(tags=["pages"], include_in_schema=False)
QueryId = Annotated[str, Form(min_length=1, max_length=64)]


@router.post("/feedback", response_class=HTMLResponse)
def search_feedback(request: Request, store: StoreDep, viewer: Employee, query_id: QueryId,
                    helpful: Annotated[Literal["yes", "no"], Form()],
                    content_id: Annotated[str, Form(max_length=128)] = "",
                    comment: Annotated[str, Form(max_length=2000)] = ""):
    """"Did this help?" for a whole search (no content_id) or for one of its results."""
    query = store.get_query(query_id)
    if query is None:
        raise NotFoundError("That search is no longer on record; ask the question again.")
    if content_id:
        found(store, viewer, content_id)
    store.add_feedback(Feedback(query_id=query_id, content_id=content_id or None, helpful=helpful == "yes",
                                comment=comment.strip(), person_id=viewer.person_id))
    if is_htmx(request):
        return render(request, "_thanks.html", content_id=content_id, helpful=helpful == "yes")
    # Back to the results, marked so the question is not logged a second time.
    return RedirectResponse("/?" + urlencode({"q": query["text"], "thanks": 1}), status_code=303)


def _back(request: Request, store, viewer, content_id: str, partial: str, anchor: str):
    if is_htmx(request):
        item = store.get_content(content_id)
        return render(request, partial, item=item, **reactions(store, viewer, content_id))
    return RedirectResponse(f"/content/{content_id}#{anchor}", status_code=303)


@router.post("/content/{content_id}/rating", response_class=HTMLResponse)
def rate(request: Request, store: StoreDep, viewer: Employee, content_id: ContentId,
         stars: Annotated[int, Form(ge=1, le=5)]):
    """One rating per reader; rating again replaces it."""
    found(store, viewer, content_id)
    store.rate(content_id, signature(viewer), stars)
    return _back(request, store, viewer, content_id, "_rating.html", "rating")


@router.post("/content/{content_id}/comments", response_class=HTMLResponse)
def comment(request: Request, store: StoreDep, viewer: Employee, content_id: ContentId,
            body: Annotated[str, Form(max_length=5000)] = "",
            parent_id: Annotated[int | None, Form(ge=1, le=2**62)] = None):
    """A comment, or a reply to one (threads are one level deep)."""
    found(store, viewer, content_id)
    if body.strip():  # an empty comment (the field is `required` in the form) is simply not saved
        store.add_comment(content_id, signature(viewer), body.strip(), parent_id)
    return _back(request, store, viewer, content_id, "_comments.html", "comments")


@router.post("/content/{content_id}/thanks", response_class=HTMLResponse)
def thank(request: Request, store: StoreDep, viewer: Employee, content_id: ContentId):
    """Thank the authors (once per reader): it counts toward their recognition."""
    found(store, viewer, content_id)
    if not store.thanked(content_id, signature(viewer)):
        store.thank(content_id, signature(viewer))
    return _back(request, store, viewer, content_id, "_kudos.html", "kudos")


@router.post("/events/dwell", status_code=status.HTTP_204_NO_CONTENT)
def dwell(store: StoreDep, viewer: Employee, content_id: Annotated[str, Form(max_length=128)],
          seconds: Annotated[float, Form(ge=0, le=86_400)],
          query_id: Annotated[str, Form(max_length=64)] = "") -> Response:
    """Seconds a content page was visible, sent by knowhow.js when it is hidden or left."""
    found(store, viewer, content_id)
    query_id = query_id if query_id and store.get_query(query_id) else ""
    store.record_event("dwell", content_id, query_id or None, viewer.person_id, round(seconds, 1))
    return Response(status_code=status.HTTP_204_NO_CONTENT)
