"""The domain's records, validated once here so import, API and store agree on one contract."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,127}$"
KINDS = ("howto", "anecdote", "best_practice", "answer", "course", "policy", "article")
# Where an item is in its life: current; flagged as possibly wrong until someone checks it; kept for the
# record but no longer true (archived). An item `replaced_by` another is superseded whatever its status.
STATUSES = ("current", "needs_review", "archived")


def utc_now() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


def to_utc(value: datetime) -> datetime:
    """The same instant in UTC; a time without an offset is taken to be UTC already. Stored times are
    compared as ISO strings (staleness, analytics windows), which is only right when all share one offset."""
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


def _clean_list(values: list[str], lower: bool) -> list[str]:
    """Strip, drop empties and duplicates, keep order: tags and skills come from many hands."""
    seen: dict[str, None] = {}
    for value in values:
        value = " ".join(str(value).split())
        if lower:
            value = value.lower()
        if value:
            seen.setdefault(value, None)
    return list(seen)


class _Record(BaseModel):
    # Unknown fields are kept (stored in `extra`), never fatal.
    model_config = ConfigDict(extra="allow", str_strip_whitespace=True)

    id: str = Field(pattern=ID_PATTERN)

    @property
    def extra(self) -> dict[str, Any]:
        return dict(self.__pydantic_extra__ or {})


class Person(_Record):
    name: str = Field(min_length=1, max_length=200)
    email: str | None = Field(None, max_length=320)
    title: str = Field("", max_length=200)
    team: str = Field("", max_length=200)
    location: str = Field("", max_length=200)
    bio: str = Field("", max_length=5000)
    skills: list[str] = Field(default_factory=list, max_length=100)
    mentor: bool = False

    @field_validator("skills")
    @classmethod
    def _skills(cls, value: list[str]) -> list[str]:
        return _clean_list(value, lower=True)

    def profile_text(self) -> str:
        """What the person's profile vector is built from: who they are and what they know."""
        parts = [self.name, self.title, self.team, self.bio]
        if self.skills:
            parts.append("Skills: " + ", ".join(self.skills))
        return ". ".join(part for part in parts if part)


class Content(_Record):
    title: str = Field(min_length=1, max_length=500)
    body: str = Field(min_length=1, max_length=500_000)
    authors: list[str] = Field(default_factory=list, max_length=50)
    tags: list[str] = Field(default_factory=list, max_length=50)
    kind: str = Field("article", max_length=40)
    official: bool = False
    created: datetime | None = None
    updated: datetime | None = None
    review_due: datetime | None = None  # official items: when L&D must review them next
    visible_teams: list[str] = Field(default_factory=list, max_length=50)  # empty: everyone
    created_by: str | None = Field(None, max_length=200)  # the account that created it through the app
    status: Literal["current", "needs_review", "archived"] = "current"
    replaced_by: str | None = Field(None, pattern=ID_PATTERN)  # the item that supersedes this one
    owner: str | None = Field(None, pattern=ID_PATTERN)  # keeps it correct; None: its first author, else L&D
    verified: datetime | None = None  # when someone last confirmed it still holds (the app sets it on saves)
    verified_by: str | None = Field(None, max_length=200)

    @model_validator(mode="after")
    def _not_its_own_replacement(self) -> Content:
        if self.replaced_by is not None and self.replaced_by == self.id:
            raise ValueError("an item cannot be replaced by itself")
        return self

    @field_validator("tags")
    @classmethod
    def _tags(cls, value: list[str]) -> list[str]:
        return _clean_list(value, lower=True)

    @field_validator("authors")
    @classmethod
    def _authors(cls, value: list[str]) -> list[str]:
        return _clean_list(value, lower=False)

    @field_validator("kind")
    @classmethod
    def _kind(cls, value: str) -> str:
        value = value.strip().lower().replace("-", "_").replace(" ", "_")
        return value or "article"

    @field_validator("created", "updated", "review_due", "verified")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        return None if value is None else to_utc(value)


@dataclass(frozen=True)
class Audience:
    """Who is looking, for content visibility: items restricted to teams show only to those teams;
    `everything` is for L&D and the local administrator (the CLI)."""

    team: str | None = None
    everything: bool = False

    def sees(self, visible_teams: list[str] | set[str]) -> bool:
        return self.everything or not visible_teams or (self.team is not None and self.team in visible_teams)


EVERYTHING = Audience(everything=True)


class Chunk(BaseModel):
    """A passage of one content item: the unit that is embedded and matched."""

    content_id: str
    position: int
    heading: str
    text: str


class Feedback(BaseModel):
    query_id: str | None = None
    content_id: str | None = None
    helpful: bool
    comment: str = Field("", max_length=5000)
    person_id: str | None = None
