"""Short courses as pages: the list, a course's outline with the learner's progress, one step at a time with
its check questions (plain forms and redirects), the builder (add a step or a question by posting the form
back: no JavaScript needed) and the analytics of a course and of all of them (L&D, and authors for theirs).
The rules are in `web.actions.courses`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError

from models.course_rules import MAX_STEPS
from models.errors import ForbiddenError, InvalidInputError, KnowhowError
from web.actions import courses as actions
from web.auth import Contributor, Employee, LnD, Reader, Viewer
from web.deps import ServicesDep
from web.pages.common import as_sentence, author_names
from web.pages.course_form import CourseForm, number
from web.pages.render import render, templates
from web.params import ContentId
from web.services import Services

router = APIRouter(tags=["pages"], include_in_schema=False)
StepNumber = Annotated[int, Path(ge=1, le=MAX_STEPS)]


def duration(seconds: float | None) -> str:
    """'45 s', '4 min 10 s', '1 h 5 min': how long learners take."""
    if seconds is None:
        return "–"
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    minutes, rest = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {rest} s" if rest and minutes < 10 else f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


templates.env.filters["duration"] = duration


@router.get("/courses", response_class=HTMLResponse)
def courses(request: Request, services: ServicesDep, viewer: Reader) -> HTMLResponse:
    rows, total = actions.list_courses(services, viewer, 200, 0)
    return render(request, "courses.html", section="browse", courses=rows, total=total,
                  names=author_names(services.store, (row["authors"] for row in rows)))


@router.get("/courses/new", response_class=HTMLResponse)
def new(request: Request, services: ServicesDep, viewer: Employee) -> HTMLResponse:
    if not viewer.at_least("contributor"):
        return render(request, "become_contributor.html", section="contribute")
    return _builder(request, services, viewer, CourseForm.empty(), None)


@router.post("/courses/new", response_class=HTMLResponse)
async def create(request: Request, services: ServicesDep, viewer: Contributor):
    return _post_builder(request, services, viewer, CourseForm.parse(await request.form()), None)


@router.get("/courses/{course_id}", response_class=HTMLResponse)
def course(request: Request, services: ServicesDep, viewer: Reader, course_id: ContentId,
           saved: bool = False) -> HTMLResponse:
    found = actions.visible_course(services, viewer, course_id)
    progress, started = actions.progress_of(services, viewer, found)
    return render(request, "course.html", section="browse", course=found, progress=progress, started=started,
                  saved=saved, names=author_names(services.store, [found.item["authors"]]))


@router.get("/courses/{course_id}/edit", response_class=HTMLResponse)
def edit(request: Request, services: ServicesDep, viewer: Contributor, course_id: ContentId) -> HTMLResponse:
    found = actions.visible_course(services, viewer, course_id)
    if not found.can_edit:
        raise ForbiddenError("only its authors and L&D may edit it")
    return _builder(request, services, viewer, CourseForm.of_course(found), found)


@router.post("/courses/{course_id}/edit", response_class=HTMLResponse)
async def update(request: Request, services: ServicesDep, viewer: Contributor, course_id: ContentId):
    found = actions.visible_course(services, viewer, course_id)
    if not found.can_edit:
        raise ForbiddenError("only its authors and L&D may edit it")
    return _post_builder(request, services, viewer, CourseForm.parse(await request.form()), found)


def _builder(request: Request, services: Services, viewer: Viewer, form: CourseForm, found, error: str = "",
             focus: str = ""):
    return render(request, "course_builder.html", status_code=422 if error else 200, section="contribute",
                  form=form, course=found, error=error, focus=focus, teams=services.store.teams())


def _post_builder(request: Request, services: Services, viewer: Viewer, form: CourseForm, found):
    """Add or remove a step or a question (the form comes back as typed, one box more or less), or save."""
    if form.action != "save":
        focus = form.apply(form.action)
        return _builder(request, services, viewer, form, found, focus=focus)
    try:
        draft = form.draft()
        saved = (actions.create_course(services, viewer, draft) if found is None
                 else actions.update_course(services, viewer, found.id, draft))
    except ValidationError as exc:
        return _builder(request, services, viewer, form, found, error=CourseForm.explain(exc))
    except KnowhowError as exc:
        if isinstance(exc, ForbiddenError) and exc.field is None:
            raise
        return _builder(request, services, viewer, form, found, error=as_sentence(str(exc)))
    return RedirectResponse(f"/courses/{saved.id}?saved=1", status_code=303)


@router.get("/courses/{course_id}/passages/{passage}")
def passage(services: ServicesDep, viewer: Reader, course_id: ContentId,
            passage: Annotated[int, Path(ge=0, le=100_000)]) -> RedirectResponse:
    """Where a search hit on a course leads: the step its passage is in (the introduction: the course)."""
    position = actions.step_of_passage(services, viewer, course_id, passage)
    return RedirectResponse(f"/courses/{course_id}" + (f"/steps/{position}" if position else ""), status_code=303)


@router.get("/courses/{course_id}/steps/{position}", response_class=HTMLResponse)
def step(request: Request, services: ServicesDep, viewer: Employee, course_id: ContentId,
         position: StepNumber) -> HTMLResponse:
    """A step with its questions; once answered, each answer marked with the right one and why."""
    return _step_page(request, services, viewer, course_id, position)


def _step_page(request: Request, services: Services, viewer: Viewer, course_id: str, position: int,
               error: str = "", picked: dict[int, list[int]] | None = None) -> HTMLResponse:
    """The step page; after a refused answer, with the reason and the options as the learner picked them."""
    found, shown, answers = actions.open_step(services, viewer, course_id, position)
    progress, _ = actions.progress_of(services, viewer, found)
    return render(request, "course_step.html", status_code=422 if error else 200, section="browse", course=found,
                  step=shown, position=position, answers=answers, progress=progress, done=position in progress.done,
                  error=error, picked=picked or {})


@router.post("/courses/{course_id}/steps/{position}")
async def answer(request: Request, services: ServicesDep, viewer: Employee, course_id: ContentId,
                 position: StepNumber):
    """The questions form: `q<ID>` fields carry the option numbers picked (several for multiple choice)."""
    form = await request.form()
    answers: dict[int, list[int]] = {}
    for key, value in form.multi_items():
        question, option = number(key.removeprefix("q")), number(value if isinstance(value, str) else "")
        if key.startswith("q") and question is not None and option is not None:
            answers.setdefault(question, []).append(option)
    found = actions.visible_course(services, viewer, course_id)
    for question in found.step(position)["questions"]:
        answers.setdefault(question["id"], [])  # an unanswered question: the action says which
    try:
        actions.answer_step(services, viewer, course_id, position, answers)
    except InvalidInputError as exc:
        return _step_page(request, services, viewer, course_id, position, as_sentence(str(exc)), answers)
    return RedirectResponse(f"/courses/{course_id}/steps/{position}#result", status_code=303)


@router.get("/courses/{course_id}/analytics", response_class=HTMLResponse)
def analytics(request: Request, services: ServicesDep, viewer: Employee, course_id: ContentId) -> HTMLResponse:
    found, figures = actions.analytics(services, viewer, course_id)
    return render(request, "course_analytics.html", section="browse", course=found, figures=figures)


@router.get("/lnd/courses", response_class=HTMLResponse)
def overview(request: Request, services: ServicesDep, viewer: LnD) -> HTMLResponse:
    """Every course with its learners started and completed, median total time and most missed question."""
    return render(request, "lnd_courses.html", section="lnd", rows=actions.overview(services, viewer))
