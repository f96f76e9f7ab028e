"""Browse knowledge without a question: by tag, by kind, newest, recently updated, most helpful or most viewed."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from web.actions.content import list_items
from web.auth import Reader
from web.deps import ServicesDep
from web.pages.common import Pager, author_names
from web.pages.render import render
from web.params import PageNumber

router = APIRouter(prefix="/browse", tags=["pages"], include_in_schema=False)
PAGE_SIZE = 20
SORTS = {"newest": "Newest", "updated": "Recently updated", "oldest": "Least recently updated",
         "helpful": "Most helpful", "views": "Most viewed", "title": "Title (A-Z)"}


@router.get("", response_class=HTMLResponse)
def browse(request: Request, services: ServicesDep, viewer: Reader, tag: str = "", kind: str = "", author: str = "",
           sort: Annotated[str, Query(pattern="^(newest|updated|oldest|helpful|views|title)$")] = "newest",
           page: PageNumber = 1, retired: bool = False) -> HTMLResponse:
    """What is in service, unless asked for archived and replaced items too (`retired`)."""
    store = services.store
    pager = Pager(page, PAGE_SIZE, 0)
    items, pager.total = list_items(services, viewer, PAGE_SIZE, pager.offset, tag or None, kind or None,
                                    author or None, sort, in_service=not retired)
    writer = store.get_person(author) if author else None
    return render(request, "browse.html", section="browse", items=items, pager=pager, tag=tag, kind=kind, sort=sort,
                  retired=retired,
                  author=author, writer=writer, sorts=SORTS, tags=store.tag_counts(viewer.audience)[:40],
                  names=author_names(store, (i["authors"] for i in items)),
                  ratings=store.rating_summary(i["id"] for i in items))
