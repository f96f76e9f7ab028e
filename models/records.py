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

    id: str = Field(pattern=ID_PATTERN, description="Its id: letters, digits and _ . : @ - (up to 128).")

    @property
    def extra(self) -> dict[str, Any]:
        return dict(self.__pydantic_extra__ or {})


class Person(_Record):
    name: str = Field(min_length=1, max_length=200, description="The person's full name, as colleagues know it.")
    email: str | None = Field(None, max_length=320, description="Where notifications go.")
    title: str = Field("", max_length=200, description="Their job title.")
    team: str = Field("", max_length=200,
                      description="The team they belong to (it decides which restricted items they see).")
    location: str = Field("", max_length=200, description="Their office or city.")
    bio: str = Field("", max_length=5000, description="A few lines on what they work on and know.")
    skills: list[str] = Field(default_factory=list, max_length=100,
                              description="What they can help with, e.g. [\"vpn\", \"okta\"].")
    mentor: bool = Field(False, description="Whether they offer to mentor colleagues.")

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
    title: str = Field(min_length=1, max_length=500, description="The item's title: what it helps with.")
    body: str = Field(min_length=1, max_length=500_000, description="The item's text, in Markdown.")
    authors: list[str] = Field(default_factory=list, max_length=50, description="The ids of the people who wrote it.")
    tags: list[str] = Field(default_factory=list, max_length=50, description="Topics to browse it by, e.g. [\"vpn\"].")
    kind: str = Field("article", max_length=40, description="What sort of item it is: " + ", ".join(KINDS) + ".")
    official: bool = Field(False, description="Whether L&D reviewed and published it (only L&D sets it).")
    created: datetime | None = Field(None, description="When it was written (ISO 8601).")
    updated: datetime | None = Field(None, description="When it last changed (ISO 8601).")
    review_due: datetime | None = Field(None, description="Official items: when L&D must review them next.")
    visible_teams: list[str] = Field(default_factory=list, max_length=50,
                                     description="The teams that may see it; empty: everyone.")
    created_by: str | None = Field(None, max_length=200, description="The account that created it through the app.")
    status: Literal["current", "needs_review", "archived"] = Field("current", description="Where it is in its life.")
    replaced_by: str | None = Field(None, pattern=ID_PATTERN, description="The id of the item that supersedes it.")
    owner: str | None = Field(None, pattern=ID_PATTERN, description="The id of the person who keeps it correct; "
                              "null: its first author, else L&D.")
    verified: datetime | None = Field(None, description="When someone last confirmed it still holds (the app sets "
                                      "it on saves).")
    verified_by: str | None = Field(None, max_length=200, description="Who last confirmed it still holds.")

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
    helpful: bool = Field(description="Whether the result (or the search) helped.")
    comment: str = Field("", max_length=5000, description="What was missing or wrong, in a few words.")
    person_id: str | None = None
