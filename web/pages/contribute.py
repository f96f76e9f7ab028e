"""Write and edit knowledge: the form, its live Markdown preview, and saving through the indexer.

Contributors write as themselves (co-authors are theirs to choose) and edit what they wrote; L&D may
name any authors, edit anything and mark items official. Every save keeps the previous version.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse

from models.errors import InvalidInputError
from models.records import Content
from web.actions.policy import can_edit
from web.auth import Contributor, Employee, Viewer
from web.deps import IndexerDep, StoreDep
from web.markdown import to_html
from web.pages.content import ContentId, found
from web.pages.forms import ContentForm
from web.pages.render import render

router = APIRouter(tags=["pages"], include_in_schema=False)


def _form(title: Annotated[str, Form()] = "", body: Annotated[str, Form()] = "", kind: Annotated[str, Form()] = "",
          tags: Annotated[str, Form()] = "", author: Annotated[str, Form()] = "",
          coauthors: Annotated[list[str], Form()] = [],  # noqa: B006 (FastAPI copies defaults)
          official: Annotated[str, Form()] = "", visible_teams: Annotated[str, Form(max_length=5000)] = "",
          ) -> ContentForm:
    return ContentForm(title, body, kind, tags, author, [c for c in coauthors if c], official == "on", visible_teams)


FormDep = Annotated[ContentForm, Depends(_form)]


def _as_allowed(viewer: Viewer, form: ContentForm, item: dict | None) -> ContentForm:
    """What the viewer may decide. Others than L&D write as themselves (an edit keeps the first author)
    and cannot change the official mark, whatever the request says."""
    if viewer.role == "lnd":
        return form
    form.author = (item["authors"][0] if item and item["authors"] else viewer.person_id) or ""
    form.official = bool(item and item["official"])
    return form


def _editable(store, viewer: Viewer, content_id: str) -> dict:
    item = found(store, viewer, content_id)
    if not can_edit(viewer, item):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "Only the authors of this item and L&D can edit it.")
    return item


def _page(request: Request, store, viewer: Viewer, form: ContentForm, errors: dict, item: dict | None = None):
    return render(
        request, "contribute.html", status_code=422 if errors else 200, section="contribute", form=form,
        errors=errors, item=item, people=store.person_names(), tags=[tag for tag, _ in store.tag_counts(viewer.audience)],
        preview=to_html(form.body) if form.body else "", teams=store.teams(), lnd=viewer.role == "lnd",
        author_name=(store.get_person(form.author) or {}).get("name", form.author) if form.author else "",
    )


def _save(request: Request, store, indexer, viewer: Viewer, form: ContentForm, content_id: str, item: dict | None):
    form = _as_allowed(viewer, form, item)
    lnd = viewer.role == "lnd"
    errors = form.check(store, choose_author=lnd, own_team=None if lnd else (viewer.team or ""))
    record = errors or form.record(content_id, item, created_by=viewer.username)
    if isinstance(record, Content):
        try:
            indexer.save_content(record, edited_by=viewer.username)
        except InvalidInputError as exc:  # an author removed between the check and the save
            record = {"author": str(exc)}
    if not isinstance(record, Content):
        return _page(request, store, viewer, form, record, item)
    return RedirectResponse(f"/content/{content_id}?saved=1", status_code=303)


@router.get("/contribute", response_class=HTMLResponse)
def new(request: Request, store: StoreDep, viewer: Employee, author: str = "") -> HTMLResponse:
    """The form for contributors; an employee is first offered to become one (one click)."""
    if not viewer.at_least("contributor"):
        return render(request, "become_contributor.html", section="contribute")
    form = ContentForm(author=author or viewer.person_id or "")
    return _page(request, store, viewer, _as_allowed(viewer, form, None), {})


@router.post("/contribute", response_class=HTMLResponse)
def create(request: Request, store: StoreDep, indexer: IndexerDep, viewer: Contributor, form: FormDep):
    return _save(request, store, indexer, viewer, form, f"c-{uuid.uuid4().hex[:12]}", None)


@router.post("/contribute/preview", response_class=HTMLResponse)
def preview(request: Request, viewer: Contributor, body: Annotated[str, Form()] = "") -> HTMLResponse:
    """The live preview: the body rendered exactly as the content page will show it."""
    return render(request, "_preview.html", preview=to_html(body))


@router.get("/content/{content_id}/edit", response_class=HTMLResponse)
def edit(request: Request, store: StoreDep, viewer: Contributor, content_id: ContentId) -> HTMLResponse:
    item = _editable(store, viewer, content_id)
    return _page(request, store, viewer, ContentForm.of_item(item), {}, item)


@router.post("/content/{content_id}/edit", response_class=HTMLResponse)
def update(request: Request, store: StoreDep, indexer: IndexerDep, viewer: Contributor, content_id: ContentId,
           form: FormDep):
    return _save(request, store, indexer, viewer, form, content_id, _editable(store, viewer, content_id))
