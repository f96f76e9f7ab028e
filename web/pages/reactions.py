"""What readers say on the pages: whether a search helped, ratings, comments, thanks, and reading time.

Every form works without JavaScript (a 303 back to the page it came from); with htmx the same post
swaps in just the region it changed. The rules are in `web.actions.reactions`.
"""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request, Response, status
from fastapi.responses import HTMLResponse, RedirectResponse

from models.errors import InvalidInputError
from web.actions import reactions as actions
from web.auth import Employee, Viewer
from web.deps import ServicesDep
from web.pages.content import reactions
from web.pages.render import is_htmx, render
from web.params import MAX_ROW_ID, ContentId
from web.services import Services

router = APIRouter(tags=["pages"], include_in_schema=False)
QueryId = Annotated[str, Form(min_length=1, max_length=64)]


@router.post("/feedback", response_class=HTMLResponse)
def search_feedback(request: Request, services: ServicesDep, viewer: Employee, query_id: QueryId,
                    helpful: Annotated[Literal["yes", "no"], Form()],
                    content_id: Annotated[str, Form(max_length=128)] = "",
                    comment: Annotated[str, Form(max_length=2000)] = ""):
    """"Did this help?" for a whole search (no content_id) or for one of its results."""
    actions.search_feedback(services, viewer, query_id, content_id or None, helpful == "yes", comment)
    if is_htmx(request):
        return render(request, "_thanks.html", content_id=content_id, helpful=helpful == "yes")
    # Back to the results, marked so the question is not logged a second time.
    query = services.store.get_query(query_id)
    return RedirectResponse("/?" + urlencode({"q": query["text"], "thanks": 1}), status_code=303)


def _back(request: Request, services: Services, viewer: Viewer, content_id: str, partial: str, anchor: str):
    if is_htmx(request):
        item = services.store.get_content(content_id)
        return render(request, partial, item=item, **reactions(services, viewer, content_id))
    return RedirectResponse(f"/content/{content_id}#{anchor}", status_code=303)


@router.post("/content/{content_id}/rating", response_class=HTMLResponse)
def rate(request: Request, services: ServicesDep, viewer: Employee, content_id: ContentId,
         stars: Annotated[int, Form(ge=1, le=5)]):
    """One rating per reader; rating again replaces it."""
    actions.rate(services, viewer, content_id, stars)
    return _back(request, services, viewer, content_id, "_rating.html", "rating")


@router.post("/content/{content_id}/comments", response_class=HTMLResponse)
def comment(request: Request, services: ServicesDep, viewer: Employee, content_id: ContentId,
            body: Annotated[str, Form(max_length=5000)] = "",
            parent_id: Annotated[int | None, Form(ge=1, le=MAX_ROW_ID)] = None):
    """A comment, or a reply to one (threads are one level deep)."""
    try:
        actions.add_comment(services, viewer, content_id, body, parent_id)
    except InvalidInputError:  # an empty comment (the field is `required` in the form) is simply not saved
        pass
    return _back(request, services, viewer, content_id, "_comments.html", "comments")


@router.post("/content/{content_id}/thanks", response_class=HTMLResponse)
def thank(request: Request, services: ServicesDep, viewer: Employee, content_id: ContentId):
    """Thank the authors (once per reader): it counts toward their recognition."""
    actions.thank(services, viewer, content_id)
    return _back(request, services, viewer, content_id, "_kudos.html", "kudos")


@router.post("/events/dwell", status_code=status.HTTP_204_NO_CONTENT)
def dwell(services: ServicesDep, viewer: Employee, content_id: Annotated[str, Form(max_length=128)],
          seconds: Annotated[float, Form(ge=0, le=86_400)],
          query_id: Annotated[str, Form(max_length=64)] = "") -> Response:
    """Seconds a content page was visible, sent by knowhow.js when it is hidden or left."""
    actions.record_event(services, viewer, "dwell", content_id, query_id or None, round(seconds, 1))
    return Response(status_code=status.HTTP_204_NO_CONTENT)
