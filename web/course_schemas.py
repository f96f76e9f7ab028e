"""Request and response shapes of short courses (/api/courses), shared by the API and the builder page."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from models.course_rules import MAX_OPTIONS, MAX_QUESTIONS, MAX_STEPS
from models.records import ID_PATTERN
from web.params import MAX_ROW_ID


class QuestionIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    id: int | None = Field(None, ge=1, le=MAX_ROW_ID, description="Its id, to change a question the course has "
                           "(its answers so far are kept); left out: a new question.")
    prompt: str = Field(min_length=1, max_length=2000, description="The question.")
    options: list[str] = Field(min_length=2, max_length=MAX_OPTIONS, description="The choices, in order.")
    correct: list[int] = Field(max_length=MAX_OPTIONS,
                               description="The right options by position in `options` (0 is the first).")
    multiple: bool = Field(False, description="Learners may pick several options (else exactly one is right).")
    explanation: str = Field("", max_length=5000, description="Why the right answer is right (Markdown), shown "
                             "after answering.")


class StepIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    id: int | None = Field(None, ge=1, le=MAX_ROW_ID, description="Its id, to change a step the course has "
                           "(learners who finished it keep it done); left out: a new step.")
    title: str = Field("", max_length=200, description="The step's title (left empty for an item: its title).")
    body: str = Field("", max_length=100_000, description="What the step teaches, in Markdown.")
    item: str | None = Field(None, max_length=2000, description="An existing item the step is (its id or link), "
                             "instead of or besides `body`.")
    questions: list[QuestionIn] = Field(default_factory=list, max_length=MAX_QUESTIONS,
                                        description="Check questions on the step.")


class CourseIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: str = Field(min_length=1, max_length=200, description="What the course teaches.")
    intro: str = Field("", max_length=20_000, description="Who it is for and what they will be able to do "
                       "(Markdown).")
    tags: list[str] = Field(default_factory=list, max_length=50, description="Topics to browse it by.")
    authors: list[str] | None = Field(None, max_length=50, description="Person ids of its authors (L&D names "
                                      "them; a contributor writes as themselves). Left out: the caller, or "
                                      "on a change, the authors it has.")
    visible_teams: list[str] = Field(default_factory=list, max_length=50,
                                     description="The teams that may see and take it; empty: everyone.")
    steps: list[StepIn] = Field(min_length=1, max_length=MAX_STEPS, description="The steps, in order.")


class ItemLink(BaseModel):
    id: str
    title: str | None = Field(description="None: the item is gone, or the caller may not see it.")


class QuestionPublic(BaseModel):
    id: int
    prompt: str
    options: list[str]
    multiple: bool
    correct: list[int] | None = Field(None, description="Only for the course's authors and L&D.")
    explanation: str | None = Field(None, description="Only for the course's authors and L&D (learners see it "
                                    "after answering).")


class StepPublic(BaseModel):
    id: int
    position: int = Field(description="1 for the first step.")
    title: str
    body: str
    item: ItemLink | None
    questions: list[QuestionPublic]


class ProgressPublic(BaseModel):
    started: bool
    done_steps: list[int] = Field(description="Positions of the steps the caller has done.")
    total: int
    next_step: int | None = Field(description="Position of the first step not done; null when all are.")
    completed: bool


class CoursePublic(BaseModel):
    id: str = Field(pattern=ID_PATTERN)
    title: str
    intro: str
    authors: list[str]
    tags: list[str]
    visible_teams: list[str]
    created: str | None
    updated: str | None
    steps: list[StepPublic]
    progress: ProgressPublic | None = Field(description="The caller's, when signed in.")
    can_edit: bool


class CourseSummary(BaseModel):
    id: str
    title: str
    authors: list[str]
    tags: list[str]
    steps: int
    created: str | None
    can_edit: bool = Field(description="Whether the caller may edit the course and see its analytics.")


class CoursesPage(BaseModel):
    items: list[CourseSummary]
    total: int


class AnswerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: int = Field(ge=1, le=MAX_ROW_ID, description="The question's id.")
    chosen: list[int] = Field(max_length=MAX_OPTIONS, description="The options picked, by position (0 first).")


class AttemptIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    step: int = Field(ge=1, le=MAX_STEPS, description="The step's position (1 for the first).")
    answers: list[AnswerIn] = Field(default_factory=list, max_length=MAX_QUESTIONS,
                                    description="One answer to each of the step's questions.")


class AnswerResult(BaseModel):
    question: int
    correct: bool
    right: list[int] = Field(description="The right options.")
    explanation: str
    first_try: bool = Field(description="Whether this was the caller's first answer to the question (what "
                            "the course's analytics count).")


class AttemptResult(BaseModel):
    step: int
    results: list[AnswerResult]
    progress: ProgressPublic


class StepFigures(BaseModel):
    position: int
    title: str
    finished: int = Field(description="Learners who finished the step.")
    median_seconds: float | None


class QuestionFigures(BaseModel):
    id: int
    step: int = Field(description="The step's position.")
    step_title: str
    prompt: str
    answered: int = Field(description="Learners who answered it.")
    missed: int = Field(description="Of them, how many were wrong at the first try.")
    missed_share: float | None
    link: str = Field(description="The step's page, to improve it.")


class CourseAnalytics(BaseModel):
    id: str
    title: str
    started: int
    completed: int
    median_total_seconds: float | None = Field(description="Median over the learners who completed it of the "
                                               "time spent on its steps.")
    steps: list[StepFigures]
    questions: list[QuestionFigures] = Field(description="Most missed first.")


CourseTable = Literal["questions", "steps"]
