"""/api/requests: everything someone asked of someone else - content requests, gap requests, questions to
experts, mentoring - in one shape with one set of states. The rules are in `web.actions.requests`."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from models.records import ID_PATTERN
from web.actions import requests as actions
from web.auth import Employee
from web.deps import ServicesDep
from web.params import RowId

router = APIRouter(prefix="/api/requests", tags=["requests"])
Kind = Literal["content", "gap", "question", "mentoring"]
State = Literal["open", "in_progress", "done", "declined", "expired"]


class RequestPublic(BaseModel):
    id: int
    kind: Kind = Field(description="content (Request this content), gap (L&D asks an expert to write), "
                                   "question (to the experts), mentoring")
    subject: str = Field(description="What is asked: the search, the gap topic, the question's title, the goal.")
    note: str
    status: State
    label: str = Field(description="The state as the pages word it for this kind (e.g. mentoring: accepted).")
    requester: str = Field(description='Who asked: a person id, or "user:NAME" for an account without a profile.')
    requester_name: str | None
    assignee: str | None = Field(description="The person asked (mentoring, gap); questions go to their routes.")
    assignee_name: str | None
    query_id: str | None = Field(description="The search the request came from, if any.")
    query_ids: list[str] = Field(description="Gap requests: the questions of the topic.")
    content_id: str | None = Field(description="The item that fulfilled it, once done.")
    link: str = Field(description="Where to act on it, or see what answered it.")
    moves: list[State] = Field(description="The states the caller may move it to.")
    created: str
    updated: str


class MyRequests(BaseModel):
    sent: list[RequestPublic]
    received: list[RequestPublic]


class RequestList(BaseModel):
    requests: list[RequestPublic]


class RequestMove(BaseModel):
    status: State
    content_id: str | None = Field(None, pattern=ID_PATTERN,
                                   description="Gap and content requests marked done: the item that fulfils it.")


@router.get("", response_model=MyRequests)
def mine(services: ServicesDep, viewer: Employee, kind: Kind | None = None,
         status: Annotated[State | None, Query()] = None) -> dict:
    """What the caller asked of others (`sent`) and what others asked of them (`received`, questions
    routed to them included)."""
    return actions.mine(services, viewer, kind, status)


@router.get("/all", response_model=RequestList)
def every(services: ServicesDep, viewer: Employee, kind: Kind | None = None, status: State | None = None,
          limit: Annotated[int, Query(ge=1, le=500)] = 100,
          offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0) -> dict:
    """Everyone's requests (L&D)."""
    return {"requests": actions.every(services, viewer, kind, status, limit, offset)}


@router.get("/{request_id}", response_model=RequestPublic)
def one(services: ServicesDep, viewer: Employee, request_id: RowId) -> dict:
    """A request its requester, the person asked and L&D see; to anyone else it does not exist."""
    return actions.get(services, viewer, request_id)


@router.put("/{request_id}", response_model=RequestPublic)
def move(services: ServicesDep, viewer: Employee, request_id: RowId, body: RequestMove) -> dict:
    """Move a request to a new state: the allowed moves are listed in each request's `moves`."""
    return actions.settle(services, viewer, request_id, body.status, body.content_id)
