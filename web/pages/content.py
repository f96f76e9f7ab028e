"""A content item's page: the sanitised body, who wrote it, what and who is related, what readers said,
and its history (earlier versions, restorable by those who may edit it)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse

from models.errors import NotFoundError
from models.store import Store
from web.api.content import visible_item
from web.api.reactions import signature
from web.actions.policy import can_edit
from web.auth import Contributor, Reader, Viewer, client_ip
from web.deps import FinderDep, IndexerDep, StoreDep
from web.pages.common import author_names, reactor_names
from web.pages.render import render

router = APIRouter(prefix="/content", tags=["pages"], include_in_schema=False)
ContentId = Annotated[str, Path(max_length=128)]


def found(store: Store, viewer: Viewer, content_id: str) -> dict:
    """The item, or a 404 page both when it does not exist and when the viewer may not see it."""
    try:
        return visible_item(store, viewer, content_id)
    except NotFoundError:
        raise NotFoundError(f"There is no item with id {content_id!r}. It may have been removed.") from None


def reactions(store: Store, viewer: Viewer, content_id: str) -> dict:
    """What the rating, comments and thanks regions show; each is also re-rendered alone after a post."""
    comments = store.comments_of(content_id)
    who = signature(viewer) if viewer.signed_in else None
    return {
        "rating": store.rating_summary([content_id]).get(content_id),
        "my_stars": store.rating_by(content_id, who) if who else None,
        "comments": comments,
        "commenters": reactor_names(store, (c["author"] for top in comments for c in [top, *top["replies"]])),
        "kudos": store.kudos_for_content([content_id]).get(content_id, 0),
        "thanked": store.thanked(content_id, who) if who else False,
    }


@router.get("/{content_id}", response_class=HTMLResponse)
def show(request: Request, store: StoreDep, finder: FinderDep, viewer: Reader, content_id: ContentId,
         saved: bool = False, restored: int | None = None,
         from_query: Annotated[str | None, Query(alias="from", max_length=64)] = None) -> HTMLResponse:
    item = found(store, viewer, content_id)
    # A view counts the item's views; an open ties it to the search it came from (gap detection reads it).
    store.record_event("view", content_id, None, viewer.person_id)
    query_id = from_query if from_query and store.get_query(from_query) else None
    if query_id:
        store.record_event("open", content_id, query_id, viewer.person_id)
    item["views"] = (item["views"] or 0) + 1
    related, experts = finder.related(content_id, k=5, audience=viewer.audience)
    names = author_names(store, [item["authors"], *(hit.authors for hit in related)])
    return render(
        request, "content.html", section="browse", item=item, authors=store.people_by_ids(item["authors"]),
        related=related, experts=experts, names=names, saved=saved, restored=restored, query_id=query_id,
        can_edit=can_edit(viewer, item), versions=store.versions(content_id), **reactions(store, viewer, content_id),
    )


@router.post("/{content_id}/versions/{version}/restore")
def restore(store: StoreDep, indexer: IndexerDep, viewer: Contributor, request: Request, content_id: ContentId,
            version: Annotated[int, Path(ge=1, le=2**62)]) -> RedirectResponse:
    """Bring an earlier version back; the state it replaces becomes a version itself, so nothing is lost."""
    item = found(store, viewer, content_id)
    if not can_edit(viewer, item):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "Only the authors and L&D restore earlier versions of this item.")
    indexer.restore_version(content_id, version, viewer.username)
    store.audit(viewer.username, "content_restored", content_id, f"version {version}", client_ip(request))
    return RedirectResponse(f"/content/{content_id}?restored={version}", status_code=303)
