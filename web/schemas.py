"""Request and response shapes of the JSON API (input records reuse the domain models' validation)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from models.records import ID_PATTERN, Content, Person


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
    status: str = Field("current", description="current, needs_review (flagged) or archived")
    replaced_by: str | None = Field(None, description="The item that supersedes this one (ranked above it).")
    review_overdue: bool = Field(False, description="Nobody confirmed it by its review date.")
    passage: int = Field(0, description="The answering passage's position in the item (0: the first); the "
                         "item's page anchors it as #p-N: /content/ID#p-N opens it there, highlighted.")
    answer_span: tuple[int, int] = Field((0, 0), description="Where in `snippet` the sentence(s) answering the "
                                         "question are: [start, end) in characters; [0, 0] when none is.")


class ExpertOut(BaseModel):
    id: str
    name: str
    score: float
    mentor: bool
    why: list[str] = Field(description="The items and skills behind the score.")
    title: str
    team: str
    location: str
    strong: bool = Field(description="Whether their score reaches the expert floor, so they would be "
                         "suggested alone; false for colleagues listed after the first with less evidence.")


class SearchResponse(BaseModel):
    query_id: str | None
    answered: bool = Field(description="Whether some result answers the question: `confidence` at or above "
                           "the cut (KNOWHOW_ANSWERED_THRESHOLD, 0.5 by default).")
    confidence: float = Field(ge=0.0, le=1.0, description="How likely it is that some result answers the "
                              "question (calibrated on labelled collections; 0 when nothing was found).")
    results: list[SearchResult]
    experts: list[ExpertOut]


class ExpertsResponse(BaseModel):
    experts: list[ExpertOut]


class ContentIn(Content):
    """A content item as written by a client; `id` is optional on POST (one is generated; only L&D
    chooses ids)."""

    id: str | None = Field(None, pattern=ID_PATTERN, description="Its id (L&D only; left out: one is generated).")


def _about(model: type[BaseModel], name: str) -> str | None:
    """The record's own description of a field, so a patch and a 422 say the same as the record."""
    return model.model_fields[name].description


class ContentPatch(BaseModel):
    """Some fields of a content item (PATCH): what is left out keeps its stored value."""

    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(None, min_length=1, max_length=500, description=_about(Content, "title"))
    body: str | None = Field(None, min_length=1, max_length=500_000, description=_about(Content, "body"))
    authors: list[str] | None = Field(None, max_length=50, description=_about(Content, "authors"))
    tags: list[str] | None = Field(None, max_length=50, description=_about(Content, "tags"))
    kind: str | None = Field(None, max_length=40, description=_about(Content, "kind"))
    official: bool | None = Field(None, description=_about(Content, "official"))
    visible_teams: list[str] | None = Field(None, max_length=50, description=_about(Content, "visible_teams"))
    status: Literal["current", "needs_review", "archived"] | None = Field(None, description=_about(Content, "status"))
    replaced_by: str | None = Field(None, pattern=ID_PATTERN, description="null: no longer replaced")
    owner: str | None = Field(None, pattern=ID_PATTERN, description="null: its first author, else L&D")


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
    id: str | None = Field(None, pattern=ID_PATTERN, description="Their id (left out: one is generated).")


