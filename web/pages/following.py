"""The Following page (what changed in the tags, people and topics one follows) and the Follow buttons beside
a tag, a person and a question's results. Every form works without JavaScript (a 303 back); with htmx a
button swaps in its new state. The rules are in `web.actions.follows`."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import pass_context

from models.errors import KnowhowError
from web.actions import follows as actions
from web.auth import Employee, Viewer, resolve_viewer
from web.deps import ServicesDep
from web.pages.account import safe_next
from web.pages.render import is_htmx, render, templates
from web.services import Services

router = APIRouter(tags=["pages"], include_in_schema=False)
Kind = Annotated[Literal["tag", "person", "topic"], Form()]
Target = Annotated[str, Form(min_length=1, max_length=2000)]
Next = Annotated[str, Form(max_length=2000)]


@pass_context
def follow_of(context, kind: str, target: str) -> dict | None:
    """For the Follow buttons on any page: the viewer's follow of this tag, person or topic, if any."""
    request = context["request"]
    return actions.following_of(request.app.state.services, resolve_viewer(request), kind, target)


templates.env.globals.update(follow_of=follow_of)


@router.get("/following", response_class=HTMLResponse)
def following(request: Request, services: ServicesDep, viewer: Employee, days: int = actions.WINDOWS[0]):
    return _page(request, services, viewer, days if days in actions.WINDOWS else actions.WINDOWS[0])


@router.post("/following", response_class=HTMLResponse)
def follow(request: Request, services: ServicesDep, viewer: Employee, kind: Kind, target: Target,
           next: Next = "/following"):
    """Follow something; a bad tag or question comes back to the Following page with the reason."""
    try:
        actions.follow(services, viewer, kind, target)
    except KnowhowError as exc:
        if is_htmx(request):
            raise
        return _page(request, services, viewer, actions.WINDOWS[0], error=str(exc), status_code=422)
    return _back(request, services, kind, target, next)


@router.post("/following/remove", response_class=HTMLResponse)
def unfollow(request: Request, services: ServicesDep, viewer: Employee, kind: Kind, target: Target,
             next: Next = "/following"):
    actions.unfollow_target(services, viewer, kind, target)
    return _back(request, services, kind, target, next)


def _back(request: Request, services: Services, kind: str, target: str, next: str):
    if is_htmx(request):
        return render(request, "_follow_button.html", kind=kind, target=target, next=next,
                      follow_name=actions.label_of(services, kind, target))
    return RedirectResponse(safe_next(next), status_code=303)


def _page(request: Request, services: Services, viewer: Viewer, days: int, error: str = "",
          status_code: int = 200) -> HTMLResponse:
    return render(request, "following.html", status_code, section="following", days=days, windows=actions.WINDOWS,
                  entries=actions.updates(services, viewer, days), error=error,
                  tags=[tag for tag, _ in services.store.tag_counts(viewer.audience)])
