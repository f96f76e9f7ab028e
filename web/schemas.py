"""Request and response shapes of the JSON API (input records reuse the domain models' validation)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from models.records import Content, Person


class SearchResult(BaseModel):
    id: str
    title: str
    snippet: str = Field(description="The passage that best answers the question.")
    score: float
    authors: list[str]
    kind: str
    official: bool
    tags: list[str]
    updated: str | None


class ExpertOut(BaseModel):
    id: str
    name: str
    score: float
    mentor: bool
    why: list[str] = Field(description="The items and skills behind the score.")
    title: str
    team: str
    location: str


class SearchResponse(BaseModel):
    query_id: str | None
    answered: bool = Field(description="Whether some passage is close enough to count as an answer.")
    results: list[SearchResult]
    experts: list[ExpertOut]


class ExpertsResponse(BaseModel):
    experts: list[ExpertOut]


class ContentIn(Content):
    """A content item as written by a client; `id` is optional on POST (one is generated)."""

    id: str | None = Field(None, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,127}$")


class ContentPublic(BaseModel):
    model_config = ConfigDict(extra="allow")

    id: str
    title: str
    body: str
    authors: list[str]
    tags: list[str]
    kind: str
    official: bool
    created: str | None
    updated: str | None
    views: int


class ContentPage(BaseModel):
    items: list[ContentPublic]
    total: int


class PersonIn(Person):
    id: str | None = Field(None, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,127}$")


class PersonPublic(BaseModel):
    model_config = ConfigDict(extra="allow")

    id: str
    name: str
    email: str | None
    title: str
    team: str
    location: str
    bio: str
    skills: list[str]
    mentor: bool
    contributions: int = 0


class PeoplePage(BaseModel):
    items: list[PersonPublic]
    total: int


class FeedbackIn(BaseModel):
    query_id: str | None = Field(None, max_length=64)
    content_id: str | None = Field(None, max_length=128)
    helpful: bool
    comment: str = Field("", max_length=5000)


class ImportLineError(BaseModel):
    file: str
    line: int
    reason: str


class ImportResult(BaseModel):
    people: int
    content: int
    deleted_people: int
    deleted_content: int
    errors: list[ImportLineError]
