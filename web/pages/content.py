"""A content item's page: the sanitised body, who wrote it, and what and who is related."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from models.errors import NotFoundError
from web.deps import FinderDep, StoreDep
from web.pages.common import author_names
from web.pages.render import render

router = APIRouter(prefix="/content", tags=["pages"], include_in_schema=False)


def found(store, content_id: str) -> dict:
    item = store.get_content(content_id)
    if item is None:
        raise NotFoundError(f"There is no item with id {content_id!r}. It may have been removed.")
    return item


@router.get("/{content_id}", response_class=HTMLResponse)
def show(request: Request, store: StoreDep, finder: FinderDep, content_id: str, saved: bool = False) -> HTMLResponse:
    store.record_view(content_id)  # a no-op for a missing id, which `found` then reports
    item = found(store, content_id)
    related, experts = finder.related(content_id, k=5)
    names = author_names(store, [item["authors"], *(hit.authors for hit in related)])
    authors = store.people_by_ids(item["authors"])
    return render(request, "content.html", section="browse", item=item, authors=authors, related=related,
                  experts=experts, names=names, saved=saved, rating=store.rating_summary([content_id]).get(content_id))
