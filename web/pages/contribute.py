"""Write and edit knowledge: the form, its live Markdown preview, and saving through the indexer."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from models.errors import InvalidInputError
from models.records import Content
from web.deps import IndexerDep, StoreDep
from web.markdown import to_html
from web.pages.content import found
from web.pages.forms import ContentForm
from web.pages.render import render

router = APIRouter(tags=["pages"], include_in_schema=False)


def _form(title: Annotated[str, Form()] = "", body: Annotated[str, Form()] = "", kind: Annotated[str, Form()] = "",
          tags: Annotated[str, Form()] = "", author: Annotated[str, Form()] = "",
          coauthors: Annotated[list[str], Form()] = []) -> ContentForm:  # noqa: B006 (FastAPI copies defaults)
    return ContentForm(title, body, kind, tags, author, [c for c in coauthors if c])


FormDep = Annotated[ContentForm, Depends(_form)]


def _page(request: Request, store, form: ContentForm, errors: dict, item: dict | None = None):
    return render(
        request, "contribute.html", status_code=422 if errors else 200, section="contribute", form=form,
        errors=errors, item=item, people=store.person_names(), tags=[tag for tag, _ in store.tag_counts()],
        preview=to_html(form.body) if form.body else "",
    )


def _save(request: Request, store, indexer, form: ContentForm, content_id: str, item: dict | None):
    errors = form.check(store)
    record = errors or form.record(content_id, item)
    if isinstance(record, Content):
        try:
            indexer.save_content(record)
        except InvalidInputError as exc:  # an author removed between the check and the save
            record = {"author": str(exc)}
    if not isinstance(record, Content):
        return _page(request, store, form, record, item)
    return RedirectResponse(f"/content/{content_id}?saved=1", status_code=303)


@router.get("/contribute", response_class=HTMLResponse)
def new(request: Request, store: StoreDep, author: str = "") -> HTMLResponse:
    return _page(request, store, ContentForm(author=author), {})


@router.post("/contribute", response_class=HTMLResponse)
def create(request: Request, store: StoreDep, indexer: IndexerDep, form: FormDep):
    return _save(request, store, indexer, form, f"c-{uuid.uuid4().hex[:12]}", None)


@router.post("/contribute/preview", response_class=HTMLResponse)
def preview(request: Request, body: Annotated[str, Form()] = "") -> HTMLResponse:
    """The live preview: the body rendered exactly as the content page will show it."""
    return render(request, "_preview.html", preview=to_html(body))


@router.get("/content/{content_id}/edit", response_class=HTMLResponse)
def edit(request: Request, store: StoreDep, content_id: str) -> HTMLResponse:
    item = found(store, content_id)
    return _page(request, store, ContentForm.of_item(item), {}, item)


@router.post("/content/{content_id}/edit", response_class=HTMLResponse)
def update(request: Request, store: StoreDep, indexer: IndexerDep, content_id: str, form: FormDep):
    return _save(request, store, indexer, form, content_id, found(store, content_id))
