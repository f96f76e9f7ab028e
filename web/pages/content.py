"""A content item's page: the sanitised body, who wrote it, what and who is related, what readers said,
and its history (earlier versions, restorable by those who may edit it)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from models.errors import NotFoundError
from web.actions import content as actions
from web.actions import suggestions
from web.actions.policy import can_edit, suggests_changes
from web.actions.reactions import reactions_of, record_visit
from web.auth import Contributor, Reader, Viewer, client_ip
from web.deps import ServicesDep
from web.pages.common import author_names, reactor_names
from web.pages.render import is_real_visit, render
from web.pages.reviews import lifecycle
from web.params import ContentId, RowId
from web.passages import passage_html
from web.services import Services

router = APIRouter(prefix="/content", tags=["pages"], include_in_schema=False)


def found(services: Services, viewer: Viewer, content_id: str) -> dict:
    """The item, or a 404 page both when it does not exist and when the viewer may not see it."""
    try:
        return actions.visible_item(services, viewer, content_id)
    except NotFoundError:
        raise NotFoundError(f"There is no item with id {content_id!r}. It may have been removed.") from None


def reactions(services: Services, viewer: Viewer, content_id: str) -> dict:
    """What the rating, comments and thanks regions show; each is also re-rendered alone after a post."""
    shown = reactions_of(services, viewer, content_id)
    authors = (c["author"] for top in shown["comments"] for c in [top, *top["replies"]])
    return {**shown, "commenters": reactor_names(services.store, authors)}


@router.get("/{content_id}", response_class=HTMLResponse)
def show(request: Request, services: ServicesDep, viewer: Reader, content_id: ContentId,
         saved: bool = False, restored: int | None = None, suggested: bool = False, withdrawn: bool = False,
         from_query: Annotated[str | None, Query(alias="from", max_length=64)] = None) -> HTMLResponse:
    item = found(services, viewer, content_id)
    query_id = None
    if is_real_visit(request):  # an <img> pointing here must not count views or opens
        query_id = record_visit(services, viewer, content_id, from_query)
        item["views"] = (item["views"] or 0) + 1
    related, experts = services.finder.related(content_id, k=5, audience=viewer.audience)
    store = services.store
    names = author_names(store, [item["authors"], *(hit.authors for hit in related)])
    return render(
        request, "content.html", section="content", item=item, authors=store.people_by_ids(item["authors"]),
        related=related, experts=experts, names=names, saved=saved, restored=restored, query_id=query_id,
        can_edit=can_edit(viewer, item), suggests=suggests_changes(viewer, item), suggested=suggested,
        withdrawn=withdrawn, waiting=suggestions.waiting_on(services, viewer, item),
        versions=actions.item_versions(services, viewer, content_id),
        question_id=store.question_of_answer(content_id), standing=lifecycle(services, viewer, item),
        is_course=len(store.course_steps(content_id)) if item["kind"] == "course" else 0,
        body=passage_html(item["body"], [text for _, _, text in store.stored_chunks(content_id)]),
        **reactions(services, viewer, content_id),
    )


@router.post("/{content_id}/versions/{version}/restore")
def restore(request: Request, services: ServicesDep, viewer: Contributor, content_id: ContentId,
            version: RowId) -> RedirectResponse:
    """Bring an earlier version back; the state it replaces becomes a version itself, so nothing is lost."""
    actions.restore_version(services, viewer, content_id, version, client_ip(request))
    return RedirectResponse(f"/content/{content_id}?restored={version}", status_code=303)
