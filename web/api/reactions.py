"""What readers do with an item over the API: rate it, comment on it, thank its authors, usage beacons.
The rules are in `web.actions.reactions`."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, status
from pydantic import BaseModel, Field

from web.actions import reactions as actions
from web.auth import Employee, Reader
from web.deps import ServicesDep
from web.params import MAX_ROW_ID, ContentId
from web.schemas import CommentsPage, Created, KudosOut, RatingOut

router = APIRouter(prefix="/api", tags=["feedback"])


class RatingIn(BaseModel):
    stars: int = Field(ge=1, le=5)


class CommentIn(BaseModel):
    body: str = Field(min_length=1, max_length=5000)
    parent_id: int | None = Field(None, ge=1, le=MAX_ROW_ID)


class EventIn(BaseModel):
    kind: Literal["view", "open", "dwell"]
    content_id: str | None = Field(None, max_length=128)
    query_id: str | None = Field(None, max_length=64)
    seconds: float | None = Field(None, ge=0, le=86_400)


@router.put("/content/{content_id}/rating", response_model=RatingOut)
def rate(services: ServicesDep, viewer: Employee, content_id: ContentId, body: RatingIn) -> RatingOut:
    """One rating per reader and item (rating again replaces it)."""
    stars, count = actions.rate(services, viewer, content_id, body.stars)
    return RatingOut(content_id=content_id, stars=stars, ratings=count)


@router.get("/content/{content_id}/comments", response_model=CommentsPage)
def comments(services: ServicesDep, viewer: Reader, content_id: ContentId) -> CommentsPage:
    return CommentsPage(comments=actions.comments(services, viewer, content_id))


@router.post("/content/{content_id}/comments", response_model=Created, status_code=status.HTTP_201_CREATED)
def comment(services: ServicesDep, viewer: Employee, content_id: ContentId, body: CommentIn) -> Created:
    return Created(id=actions.add_comment(services, viewer, content_id, body.body, body.parent_id))


@router.post("/content/{content_id}/kudos", response_model=KudosOut, status_code=status.HTTP_201_CREATED)
def kudos(services: ServicesDep, viewer: Employee, content_id: ContentId) -> KudosOut:
    """Thank the authors of an item (once per reader); it counts toward their recognition."""
    return KudosOut(content_id=content_id, kudos=actions.thank(services, viewer, content_id))


@router.post("/events", status_code=status.HTTP_204_NO_CONTENT)
def event(services: ServicesDep, viewer: Employee, body: EventIn) -> None:
    """Usage beacons: a page view, a search result opened, seconds an item was visible."""
    actions.record_event(services, viewer, body.kind, body.content_id, body.query_id, body.seconds)
