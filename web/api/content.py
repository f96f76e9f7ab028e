"""/api/content: list, read, create, replace, change and delete knowledge items, their versions, and
restoring one. Every write reaches search at once; the rules are in `web.actions.content`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from web.actions import content as actions
from web.actions.duplicates import like_draft
from web.auth import Contributor, Reader, client_ip
from web.deps import ServicesDep
from web.params import ContentId, RowId
from web.schemas import ContentIn, ContentPage, ContentPatch, ContentPublic, VersionsPage

router = APIRouter(prefix="/api/content", tags=["content"])


def public(row: dict) -> ContentPublic:
    extra = row.get("extra") or {}
    fields = {k: v for k, v in row.items() if k != "extra"}
    return ContentPublic(**{**extra, **fields, "views": row.get("views") or 0})


@router.get("", response_model=ContentPage)
def list_content(
    services: ServicesDep,
    viewer: Reader,
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
    offset: Annotated[int, Query(ge=0, le=1_000_000_000)] = 0,
    tag: str | None = None,
    kind: str | None = None,
    author: str | None = None,
    sort: Annotated[str, Query(pattern="^(newest|updated|oldest|helpful|title|views)$")] = "newest",
    in_service: Annotated[bool, Query(description="Leave out archived and replaced items.")] = False,
) -> ContentPage:
    rows, total = actions.list_items(services, viewer, limit, offset, tag, kind, author, sort, in_service)
    return ContentPage(items=[public(r) for r in rows], total=total)


@router.get("/{content_id}", response_model=ContentPublic)
def get_content(services: ServicesDep, viewer: Reader, content_id: ContentId) -> ContentPublic:
    return public(actions.visible_item(services, viewer, content_id))


@router.post("", response_model=ContentPublic, status_code=status.HTTP_201_CREATED)
def create_content(services: ServicesDep, viewer: Contributor, body: ContentIn) -> ContentPublic:
    """A new item; contributors publish as themselves (their person id among `authors`). `similar`: items
    the caller may see that it nearly duplicates ({id, title, score, similarity, name}); it is saved anyway."""
    similar = like_draft(services, viewer, body.title, body.body, body.kind, body.tags)
    return ContentPublic(**public(actions.create_item(services, viewer, body)).model_dump(), similar=similar)


@router.put("/{content_id}", response_model=ContentPublic,
            responses={201: {"model": ContentPublic, "description": "Created under this id (L&D)"}})
def replace_content(services: ServicesDep, viewer: Contributor, content_id: ContentId, body: ContentIn,
                    response: Response) -> ContentPublic:
    """Replace an item whole (L&D may also create one under this id); the previous state is kept as a version."""
    item, created = actions.replace_item(services, viewer, content_id, body)
    if created:
        response.status_code = status.HTTP_201_CREATED
    return public(item)


@router.patch("/{content_id}", response_model=ContentPublic)
def change_content(services: ServicesDep, viewer: Contributor, content_id: ContentId,
                   body: ContentPatch) -> ContentPublic:
    """Change some fields; the others keep their values. The previous state is kept as a version."""
    return public(actions.update_item(services, viewer, content_id, body.model_dump(exclude_unset=True)))


@router.delete("/{content_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_content(services: ServicesDep, viewer: Contributor, content_id: ContentId) -> Response:
    actions.delete_item(services, viewer, content_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/{content_id}/versions", response_model=VersionsPage)
def versions(services: ServicesDep, viewer: Reader, content_id: ContentId) -> VersionsPage:
    """Earlier states of the item, newest first."""
    return VersionsPage(versions=actions.item_versions(services, viewer, content_id))


@router.post("/{content_id}/versions/{version}/restore", response_model=ContentPublic)
def restore(request: Request, services: ServicesDep, viewer: Contributor, content_id: ContentId,
            version: RowId) -> ContentPublic:
    return public(actions.restore_version(services, viewer, content_id, version, client_ip(request)))