class PersonPatch(BaseModel):
    """Some fields of a person (PATCH). A person changes their own bio, skills and mentor opt-in; the
    directory fields are L&D's."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, min_length=1, max_length=200, description=_about(Person, "name"))
    email: str | None = Field(None, max_length=320, description=_about(Person, "email"))
    title: str | None = Field(None, max_length=200, description=_about(Person, "title"))
    team: str | None = Field(None, max_length=200, description=_about(Person, "team"))
    location: str | None = Field(None, max_length=200, description=_about(Person, "location"))
    bio: str | None = Field(None, max_length=5000, description=_about(Person, "bio"))
    skills: list[str] | None = Field(None, max_length=100, description=_about(Person, "skills"))
    mentor: bool | None = Field(None, description=_about(Person, "mentor"))


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
    query_id: str | None = Field(None, max_length=64, description="The search it is about (`query_id` of its "
                                 "response).")
    content_id: str | None = Field(None, max_length=128, description="The result it is about, if one.")
    helpful: bool = Field(description="Whether the result (or the search) helped.")
    comment: str = Field("", max_length=5000, description="What was missing or wrong, in a few words.")


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


class ImportedFile(BaseModel):
    file: str = Field(description="The file as uploaded (a file in a zip: `NAME.zip/path/in/it`).")
    outcome: Literal["new", "changed"]
    id: str | None = Field(description="The item it made (`/content/{id}`); none for a people CSV.")
    title: str | None


class ImportSummary(BaseModel):
    new: int = Field(description="Files (documents, people CSVs) imported for the first time.")
    changed: int
    unchanged: int = Field(description="Files whose bytes are the same as last time: neither read nor embedded.")
    removed: int = Field(description="Items removed because their file is gone from a zip (`delete_missing`).")
    skipped: int = Field(description="Files not imported: each is in `errors` with its reason.")
    people: int
    content: int
    deleted_people: int
    deleted_content: int
    items: list[ImportedFile]
    errors: list[ImportLineError] = Field(description="Skipped files (line 0) and bad lines of JSON Lines and CSV "
                                          "files, by file and line.")
    warnings: list[str]
    ignored: dict[str, int] = Field(description="Files in zips of types the import does not read, by suffix.")


class ImportRunPublic(BaseModel):
    id: int
    status: Literal["running", "done", "failed", "interrupted"] = Field(
        description="`interrupted`: the server stopped while it ran; upload again to finish it (what was imported "
                    "already is skipped as unchanged).")
    started_by: str | None
    uploads: list[str] = Field(description="The files uploaded, as named.")
    delete_missing: bool
    stage: str | None = Field(description="While running: `starting`, `files` (reading), `chunks` (embedding "
                                          "passages) or `profiles` (embedding people).")
    done: int = Field(description="What the stage has done of `total`.")
    total: int
    started: str
    finished: str | None
    summary: ImportSummary | None = Field(description="Once done.")
    failure: str | None = Field(description="Why a failed run stopped.")


class ImportRunsPage(BaseModel):
    runs: list[ImportRunPublic]


class ErrorDetail(BaseModel):
    detail: str


class VersionPublic(BaseModel):
    version: int
    edited_by: str | None
    edited_at: str
    record: dict[str, Any] = Field(description="The item as it was before that edit.")


class VersionsPage(BaseModel):
    versions: list[VersionPublic]


class Created(BaseModel):
    id: int


class RatingOut(BaseModel):
    content_id: str
    stars: float = Field(description="Mean stars.")
    ratings: int


class CommentPublic(BaseModel):
    id: int
    content_id: str
    parent_id: int | None
    author: str
    body: str
    created: str
    replies: list[CommentPublic] = []


class CommentsPage(BaseModel):
    comments: list[CommentPublic]


class KudosOut(BaseModel):
    content_id: str
    kudos: int


class Me(BaseModel):
    username: str | None
    role: str
    person_id: str | None
    team: str | None
    csrf_token: str | None


class RoleOut(BaseModel):
    role: str


class TokenPublic(BaseModel):
    id: int
    name: str
    created: str
    last_used: str | None
    revoked: bool


class TokensPage(BaseModel):
    tokens: list[TokenPublic]


class TokenCreated(BaseModel):
    token: str = Field(description="Shown once; only its hash is kept.")
    name: str


class UserPublic(BaseModel):
    id: int
    username: str
    role: str
    person_id: str | None
    disabled: bool
    created: str | None = None


class UsersPage(BaseModel):
    users: list[UserPublic]


class AuditEntry(BaseModel):
    id: int
    at: str
    actor: str | None
    action: str
    target: str | None
    detail: str | None
    ip: str | None


class AuditPage(BaseModel):
    entries: list[AuditEntry]


class GapRequestPublic(BaseModel):
    id: int
    label: str
    query_ids: list[str]
    expert_id: str
    requested_by: str
    note: str
    status: Literal["open", "in_progress", "done", "declined", "expired"]
    content_id: str | None
    created: str
    updated: str


class GapRequestsPage(BaseModel):
    requests: list[GapRequestPublic]


class GapRequestStatus(BaseModel):
    id: int
    status: str


class ItemRef(BaseModel):
    id: str
    title: str
    score: float


class GapExpert(BaseModel):
    id: str
    name: str
    score: float
    mentor: bool
    why: list[str]


class GapTopicPublic(BaseModel):
    key: str
    label: str
    terms: list[str]
    asked: int
    askers: int
    first_asked: str
    last_asked: str
    weekly: list[tuple[str, int]]
    questions: list[str]
    query_ids: list[str]
    closest: list[ItemRef]
    experts: list[GapExpert]
    addressed: bool
    answered_now: list[str]
    answered_by_experts: list[str] = Field(description="Searches of the topic whose question the experts answered.")
    requests: list[GapRequestPublic]


class GapsPage(BaseModel):
    topics: list[GapTopicPublic]


class HealthReport(BaseModel):
    """Lists of items needing attention, each row with the owners to notify."""

    model_config = ConfigDict(extra="allow")

    stale: list[dict[str, Any]]
    low_rated: list[dict[str, Any]]
    never_viewed: list[dict[str, Any]]
    duplicates: list[dict[str, Any]]
    review_overdue: list[dict[str, Any]]


class AnalyticsReport(BaseModel):
    model_config = ConfigDict(extra="allow")

    since: str
    until: str
    totals: dict[str, Any]
    daily: list[dict[str, Any]]
    by_team: list[dict[str, Any]]
    by_location: list[dict[str, Any]]
    top_questions: list[dict[str, Any]]
    top_content: list[dict[str, Any]]
    contributions: list[dict[str, Any]]
    top_contributors: list[dict[str, Any]]


class NotificationPublic(BaseModel):
    id: int
    kind: str = Field(description="What happened: question_routed, answer_posted, mentor_request, thanks, stale, ...")
    text: str = Field(description="One line saying what happened.")
    link: str = Field(description="Where to act on it (a path on this site).")
    created: str
    read_at: str | None


class NotificationsPage(BaseModel):
    unread: int = Field(description="How many of the viewer's notifications are unread (all of them, not just this page).")
    notifications: list[NotificationPublic]


class UnreadCount(BaseModel):
    unread: int


class NotificationSettings(BaseModel):
    email: Literal["immediate", "daily", "never"] = Field(
        description="E-mail for notifications: each as it happens, a daily digest of unread ones (the default), or none.")
    address: str | None = Field(description="Where e-mail goes (the person's address); null: no e-mail can be sent.")
    delivery: bool = Field(description="Whether this server sends e-mail at all (KNOWHOW_SMTP_URL is set).")
