"""The home page: ask a question, see knowledge and the people who can help; request missing content."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from models.errors import InvalidInputError
from web.actions import search as actions
from web.auth import Employee, Reader
from web.deps import ServicesDep
from web.pages.common import author_names
from web.pages.render import is_htmx, is_real_visit, render

router = APIRouter(tags=["pages"], include_in_schema=False)
LIVE_HEADER = "X-Knowhow-Live"  # set by the search box while typing


@router.get("/", response_class=HTMLResponse)
def ask(request: Request, services: ServicesDep, viewer: Reader, q: str = "", requested: bool = False,
        thanks: bool = False, followed: bool = False) -> HTMLResponse:
    """Results on submit and as you type. Typing replaces the URL (submitting adds a history entry), and
    half-typed questions are answered but not logged, so the query log (and what people are "asked
    about") holds the questions people settled on. Coming back after a request or feedback re-shows the
    results without logging the question twice (as does following the question); nor is a question logged when the page is fetched as an
    image or other embedded resource (a Markdown image pointing here must not ask in the reader's name)."""
    answer, error = None, None
    if q.strip():
        typing = request.headers.get(LIVE_HEADER) == "1"
        log = is_real_visit(request) and not (typing or requested or thanks or followed)
        try:
            answer = actions.ask(services, viewer, q, k=10, experts=5, source="web", log=log)
        except InvalidInputError as exc:
            error = str(exc)
    hits = answer.results if answer else []
    store = services.store
    context = {"q": q, "answer": answer, "error": error, "requested": requested, "thanks": thanks,
               "names": author_names(store, (hit.authors for hit in hits)),
               "ratings": store.rating_summary(hit.id for hit in hits)}
    if is_htmx(request):
        return render(request, "_results.html", oob=True, **context)
    tags = store.tag_counts(viewer.audience)[:12] if answer is None else []
    return render(request, "ask.html", section="ask", tags=tags, **context)


@router.post("/requests", response_class=HTMLResponse)
def request_content(
    request: Request,
    services: ServicesDep,
    viewer: Employee,
    q: Annotated[str, Form()] = "",
    query_id: Annotated[str, Form(max_length=64)] = "",
    note: Annotated[str, Form()] = "",
):
    """"Request this content": the question lands in the content requests L&D's gap list reads."""
    actions.request_content(services, viewer, q, query_id or None, note)
    if is_htmx(request):
        return render(request, "_requested.html", q=q)
    return RedirectResponse("/?" + urlencode({"q": q, "requested": 1}), status_code=303)
