"""People: the directory, a profile (what they wrote, what they are asked about, mentoring) and its edit form."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse

from models.errors import NotFoundError
from models.records import Person
from web.auth import Employee, Reader, Viewer
from web.deps import IndexerDep, StoreDep
from web.pages.common import Pager
from web.pages.forms import ProfileForm
from web.pages.render import render

router = APIRouter(prefix="/people", tags=["pages"], include_in_schema=False)
PAGE_SIZE = 24


def found(store, person_id: str) -> dict:
    person = store.get_person(person_id)
    if person is None:
        raise NotFoundError(f"There is nobody with id {person_id!r} here.")
    return person


@router.get("", response_class=HTMLResponse)
def directory(request: Request, store: StoreDep, viewer: Reader, team: str = "", mentors: bool = False,
              page: Annotated[int, Query(ge=1)] = 1) -> HTMLResponse:
    pager = Pager(page, PAGE_SIZE, 0)
    people, pager.total = store.list_people(PAGE_SIZE, pager.offset, team or None, True if mentors else None)
    counts = _contributions(store, viewer, [p["id"] for p in people])
    return render(request, "people.html", section="people", people=people, counts=counts, pager=pager,
                  team=team, mentors=mentors, teams=store.teams())


def _contributions(store, viewer: Viewer, person_ids: list[str]) -> dict[str, int]:
    """Items per person as the viewer sees them: a restricted item does not leak through a count."""
    return store.contribution_counts(person_ids, viewer.audience)


def may_manage(viewer: Viewer, person_id: str) -> bool:
    """A profile is edited, and mentoring requests to it answered, by its person or by L&D."""
    return viewer.role == "lnd" or (viewer.person_id is not None and viewer.person_id == person_id)


@router.get("/{person_id}", response_class=HTMLResponse)
def profile(request: Request, store: StoreDep, viewer: Reader, person_id: str, saved: bool = False) -> HTMLResponse:
    person = found(store, person_id)
    contributions, total = store.list_content(limit=50, author=person_id, sort="updated", audience=viewer.audience)
    incoming = store.mentoring_requests(mentor_id=person_id)
    manage = may_manage(viewer, person_id)
    return render(
        request, "profile.html", section="people", person=person, contributions=contributions,
        contribution_total=total, asked=store.asked_about(person_id, 10), kudos=store.kudos_received([person_id], viewer.audience).get(person_id, 0),
        pending=[r for r in incoming if r["status"] == "pending"],
        mentees=[r for r in incoming if r["status"] == "accepted"],
        sent=store.mentoring_requests(mentee_id=person_id), saved=saved, manage=manage,
        content_requests=store.gap_requests(expert_id=person_id) if manage else [],
    )


def _form(bio: Annotated[str, Form()] = "", skills: Annotated[str, Form()] = "",
          mentor: Annotated[str, Form()] = "", availability: Annotated[str, Form()] = "available",
          capacity: Annotated[str, Form()] = "2") -> ProfileForm:
    return ProfileForm(bio, skills, mentor == "on", availability, capacity)


def _editable(store, viewer: Viewer, person_id: str) -> dict:
    person = found(store, person_id)
    if not may_manage(viewer, person_id):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "You can edit your own profile only.")
    return person


@router.get("/{person_id}/edit", response_class=HTMLResponse)
def edit(request: Request, store: StoreDep, viewer: Employee, person_id: str) -> HTMLResponse:
    person = _editable(store, viewer, person_id)
    return render(request, "profile_edit.html", section="people", person=person, form=ProfileForm.of_person(person),
                  errors={})


@router.post("/{person_id}/edit", response_class=HTMLResponse)
def update(request: Request, store: StoreDep, indexer: IndexerDep, viewer: Employee, person_id: str,
           form: Annotated[ProfileForm, Depends(_form)]):
    person = _editable(store, viewer, person_id)
    errors = form.check()
    record = errors or form.record(person)
    if not isinstance(record, Person):
        return render(request, "profile_edit.html", status_code=422, section="people", person=person, form=form,
                      errors=record)
    indexer.upsert_person(record)  # skills and bio change what the person is found for
    store.set_mentoring(person_id, form.availability, int(form.capacity))
    if viewer.person_id != person_id:
        store.audit(viewer.username, "profile_edited", person_id, "by L&D")
    return RedirectResponse(f"/people/{person_id}?saved=1", status_code=303)
