"""/api/questions: ask the experts, see where a question stands, answer it, accept or vote an answer,
and (L&D) re-route it. The rules are in `web.actions.questions`."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, status
from pydantic import BaseModel, Field

from models.records import ID_PATTERN
from web.actions import questions as actions
from web.api.content import public as content_public
from web.auth import Employee, LnD, Viewer
from web.deps import ServicesDep
from web.schemas import ContentPublic
from web.services import Services

router = APIRouter(prefix="/api/questions", tags=["questions"])
QuestionId = Annotated[str, Path(pattern=r"^q-[0-9a-f]{12}$")]


class QuestionIn(BaseModel):
    title: str = Field(min_length=1, max_length=500, description="The question, in a sentence.")
    details: str = Field("", max_length=20_000, description="Markdown: what was tried, the context.")
    tags: list[str] = Field(default_factory=list, max_length=20)
    query_id: str | None = Field(None, max_length=64, description="The search it follows, if any.")


class AnswerIn(BaseModel):
    body: str = Field(min_length=1, max_length=100_000, description="Markdown.")


class AcceptIn(BaseModel):
    content_id: str = Field(pattern=ID_PATTERN)


class RouteIn(BaseModel):
    person_ids: list[str] = Field(min_length=1, max_length=20)


class Route(BaseModel):
    person_id: str
    name: str | None
    round: int
    routed_by: Literal["ranker", "lnd"]
    routed_at: str
    waiting: bool


class AnswerPublic(BaseModel):
    content_id: str
    author: str
    created: str
    helpful: int = Field(description="How many readers found it helpful.")
    voted: bool = Field(description="Whether you did.")
    item: ContentPublic


class QuestionPublic(BaseModel):
    id: str
    request_id: int = Field(description="The question as a request (/api/requests/{request_id}): L&D closes it there.")
    title: str
    details: str
    tags: list[str]
    asker: str
    query_id: str | None
    status: Literal["open", "in_progress", "done", "declined"]
    routed_to: list[str] = Field(description="Person ids the question waits on now.")
    lnd_queue: bool = Field(description="Nobody could be found: L&D routes it.")
    escalate_at: str | None = Field(description="When it goes to the next experts if still unanswered.")
    accepted_answer: str | None
    created: str
    updated: str
    routes: list[Route]
    answers: list[AnswerPublic] = []


class QuestionsPage(BaseModel):
    items: list[QuestionPublic]
    total: int


class SimilarQuestion(BaseModel):
    id: str
    title: str
    status: str
    similarity: float


def _public(question: dict) -> QuestionPublic:
    answers = [AnswerPublic(**{**a, "item": content_public(a["item"])}) for a in question.get("answers", [])]
    return QuestionPublic(**{**question, "answers": answers})


def _view(services: Services, viewer: Viewer, question_id: str) -> QuestionPublic:
    return _public(actions.question_view(services, viewer, question_id))


@router.post("", response_model=QuestionPublic, status_code=status.HTTP_201_CREATED)
def ask(services: ServicesDep, viewer: Employee, body: QuestionIn) -> QuestionPublic:
    """Post a question; it is routed to up to three experts, or to L&D when nobody fits."""
    return _public(actions.ask_experts(services, viewer, body.title, body.details, body.tags, body.query_id))


@router.get("", response_model=QuestionsPage)
def questions(services: ServicesDep, viewer: Employee,
              mine: Annotated[bool, Query(description="Only questions you asked.")] = False,
              waiting_for_me: Annotated[bool, Query(description="Only questions waiting on you.")] = False,
              status_: Annotated[Literal["open", "in_progress", "done", "declined"] | None, Query(alias="status")] = None,
              lnd_queue: Annotated[bool | None, Query(description="L&D's queue (L&D only).")] = None,
              limit: Annotated[int, Query(ge=1, le=200)] = 50,
              offset: Annotated[int, Query(ge=0, le=1_000_000_000)] = 0) -> QuestionsPage:
    rows, total = actions.list_questions(services, viewer, mine, waiting_for_me, status_, lnd_queue, limit, offset)
    return QuestionsPage(items=[_public(r) for r in rows], total=total)


@router.get("/similar", response_model=list[SimilarQuestion])
def similar(services: ServicesDep, viewer: Employee,
            q: Annotated[str, Query(description="The question you are about to ask.")]) -> list[dict]:
    """Questions already asked that read like this one, answered ones first: read them before posting."""
    return actions.similar_questions(services, viewer, q)


@router.get("/{question_id}", response_model=QuestionPublic)
def question(services: ServicesDep, viewer: Employee, question_id: QuestionId) -> QuestionPublic:
    return _view(services, viewer, question_id)


@router.post("/{question_id}/answers", response_model=ContentPublic, status_code=status.HTTP_201_CREATED)
def answer(services: ServicesDep, viewer: Employee, question_id: QuestionId, body: AnswerIn) -> ContentPublic:
    """Answer (the experts asked, and contributors): published at once as an item of kind `answer`."""
    return content_public(actions.answer(services, viewer, question_id, body.body))


@router.post("/{question_id}/accept", response_model=QuestionPublic)
def accept(services: ServicesDep, viewer: Employee, question_id: QuestionId, body: AcceptIn) -> QuestionPublic:
    """The asker accepts one answer; the question is done."""
    return _public(actions.accept(services, viewer, question_id, body.content_id))


@router.post("/{question_id}/answers/{content_id}/helpful", response_model=QuestionPublic)
def helpful(services: ServicesDep, viewer: Employee, question_id: QuestionId,
            content_id: Annotated[str, Path(pattern=ID_PATTERN)]) -> QuestionPublic:
    """Vote an answer helpful (not your own; once)."""
    return _public(actions.vote_helpful(services, viewer, question_id, content_id))


@router.put("/{question_id}/route", response_model=QuestionPublic)
def route(services: ServicesDep, viewer: LnD, question_id: QuestionId, body: RouteIn) -> QuestionPublic:
    """L&D sends the question to the people it names."""
    return _public(actions.reroute(services, viewer, question_id, body.person_ids))
