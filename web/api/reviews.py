"""Keeping content correct over the API: confirm an item still holds, flag one that may not, the reviews
due (one's own, or everyone's for L&D), and L&D's review intervals. The rules are in `web.actions.reviews`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from web.actions import reviews as actions
from web.api.content import public
from web.auth import Employee
from web.deps import ServicesDep
from web.params import ContentId
from web.schemas import ContentPublic

router = APIRouter(prefix="/api", tags=["reviews"])


class FlagIn(BaseModel):
    reason: str = Field(min_length=1, max_length=actions.MAX_REASON, description="What looks wrong.")


class ReviewPublic(BaseModel):
    id: str
    title: str
    kind: str
    official: bool
    status: str = Field(description="needs_review when someone flagged it; else current (the date passed)")
    owner: str | None = Field(description="Who keeps it correct; null: its first author, else L&D.")
    verified: str | None = Field(description="When it was last confirmed (or saved).")
    verified_by: str | None
    review_due: str | None
    updated: str | None


class ReviewsPage(BaseModel):
    items: list[ReviewPublic]
    total: int


@router.post("/content/{content_id}/confirm", response_model=ContentPublic)
def confirm(services: ServicesDep, viewer: Employee, content_id: ContentId) -> ContentPublic:
    """"Still correct": restarts the review clock and lifts a flag (its owner, authors, L&D)."""
    return public(actions.confirm(services, viewer, content_id))


@router.post("/content/{content_id}/flag", response_model=ContentPublic)
def flag(services: ServicesDep, viewer: Employee, content_id: ContentId, body: FlagIn) -> ContentPublic:
    """Say an item looks wrong: it shows as needing review and its owner is told why."""
    return public(actions.flag(services, viewer, content_id, body.reason))


@router.get("/reviews", response_model=ReviewsPage)
def reviews(services: ServicesDep, viewer: Employee,
            everyone: Annotated[bool, Query(description="Everyone's (L&D), not only the caller's.")] = False,
            limit: Annotated[int, Query(ge=1, le=200)] = 50,
            offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0) -> ReviewsPage:
    """Items overdue for review or flagged, flagged first, then the longest overdue."""
    rows, total = actions.due(services, viewer, everyone, limit, offset)
    return ReviewsPage(items=[ReviewPublic(**{**row, "official": bool(row["official"])}) for row in rows],
                       total=total)


@router.get("/reviews/intervals", response_model=dict[str, int])
def intervals(services: ServicesDep, viewer: Employee) -> dict[str, int]:
    """Days between reviews per kind (0: never); `official` caps official items', `default` is for other kinds."""
    return actions.intervals(services)


@router.put("/reviews/intervals", response_model=dict[str, int])
def set_intervals(services: ServicesDep, viewer: Employee, body: dict[str, int]) -> dict[str, int]:
    """Change some intervals (L&D); every item's next review date moves with them."""
    return actions.set_intervals(services, viewer, body)
