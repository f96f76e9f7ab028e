"""/api/courses: build, list, read and take short courses, and their analytics (`?format=csv` too). The rules
are in `web.actions.courses`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from models.course_rules import Progress
from web.actions import courses as actions
from web.api.csv_export import csv_response
from web.api.lnd import CSV, Format
from web.auth import Contributor, Employee, Reader, Viewer
from web.course_schemas import (
    AttemptIn, AttemptResult, CourseAnalytics, CourseIn, CoursePublic, CoursesPage, CourseSummary, CourseTable,
    ItemLink, ProgressPublic, QuestionPublic, StepPublic,
)
from web.deps import ServicesDep
from web.params import ContentId
from web.services import Services

router = APIRouter(prefix="/api/courses", tags=["courses"])


def progress_json(progress: Progress, started: bool) -> ProgressPublic:
    return ProgressPublic(started=started, done_steps=progress.done,
                          total=progress.total, next_step=progress.next_step, completed=progress.completed)


def public(services: Services, viewer: Viewer, course: actions.Course) -> CoursePublic:
    item = course.item
    steps = []
    for position, step in enumerate(course.steps, 1):
        linked = None
        if step["item_id"]:
            row = step["item_row"]
            linked = ItemLink(id=step["item_id"], title=row["title"] if row else None)
        questions = [QuestionPublic(id=q["id"], prompt=q["prompt"], options=q["options"], multiple=q["multiple"],
                                    **({"correct": q["correct"], "explanation": q["explanation"]}
                                       if course.can_edit else {}))
                     for q in step["questions"]]
        steps.append(StepPublic(id=step["id"], position=position, title=step["title"], body=step["body"],
                                item=linked, questions=questions))
    progress = None
    if viewer.signed_in:
        progress = progress_json(*actions.progress_of(services, viewer, course))
    return CoursePublic(id=item["id"], title=item["title"], intro=course.intro, authors=item["authors"],
                        tags=item["tags"], visible_teams=item["visible_teams"], created=item["created"],
                        updated=item["updated"], steps=steps, progress=progress, can_edit=course.can_edit)


@router.post("", response_model=CoursePublic, status_code=status.HTTP_201_CREATED)
def create_course(services: ServicesDep, viewer: Contributor, body: CourseIn) -> CoursePublic:
    """A new course: a content item of kind `course` (searchable at once) with its steps and check questions.
    Contributors publish as themselves, as with any item."""
    return public(services, viewer, actions.create_course(services, viewer, body))


@router.get("", response_model=CoursesPage)
def list_courses(services: ServicesDep, viewer: Reader, limit: Annotated[int, Query(ge=1, le=200)] = 50,
                 offset: Annotated[int, Query(ge=0, le=1_000_000_000)] = 0,
                 author: Annotated[str | None, Query(max_length=128)] = None) -> CoursesPage:
    """The courses the caller may see, newest first."""
    rows, total = actions.list_courses(services, viewer, limit, offset, author)
    return CoursesPage(items=[CourseSummary(**row) for row in rows], total=total)


@router.get("/{course_id}", response_model=CoursePublic)
def get_course(services: ServicesDep, viewer: Reader, course_id: ContentId) -> CoursePublic:
    """The course's steps and questions (the right answers only for its authors and L&D), and the caller's
    progress."""
    return public(services, viewer, actions.visible_course(services, viewer, course_id))


@router.put("/{course_id}", response_model=CoursePublic)
def replace_course(services: ServicesDep, viewer: Contributor, course_id: ContentId, body: CourseIn) -> CoursePublic:
    """Change a course whole (its authors and L&D). Steps and questions sent with their `id` keep their learners'
    progress and answers; those left out are removed."""
    return public(services, viewer, actions.update_course(services, viewer, course_id, body))


@router.post("/{course_id}/attempts", response_model=AttemptResult)
def attempt(services: ServicesDep, viewer: Employee, course_id: ContentId, body: AttemptIn) -> AttemptResult:
    """Answer the check questions of one step: each answer right or wrong, with the right options and why. The
    step is then done (a step without questions: send no answers), and the course once all steps are."""
    answers = {}
    for answer in body.answers:
        answers.setdefault(answer.question, []).extend(answer.chosen)
    course, results, progress = actions.answer_step(services, viewer, course_id, body.step, answers)
    return AttemptResult(step=body.step, results=results, progress=progress_json(progress, True))


@router.get("/{course_id}/analytics", response_model=CourseAnalytics, responses=CSV)
def analytics(services: ServicesDep, viewer: Employee, course_id: ContentId, format: Format = "json",
              table: Annotated[CourseTable, Query(description="which table, for CSV")] = "questions"):
    """Learners started and completed, median time per step and in total, and the questions most missed at the
    first try (each linking to its step): for L&D and the course's authors."""
    course, result = actions.analytics(services, viewer, course_id)
    if format == "csv":
        return csv_response(result[table], f"knowhow-course-{course.id}-{table}.csv")
    return CourseAnalytics(id=course.id, title=course.item["title"], **result)
