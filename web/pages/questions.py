"""Questions to the experts on the pages: the hub (waiting for you, yours, L&D's queue), asking one after
seeing similar ones, a question's page with its answers, and answering with a live preview.
The rules are in `web.actions.questions`."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from models.errors import InvalidInputError
from models.records import ID_PATTERN
from web.actions import questions as actions
from web.auth import Employee, LnD
from web.deps import ServicesDep
from web.markdown import to_html
from web.pages.common import as_sentence
from web.pages.forms import split_list
from web.pages.render import render

router = APIRouter(prefix="/questions", tags=["pages"], include_in_schema=False)
QuestionId = Annotated[str, Path(pattern=r"^q-[0-9a-f]{12}$")]
AnswerId = Annotated[str, Path(pattern=ID_PATTERN)]


@router.get("", response_class=HTMLResponse)
def hub(request: Request, services: ServicesDep, viewer: Employee, saved: bool = False) -> HTMLResponse:
    return render(request, "questions.html", section="questions", saved=saved, **actions.hub(services, viewer))


@router.post("/settings")
def answering_settings(services: ServicesDep, viewer: Employee, answer: Annotated[str, Form()] = "",
                       away: Annotated[str, Form()] = "") -> RedirectResponse:
    """Whether questions are routed to me, and whether I am away (then nobody routes to me)."""
    actions.set_answering(services, viewer, answer == "on", away == "on")
    return RedirectResponse("/questions?saved=1#answering", status_code=303)


@router.get("/new", response_class=HTMLResponse)
def new(request: Request, services: ServicesDep, viewer: Employee, q: str = "", query_id: str = "") -> HTMLResponse:
    similar = actions.similar_questions(services, viewer, q) if q.strip() else []
    return render(request, "question_new.html", section="questions", title=q, details="", tags="",
                  query_id=query_id[:64], similar=similar, errors={})


@router.get("/similar", response_class=HTMLResponse)
def similar(request: Request, services: ServicesDep, viewer: Employee, title: str = "") -> HTMLResponse:
    """The "asked before?" list, refreshed as the title is typed."""
    try:
        found = actions.similar_questions(services, viewer, title) if title.strip() else []
    except InvalidInputError:
        found = []
    return render(request, "_similar_questions.html", similar=found)


@router.post("", response_class=HTMLResponse)
def ask(request: Request, services: ServicesDep, viewer: Employee, title: Annotated[str, Form(max_length=500)] = "",
        details: Annotated[str, Form(max_length=20_000)] = "", tags: Annotated[str, Form(max_length=2000)] = "",
        query_id: Annotated[str, Form(max_length=64)] = ""):
    try:
        question = actions.ask_experts(services, viewer, title, details, split_list(tags), query_id or None)
    except InvalidInputError as exc:
        return render(request, "question_new.html", status_code=422, section="questions", title=title,
                      details=details, tags=tags, query_id=query_id, similar=[],
                      errors={"title": as_sentence(str(exc))})
    return RedirectResponse(f"/questions/{question['id']}?asked=1", status_code=303)


@router.post("/preview", response_class=HTMLResponse)
def preview(request: Request, viewer: Employee, body: Annotated[str, Form()] = "") -> HTMLResponse:
    """The answer's live preview, rendered as the answer will show."""
    return render(request, "_preview.html", preview=to_html(body))


@router.get("/{question_id}", response_class=HTMLResponse)
def show(request: Request, services: ServicesDep, viewer: Employee, question_id: QuestionId, asked: bool = False,
         answered: bool = False) -> HTMLResponse:
    question = actions.question_view(services, viewer, question_id)
    everyone = services.store.person_names()
    return render(request, "question.html", section="questions", question=question, asked=asked,
                  answered=answered, people=everyone if question["may_route"] else [], body="", errors={},
                  names=dict(everyone))


@router.post("/{question_id}/answers", response_class=HTMLResponse)
def answer(request: Request, services: ServicesDep, viewer: Employee, question_id: QuestionId,
           body: Annotated[str, Form(max_length=100_000)] = ""):
    try:
        actions.answer(services, viewer, question_id, body)
    except InvalidInputError as exc:
        question = actions.question_view(services, viewer, question_id)
        return render(request, "question.html", status_code=422, section="questions", question=question,
                      asked=False, answered=False, people=[], body=body, errors={"body": as_sentence(str(exc))},
                      names=dict(services.store.person_names()))
    return RedirectResponse(f"/questions/{question_id}?answered=1#answers", status_code=303)


@router.post("/{question_id}/accept")
def accept(services: ServicesDep, viewer: Employee, question_id: QuestionId,
           content_id: Annotated[str, Form(max_length=128)]) -> RedirectResponse:
    actions.accept(services, viewer, question_id, content_id)
    return RedirectResponse(f"/questions/{question_id}#answers", status_code=303)


@router.post("/{question_id}/answers/{content_id}/helpful", response_class=HTMLResponse)
def helpful(request: Request, services: ServicesDep, viewer: Employee, question_id: QuestionId,
            content_id: AnswerId):
    actions.vote_helpful(services, viewer, question_id, content_id)
    return RedirectResponse(f"/questions/{question_id}#answer-{content_id}", status_code=303)


@router.post("/{question_id}/route")
def route(services: ServicesDep, viewer: LnD, question_id: QuestionId,
          person_ids: Annotated[list[str], Form()] = []) -> RedirectResponse:  # noqa: B006 (FastAPI copies)
    actions.reroute(services, viewer, question_id, [p for p in person_ids if p])
    return RedirectResponse(f"/questions/{question_id}?" + urlencode({"routed": 1}), status_code=303)
