"""The inbox page: one's notifications with a link to where to act, marking one or all read, and the
unread count every page's navigation shows. The rules are in `web.actions.inbox`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import pass_context

from web.actions import inbox as actions
from web.auth import Employee, resolve_viewer
from web.deps import ServicesDep
from web.pages.render import is_real_visit, render, templates
from web.params import MAX_ROW_ID, RowId

router = APIRouter(prefix="/inbox", tags=["pages"], include_in_schema=False)
SHOWN = 100


@pass_context
def unread_notifications(context) -> int:
    """The navigation's badge on every page (one indexed count; none for someone not signed in)."""
    request = context["request"]
    return actions.unread_count(request.app.state.services, resolve_viewer(request))


templates.env.globals.update(unread_notifications=unread_notifications)


@router.get("", response_class=HTMLResponse)
def inbox(request: Request, services: ServicesDep, viewer: Employee, unread: bool = False) -> HTMLResponse:
    rows, count = actions.notifications(services, viewer, unread, SHOWN)
    return render(request, "inbox.html", section="inbox", notifications=rows, unread=count, unread_only=unread)


@router.get("/{notification_id}/open")
def open_notification(request: Request, services: ServicesDep, viewer: Employee,
                      notification_id: RowId) -> RedirectResponse:
    """Follow a notification to where to act; a person opening it (not an embedded fetch) marks it read."""
    if not is_real_visit(request):
        return RedirectResponse("/inbox", status_code=303)
    return RedirectResponse(actions.open_notification(services, viewer, notification_id), status_code=303)


@router.post("/read")
def mark_read(services: ServicesDep, viewer: Employee,
              id: Annotated[int | None, Form(ge=1, le=MAX_ROW_ID)] = None,
              all: Annotated[bool, Form()] = False) -> RedirectResponse:
    """Mark one notification (`id`) or all of them read, then back to the inbox."""
    if all or id is not None:
        actions.mark_read(services, viewer, None if all else [id])
    return RedirectResponse("/inbox", status_code=303)
