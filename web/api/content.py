"""/api/content: create, read, replace and delete knowledge items; every write reaches search at once.
Edits keep the previous version; only authors and L&D edit, only L&D marks items official."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query, Response, status

from models.errors import ConflictError, NotFoundError
from models.records import ID_PATTERN, Content, utc_now
from web.actions.policy import can_edit
from web.auth import Contributor, Reader, Viewer
from web.deps import IndexerDep, StoreDep
from web.schemas import ContentIn, ContentPage, ContentPublic

router = APIRouter(prefix="/api/content", tags=["content"])
ContentId = Annotated[str, Path(pattern=ID_PATTERN)]


def public(row: dict) -> ContentPublic:
    extra = row.get("extra") or {}
    fields = {k: v for k, v in row.items() if k != "extra"}
    return ContentPublic(**{**extra, **fields, "views": row.get("views") or 0})


def visible_item(store, viewer: Viewer, content_id: str) -> dict:
    """The item, or 404 both when it does not exist and when the viewer may not see it."""
    row = store.get_content(content_id)
    if row is None or not viewer.audience.sees(row["visible_teams"]):
        raise NotFoundError(f"no content item with id {content_id!r}")
    return row


def _check_edit(viewer: Viewer, existing: dict | None, body: ContentIn) -> None:
    if existing is not None and not can_edit(viewer, existing):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "only the authors and L&D edit this item")
    was_official = bool(existing and existing["official"])
    if body.official != was_official and viewer.role != "lnd":
        raise HTTPException(status.HTTP_403_FORBIDDEN, "only L&D marks items official (or removes the mark)")


def _record(body: ContentIn, content_id: str, viewer: Viewer, existing: dict | None) -> Content:
    """An edit through the API is an update now, whatever dates the client sent."""
    created_by = existing.get("created_by") if existing else viewer.username
    return Content(**{**body.model_dump(), "id": content_id, "updated": utc_now(), "created_by": created_by})


@router.get("", response_model=ContentPage)
def list_content(
    store: StoreDep,
    viewer: Reader,
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
    offset: Annotated[int, Query(ge=0, le=1_000_000_000)] = 0,
    tag: str | None = None,
    kind: str | None = None,
    author: str | None = None,
    sort: Annotated[str, Query(pattern="^(newest|updated|helpful|title|views)$")] = "newest",
) -> ContentPage:
    rows, total = store.list_content(limit, offset, tag, kind, author, sort, viewer.audience)
    return ContentPage(items=[public(r) for r in rows], total=total)


@router.get("/{content_id}", response_model=ContentPublic)
def get_content(store: StoreDep, viewer: Reader, content_id: ContentId) -> ContentPublic:
    return public(visible_item(store, viewer, content_id))


@router.post("", response_model=ContentPublic, status_code=status.HTTP_201_CREATED)
def create_content(store: StoreDep, indexer: IndexerDep, viewer: Contributor, body: ContentIn) -> ContentPublic:
    content_id = body.id or f"c-{uuid.uuid4().hex[:12]}"
    if store.content_exists(content_id):
        raise ConflictError(f"content item {content_id!r} exists; use PUT to replace it")
    _check_edit(viewer, None, body)
    indexer.save_content(_record(body, content_id, viewer, None), viewer.username)
    return public(store.get_content(content_id))


@router.put("/{content_id}", response_model=ContentPublic)
def replace_content(store: StoreDep, indexer: IndexerDep, viewer: Contributor, content_id: ContentId,
                    body: ContentIn, response: Response) -> ContentPublic:
    """Replace an item whole (or create it under this id); the previous state is kept as a version."""
    existing = store.get_content(content_id)
    if existing is not None and not viewer.audience.sees(existing["visible_teams"]):
        raise NotFoundError(f"no content item with id {content_id!r}")
    _check_edit(viewer, existing, body)
    indexer.save_content(_record(body, content_id, viewer, existing), viewer.username)
    if existing is None:
        response.status_code = status.HTTP_201_CREATED
    return public(store.get_content(content_id))


@router.delete("/{content_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_content(store: StoreDep, indexer: IndexerDep, viewer: Contributor, content_id: ContentId) -> Response:
    existing = visible_item(store, viewer, content_id)
    if not can_edit(viewer, existing):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "only the authors and L&D delete this item")
    store.save_version(content_id, {k: v for k, v in existing.items() if k not in ("views",)}, viewer.username)
    store.audit(viewer.username, "content_deleted", content_id, existing["title"])
    indexer.delete_content([content_id])
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/{content_id}/versions")
def versions(store: StoreDep, viewer: Reader, content_id: ContentId) -> dict:
    """Earlier states of the item, newest first."""
    visible_item(store, viewer, content_id)
    return {"versions": store.versions(content_id)}


@router.post("/{content_id}/versions/{version}/restore", response_model=ContentPublic)
def restore(store: StoreDep, indexer: IndexerDep, viewer: Contributor, content_id: ContentId,
            version: Annotated[int, Path(ge=1, le=2**62)]) -> ContentPublic:
    existing = visible_item(store, viewer, content_id)
    if not can_edit(viewer, existing):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "only the authors and L&D restore this item")
    indexer.restore_version(content_id, version, viewer.username)
    store.audit(viewer.username, "content_restored", content_id, f"version {version}")
    return public(store.get_content(content_id))
