"""GET /api/search and /api/experts: the ask loop over HTTP."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from finder.experts import Expert
from web.actions import search as actions
from web.auth import Reader
from web.deps import ServicesDep
from web.schemas import ExpertOut, ExpertsResponse, SearchResponse, SearchResult

router = APIRouter(prefix="/api", tags=["search"])

# Its longest length is `KNOWHOW_MAX_QUERY_CHARS`, checked by the finder (422 with the limit).
QueryText = Annotated[str, Query(description="The question, in plain language (a word or a paragraph).")]
K = Annotated[int, Query(ge=1, le=100, description="How many results (1-100).")]
Asker = Annotated[str | None, Query(
    max_length=128, description="Person id of who asks, for analytics (L&D integrations only; "
    "otherwise the signed-in person counts).")]


def expert_out(expert: Expert) -> ExpertOut:
    return ExpertOut(
        id=expert.id, name=expert.name, score=expert.score, mentor=expert.mentor, why=expert.why,
        title=expert.title, team=expert.team, location=expert.location, strong=expert.strong,
    )


@router.get("/search", response_model=SearchResponse)
def search(services: ServicesDep, q: QueryText, k: K = 10,
           experts: Annotated[int, Query(ge=0, le=100, description="How many people to suggest.")] = 5,
           asker: Asker = None, *, viewer: Reader) -> SearchResponse:
    """Knowledge that answers the question, each with its best passage, plus the colleagues who can help."""
    answer = actions.ask(services, viewer, q, k=k, experts=experts, source="api", asker=asker)
    return SearchResponse(
        query_id=answer.query_id,
        answered=answer.answered,
        confidence=answer.confidence,
        results=[
            SearchResult(
                id=h.id, title=h.title, snippet=h.snippet, score=h.score, authors=h.authors, kind=h.kind,
                official=h.official, tags=h.tags, updated=h.updated, status=h.status, replaced_by=h.replaced_by,
                review_overdue=h.review_overdue, passage=h.passage, answer_span=h.answer,
            )
            for h in answer.results
        ],
        experts=[expert_out(e) for e in answer.experts],
    )


@router.get("/experts", response_model=ExpertsResponse)
def experts(services: ServicesDep, q: QueryText, k: K = 10,
            mentor: Annotated[bool, Query(description="Only people who opted in as mentors.")] = False,
            asker: Asker = None, *, viewer: Reader) -> ExpertsResponse:
    """The colleagues best placed to help with the question, each with the evidence for why."""
    found = actions.find_experts(services, viewer, q, k=k, mentor_only=mentor, asker=asker)
    return ExpertsResponse(experts=[expert_out(e) for e in found])
