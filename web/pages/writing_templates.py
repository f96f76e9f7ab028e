"""L&D's page for the writing templates: every kind's skeleton and guidance, edit one, reset it to the default.
The rules are in `web.actions.templates`; the same is in the JSON API (/api/templates/{kind})."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from web.actions import templates as actions
from web.auth import LnD
from web.deps import ServicesDep
from web.markdown import to_html
from web.pages.render import render

router = APIRouter(prefix="/lnd/templates", tags=["pages"], include_in_schema=False)


def _page(request: Request, services, current: dict | None = None, saved: str = "") -> HTMLResponse:
    entries = actions.all_templates(services)
    return render(request, "lnd_templates.html", section="lnd", entries=entries, current=current, saved=saved,
                  guidance_html={e["kind"]: to_html(e["guidance"]) for e in entries})


@router.get("", response_class=HTMLResponse)
def index(request: Request, services: ServicesDep, viewer: LnD, saved: str = "") -> HTMLResponse:
    return _page(request, services, saved=saved[:40])


@router.get("/{kind}", response_class=HTMLResponse)
def edit(request: Request, services: ServicesDep, viewer: LnD, kind: str) -> HTMLResponse:
    return _page(request, services, actions.template(services, kind))


@router.post("/{kind}")
def save(services: ServicesDep, viewer: LnD, kind: str,
         skeleton: Annotated[str, Form(max_length=actions.MAX_SKELETON)] = "",
         guidance: Annotated[str, Form(max_length=actions.MAX_GUIDANCE)] = "") -> RedirectResponse:
    actions.save_template(services, viewer, kind, skeleton, guidance)
    return RedirectResponse(f"/lnd/templates?saved={kind}", status_code=303)


@router.post("/{kind}/reset")
def reset(services: ServicesDep, viewer: LnD, kind: str) -> RedirectResponse:
    actions.reset_template(services, viewer, kind)
    return RedirectResponse(f"/lnd/templates?saved={kind}", status_code=303)
