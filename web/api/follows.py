"""Following over the API: follow and unfollow tags, people and topics, and read what changed in them. The
rules are in `web.actions.follows`."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response, status
from pydantic import BaseModel, Field

from web.actions import follows as actions
from web.auth import Employee
from web.deps import ServicesDep
from web.params import RowId

router = APIRouter(prefix="/api", tags=["follows"])

Kind = Literal["tag", "person", "topic"]


class FollowIn(BaseModel):
    kind: Kind = Field(description="tag, person (by id) or topic (a question, kept as words)")
    target: str = Field(min_length=1, max_length=2000, description="The tag, the person's id, or the question.")


class FollowPublic(BaseModel):
    id: int
    kind: Kind
    target: str
    label: str = Field(description="How pages name it: #tag, the person's name, or the question.")
    link: str = Field(description="Where it leads: the tag's items, the person's profile, the question's results.")
    created: str


class ChangedItem(BaseModel):
    id: str
    title: str
    kind: str
    change: Literal["new", "updated"]
    updated: str | None


class OpenQuestion(BaseModel):
    id: str
    title: str
    created: str


class GapPublic(BaseModel):
    label: str = Field(description="The question that best stands for the topic.")
    asked: int
    askers: int
    last_asked: str


class FollowUpdates(BaseModel):
    follow: FollowPublic
    items: list[ChangedItem] = Field(description="New and updated items, most recent first.")
    questions: list[OpenQuestion] = Field(description="Questions asked in the period still waiting for an expert.")
    gaps: list[GapPublic] = Field(description="Topics people asked about in the period that nothing answers.")


@router.get("/follows", response_model=list[FollowPublic])
def follows(services: ServicesDep, viewer: Employee) -> list[dict]:
    """What you follow, in the order you followed it."""
    return actions.follows(services, viewer)


@router.post("/follows", response_model=FollowPublic, status_code=status.HTTP_201_CREATED,
             responses={200: {"description": "Already followed: the existing follow."}})
def follow(services: ServicesDep, viewer: Employee, body: FollowIn, response: Response) -> dict:
    """Follow a tag, a person or a topic (201); following it again answers 200 with the same follow."""
    row, created = actions.follow(services, viewer, body.kind, body.target)
    if not created:
        response.status_code = status.HTTP_200_OK
    return row


@router.delete("/follows/{follow_id}", status_code=status.HTTP_204_NO_CONTENT)
def unfollow(services: ServicesDep, viewer: Employee, follow_id: RowId) -> Response:
    """Stop following (404 for an id that is not one of yours)."""
    actions.unfollow(services, viewer, follow_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.delete("/follows", status_code=status.HTTP_204_NO_CONTENT)
def unfollow_target(services: ServicesDep, viewer: Employee, kind: Kind,
                    target: Annotated[str, Query(min_length=1, max_length=2000)]) -> Response:
    """Stop following by what is followed: `?kind=tag&target=vpn`."""
    actions.unfollow_target(services, viewer, kind, target)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/following", response_model=list[FollowUpdates])
def following(services: ServicesDep, viewer: Employee,
              days: Annotated[int, Query(description="How many days back to look: 7, 30 or 90.")] = 7) -> list[dict]:
    """What happened in each of your follows: the Following page's content."""
    return [{"follow": entry.follow, "items": entry.items, "questions": entry.questions,
             "gaps": [{"label": g.label, "asked": g.asked, "askers": g.askers, "last_asked": g.last_asked}
                      for g in entry.gaps]} for entry in actions.updates(services, viewer, days)]
