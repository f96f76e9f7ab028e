"""/api/content: create, read, replace and delete knowledge items; every write reaches search at once."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from models.errors import ConflictError, NotFoundError
from models.records import Content, utc_now
from web.deps import IndexerDep, StoreDep
from web.schemas import ContentIn, ContentPage, ContentPublic

router = APIRouter(prefix="/api/content", tags=["content"])


def public(row: dict) -> ContentPublic:
    extra = row.get("extra") or {}
    fields = {k: v for k, v in row.items() if k != "extra"}
    return ContentPublic(**{**extra, **fields, "views": row.get("views") or 0})


def _found(store, content_id: str) -> dict:
    row = store.get_content(content_id)
    if row is None:
        raise NotFoundError(f"no content item with id {content_id!r}")
    return row


@router.get("", response_model=ContentPage)
def list_content(
    store: StoreDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
    offset: Annotated[int, Query(ge=0)] = 0,
    tag: str | None = None,
    kind: str | None = None,
    author: str | None = None,
    sort: Annotated[str, Query(pattern="^(newest|updated|title|views)$")] = "newest",
) -> ContentPage:
    rows, total = store.list_content(limit, offset, tag, kind, author, sort)
    return ContentPage(items=[public(r) for r in rows], total=total)


@router.get("/{content_id}", response_model=ContentPublic)
def get_content(store: StoreDep, content_id: str) -> ContentPublic:
    return public(_found(store, content_id))


@router.post("", response_model=ContentPublic, status_code=status.HTTP_201_CREATED)
def create_content(store: StoreDep, indexer: IndexerDep, body: ContentIn) -> ContentPublic:
    content_id = body.id or f"c-{uuid.uuid4().hex[:12]}"
    if store.content_exists(content_id):
        raise ConflictError(f"content item {content_id!r} exists; use PUT to replace it")
    indexer.save_content(Content(**{**body.model_dump(), "id": content_id}))
    return public(_found(store, content_id))


def _edited(body: ContentIn, content_id: str) -> Content:
    """An edit through the API is an update now, whatever the client sent."""
    return Content(**{**body.model_dump(), "id": content_id, "updated": utc_now()})


@router.put("/{content_id}", response_model=ContentPublic)
def replace_content(store: StoreDep, indexer: IndexerDep, content_id: str, body: ContentIn,
                    response: Response) -> ContentPublic:
    """Replace an item whole (or create it under this id)."""
    existed = store.content_exists(content_id)
    indexer.save_content(_edited(body, content_id))
    if not existed:
        response.status_code = status.HTTP_201_CREATED
    return public(_found(store, content_id))


@router.delete("/{content_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_content(store: StoreDep, indexer: IndexerDep, content_id: str) -> Response:
    _found(store, content_id)
    indexer.delete_content([content_id])
    return Response(status_code=status.HTTP_204_NO_CONTENT)
