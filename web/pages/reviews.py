"""Keeping content correct on the pages: "Still correct" and "Flag as outdated" on an item, the reviews
page (one's own overdue and flagged items; L&D's view of everyone's and the review intervals). The
rules are in `web.actions.reviews`; every form works without JavaScript (a 303 back)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from models.errors import InvalidInputError, NotFoundError
from models.records import ID_PATTERN, utc_now
from models.review_store import DEFAULT, INTERVAL_KEYS, OFFICIAL
from web.actions import reviews as actions
from web.actions.content import visible_item
from web.auth import Employee, Viewer
from web.deps import ServicesDep
from web.pages.account import safe_next
from web.pages.common import Pager
from web.pages.render import render
from web.params import ContentId, PageNumber
from web.services import Services

router = APIRouter(tags=["pages"], include_in_schema=False)
PAGE_SIZE = 25


def lifecycle(services: Services, viewer: Viewer, item: dict) -> dict:
    """What an item's page says about its standing: what replaced it (if the reader may see that), whether
    its review is overdue, who keeps it, and whether the reader may confirm it."""
    replacement = None
    if item.get("replaced_by"):
        try:
            replacement = visible_item(services, viewer, item["replaced_by"])
        except NotFoundError:  # gone or hidden from this reader: the banner says replaced, without a link
            replacement = None
    owner_id = actions.owner_of(item)
    owner = services.store.get_person(owner_id) if owner_id else None
    due = item.get("review_due")
    return {
        "replacement": replacement,
        "overdue": bool(due and due < utc_now().isoformat()),
        "owner": owner,
        "may_confirm": viewer.signed_in and actions.may_confirm(viewer, item),
        "in_service": item.get("status") != "archived" and not item.get("replaced_by"),
    }


@router.post("/content/{content_id}/confirm")
def confirm(services: ServicesDep, viewer: Employee, content_id: ContentId) -> RedirectResponse:
    actions.confirm(services, viewer, content_id)
    return RedirectResponse(f"/content/{content_id}?confirmed=1#standing", status_code=303)


@router.post("/content/{content_id}/replaced-by")
def replaced_by(services: ServicesDep, viewer: Employee, content_id: ContentId,
                replacement: Annotated[str, Form(pattern=ID_PATTERN)],
                next: Annotated[str, Form(max_length=2000)] = "") -> RedirectResponse:
    """"Mark the older as replaced" (content health's near-duplicates), then back where the button was."""
    actions.mark_replaced(services, viewer, content_id, replacement)
    return RedirectResponse(safe_next(next or f"/content/{content_id}"), status_code=303)


@router.post("/content/{content_id}/flag", response_class=HTMLResponse)
def flag(request: Request, services: ServicesDep, viewer: Employee, content_id: ContentId,
         reason: Annotated[str, Form(max_length=actions.MAX_REASON)] = ""):
    try:
        actions.flag(services, viewer, content_id, reason)
    except InvalidInputError as exc:
        if exc.field != "reason":
            raise
        return RedirectResponse(f"/content/{content_id}?flag_error=1#standing", status_code=303)
    return RedirectResponse(f"/content/{content_id}?flagged=1#standing", status_code=303)


def _page(request: Request, services: Services, viewer: Viewer, everyone: bool, page: int, saved: bool = False,
          errors: dict | None = None, typed: dict | None = None) -> HTMLResponse:
    pager = Pager(page, PAGE_SIZE, 0)
    shown = actions.overview(services, viewer, everyone, PAGE_SIZE, pager.offset)
    pager.total = shown.pop("total")
    if typed and shown["intervals"] is not None:
        shown["intervals"] = {**shown["intervals"], **typed}  # the form again as it was sent
    return render(request, "reviews.html", status_code=422 if errors else 200, section="reviews", pager=pager,
                  interval_keys=INTERVAL_KEYS, official_key=OFFICIAL, default_key=DEFAULT, saved=saved,
                  errors=errors or {}, **shown)


@router.get("/reviews", response_class=HTMLResponse)
def reviews_page(request: Request, services: ServicesDep, viewer: Employee, everyone: bool = False,
                 page: PageNumber = 1, saved: bool = False) -> HTMLResponse:
    """Items to review: one's own, or (L&D) everyone's, flagged first then longest overdue; L&D also sets
    the intervals here."""
    return _page(request, services, viewer, everyone, page, saved)


@router.post("/reviews/intervals", response_class=HTMLResponse)
async def save_intervals(request: Request, services: ServicesDep, viewer: Employee):
    """L&D's intervals from the form: a number of days per kind, 0 for never."""
    form = await request.form()
    typed = {key: str(form.get(key, "")).strip() for key in INTERVAL_KEYS if str(form.get(key, "")).strip()}
    errors = actions.set_typed_intervals(services, viewer, typed)
    if not errors:
        return RedirectResponse("/reviews?everyone=1&saved=1#intervals", status_code=303)
    return _page(request, services, viewer, True, 1, errors=errors, typed=typed)
