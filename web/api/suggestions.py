"""Suggested changes to official content over the API: suggest one, list them (L&D: everyone's; others:
their own), read one with its diff, approve or reject it (L&D), withdraw one's own. The rules are in
`web.actions.suggestions`."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, status
from pydantic import BaseModel, ConfigDict, Field

from web.actions import suggestions as actions
from web.auth import Contributor, Employee
from web.deps import ServicesDep
from web.params import ContentId, RowId

router = APIRouter(prefix="/api", tags=["suggestions"])
Status = Literal["pending", "approved", "rejected", "withdrawn"]


class SuggestionIn(BaseModel):
    """A suggested change: the fields to change (left out: they stay as they are) and a note why."""

    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(None, min_length=1, max_length=500, description="The new title.")
    body: str | None = Field(None, min_length=1, max_length=500_000, description="The new text, in Markdown.")
    tags: list[str] | None = Field(None, max_length=50, description="The new tags.")
    kind: str | None = Field(None, min_length=1, max_length=40, description="The new kind.")
    note: str = Field("", max_length=actions.MAX_NOTE, description="Why the change is needed, for L&D.")


class RejectIn(BaseModel):
    reason: str = Field(min_length=1, max_length=actions.MAX_REASON, description="Why, for the suggester.")


class SuggestionPublic(BaseModel):
    id: int
    content_id: str
    item_title: str = Field(description="The item's current title.")
    suggester: str = Field(description="A person id, or user:NAME for an account without one.")
    username: str | None
    proposed: dict = Field(description="The suggested fields (title, body, tags, kind): only those it changes.")
    note: str
    based_on: str | None = Field(description="The item's version (how many earlier states it kept) when the "
                                 "suggestion was written.")
    item_changed: bool = Field(description="Whether the item changed since: approving applies the suggested "
                               "fields to the current item.")
    status: Status
    decided_by: str | None
    decided_at: str | None
    reason: str | None = Field(description="Why it was rejected.")
    created: str


class Piece(BaseModel):
    op: Literal["equal", "delete", "insert"]
    text: str


class Change(BaseModel):
    before: str
    after: str


class TagsChange(BaseModel):
    before: list[str]
    after: list[str]
    added: list[str]
    removed: list[str]


class Diff(BaseModel):
    """What approving would change in the item as it is now; null: that field would stay."""

    title: Change | None
    kind: Change | None
    tags: TagsChange | None
    body: list[Piece] | None = Field(description="The text's pieces in order: equal, deleted and inserted.")


class SuggestionDetail(SuggestionPublic):
    diff: Diff


class SuggestionsPage(BaseModel):
    items: list[SuggestionPublic]
    total: int


def public(row: dict) -> SuggestionPublic:
    return SuggestionPublic(**row)


@router.post("/content/{content_id}/suggestions", response_model=SuggestionPublic,
             status_code=status.HTTP_201_CREATED)
def suggest(services: ServicesDep, viewer: Contributor, content_id: ContentId, body: SuggestionIn) -> SuggestionPublic:
    """Suggest a change to an official item (anyone but L&D, who edit it directly); L&D are told."""
    changes = body.model_dump(exclude={"note"}, exclude_none=True)
    return public(actions.suggest(services, viewer, content_id, changes, body.note))


@router.get("/suggestions", response_model=SuggestionsPage)
def suggestions(services: ServicesDep, viewer: Employee, status: Status | None = None,
                limit: Annotated[int, Query(ge=1, le=200)] = 50,
                offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0) -> SuggestionsPage:
    """Newest first: everyone's for L&D, the caller's own for anyone else."""
    rows, total = actions.listing(services, viewer, status, limit, offset)
    return SuggestionsPage(items=[public(row) for row in rows], total=total)


@router.get("/suggestions/{suggestion_id}", response_model=SuggestionDetail)
def suggestion(services: ServicesDep, viewer: Employee, suggestion_id: RowId) -> SuggestionDetail:
    """One suggestion with its change as a diff against the item's current text."""
    shown = actions.review(services, viewer, suggestion_id)
    return SuggestionDetail(**public(shown["suggestion"]).model_dump(), diff=shown["diff"])


@router.post("/suggestions/{suggestion_id}/approve", response_model=SuggestionPublic)
def approve(services: ServicesDep, viewer: Employee, suggestion_id: RowId) -> SuggestionPublic:
    """Apply the change to the item as L&D's edit (kept in its history); the suggester is told."""
    return public(actions.approve(services, viewer, suggestion_id))


@router.post("/suggestions/{suggestion_id}/reject", response_model=SuggestionPublic)
def reject(services: ServicesDep, viewer: Employee, suggestion_id: RowId, body: RejectIn) -> SuggestionPublic:
    """Decline the change with a reason; the suggester is told it."""
    return public(actions.reject(services, viewer, suggestion_id, body.reason))


@router.delete("/suggestions/{suggestion_id}", response_model=SuggestionPublic)
def withdraw(services: ServicesDep, viewer: Employee, suggestion_id: RowId) -> SuggestionPublic:
    """Withdraw one's own suggestion while it waits."""
    return public(actions.withdraw(services, viewer, suggestion_id))
