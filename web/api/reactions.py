"""What readers do with an item: rate it, comment on it, thank its authors, and usage beacons."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, status
from pydantic import BaseModel, Field

from models.errors import NotFoundError
from web.deps import StoreDep

router = APIRouter(prefix="/api", tags=["feedback"])
ContentId = Annotated[str, Path(max_length=128)]


class RatingIn(BaseModel):
    rater: str = Field(min_length=1, max_length=128, description="who rates (one rating per reader)")
    stars: int = Field(ge=1, le=5)


class CommentIn(BaseModel):
    author: str = Field(min_length=1, max_length=128)
    body: str = Field(min_length=1, max_length=5000)
    parent_id: int | None = None


class KudosIn(BaseModel):
    from_person: str = Field(min_length=1, max_length=128)


class EventIn(BaseModel):
    kind: Literal["view", "open", "dwell"]
    content_id: str | None = Field(None, max_length=128)
    query_id: str | None = Field(None, max_length=64)
    person_id: str | None = Field(None, max_length=128)
    seconds: float | None = Field(None, ge=0, le=86_400)


def _existing(store, content_id: str) -> None:
    if not store.content_exists(content_id):
        raise NotFoundError(f"no content item with id {content_id!r}")


@router.put("/content/{content_id}/rating", status_code=status.HTTP_200_OK)
def rate(store: StoreDep, content_id: ContentId, body: RatingIn) -> dict:
    _existing(store, content_id)
    store.rate(content_id, body.rater, body.stars)
    stars, count = store.rating_summary([content_id])[content_id]
    return {"content_id": content_id, "stars": stars, "ratings": count}


@router.get("/content/{content_id}/comments")
def comments(store: StoreDep, content_id: ContentId) -> dict:
    _existing(store, content_id)
    return {"comments": store.comments_of(content_id)}


@router.post("/content/{content_id}/comments", status_code=status.HTTP_201_CREATED)
def comment(store: StoreDep, content_id: ContentId, body: CommentIn) -> dict:
    _existing(store, content_id)
    return {"id": store.add_comment(content_id, body.author, body.body, body.parent_id)}


@router.post("/content/{content_id}/kudos", status_code=status.HTTP_201_CREATED)
def kudos(store: StoreDep, content_id: ContentId, body: KudosIn) -> dict:
    """Thank the authors of an item; it counts toward their recognition."""
    _existing(store, content_id)
    store.thank(content_id, body.from_person)
    return {"content_id": content_id, "kudos": store.kudos_for_content([content_id]).get(content_id, 0)}


@router.post("/events", status_code=status.HTTP_204_NO_CONTENT)
def event(store: StoreDep, body: EventIn) -> None:
    """Usage beacons: a page view, a search result opened, seconds an item was visible."""
    if body.content_id:
        _existing(store, body.content_id)
    store.record_event(body.kind, body.content_id, body.query_id, body.person_id, body.seconds)
