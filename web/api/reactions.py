"""What readers do with an item: rate it, comment on it, thank its authors, and usage beacons."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, status
from pydantic import BaseModel, Field

from models.records import ID_PATTERN

from web.api.content import visible_item
from web.auth import Employee, Reader, Viewer
from web.deps import StoreDep

router = APIRouter(prefix="/api", tags=["feedback"])
ContentId = Annotated[str, Path(pattern=ID_PATTERN)]


class RatingIn(BaseModel):
    stars: int = Field(ge=1, le=5)


class CommentIn(BaseModel):
    body: str = Field(min_length=1, max_length=5000)
    parent_id: int | None = Field(None, ge=1, le=2**62)


class EventIn(BaseModel):
    kind: Literal["view", "open", "dwell"]
    content_id: str | None = Field(None, max_length=128)
    query_id: str | None = Field(None, max_length=64)
    seconds: float | None = Field(None, ge=0, le=86_400)


def _existing(store, viewer: Viewer, content_id: str) -> None:
    visible_item(store, viewer, content_id)


def signature(viewer: Viewer) -> str:
    """Reactions are signed by the person (or, for accounts without one, the user name)."""
    return viewer.person_id or f"user:{viewer.username}"


@router.put("/content/{content_id}/rating", status_code=status.HTTP_200_OK)
def rate(store: StoreDep, viewer: Employee, content_id: ContentId, body: RatingIn) -> dict:
    """One rating per reader and item (rating again replaces it)."""
    _existing(store, viewer, content_id)
    store.rate(content_id, signature(viewer), body.stars)
    stars, count = store.rating_summary([content_id])[content_id]
    return {"content_id": content_id, "stars": stars, "ratings": count}


@router.get("/content/{content_id}/comments")
def comments(store: StoreDep, viewer: Reader, content_id: ContentId) -> dict:
    _existing(store, viewer, content_id)
    return {"comments": store.comments_of(content_id)}


@router.post("/content/{content_id}/comments", status_code=status.HTTP_201_CREATED)
def comment(store: StoreDep, viewer: Employee, content_id: ContentId, body: CommentIn) -> dict:
    _existing(store, viewer, content_id)
    return {"id": store.add_comment(content_id, signature(viewer), body.body, body.parent_id)}


@router.post("/content/{content_id}/kudos", status_code=status.HTTP_201_CREATED)
def kudos(store: StoreDep, viewer: Employee, content_id: ContentId) -> dict:
    """Thank the authors of an item; it counts toward their recognition."""
    _existing(store, viewer, content_id)
    if not store.thanked(content_id, signature(viewer)):  # thanks count once per reader
        store.thank(content_id, signature(viewer))
    return {"content_id": content_id, "kudos": store.kudos_for_content([content_id]).get(content_id, 0)}


@router.post("/events", status_code=status.HTTP_204_NO_CONTENT)
def event(store: StoreDep, viewer: Employee, body: EventIn) -> None:
    """Usage beacons: a page view, a search result opened, seconds an item was visible."""
    if body.content_id:
        _existing(store, viewer, body.content_id)
    store.record_event(body.kind, body.content_id, body.query_id, viewer.person_id, body.seconds)
