"""People: the directory, a profile (what they wrote, what they are asked about, mentoring) and its edit form."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from models.errors import NotFoundError
from web.actions import people as actions
from web.actions.gaps import requests_for_profile
from web.actions.mentoring import mentoring_of
from web.actions.policy import may_manage_person
from web.auth import Employee, Reader
from web.deps import ServicesDep
from web.pages.common import Pager
from web.pages.forms import ProfileForm
from web.pages.render import render
from web.params import PageNumber
from web.services import Services

router = APIRouter(prefix="/people", tags=["pages"], include_in_schema=False)
PAGE_SIZE = 24


def found(services: Services, person_id: str) -> dict:
    try:
        return actions.find_person(services, person_id)
    except NotFoundError:
        raise NotFoundError(f"There is nobody with id {person_id!r} here.") from None


@router.get("", response_class=HTMLResponse)
def directory(request: Request, services: ServicesDep, viewer: Reader, team: str = "", mentors: bool = False,
              page: PageNumber = 1) -> HTMLResponse:
    pager = Pager(page, PAGE_SIZE, 0)
    people, pager.total, counts = actions.list_people(services, viewer, PAGE_SIZE, pager.offset, team or None,
                                                      True if mentors else None)
    return render(request, "people.html", section="people", people=people, counts=counts, pager=pager,
                  team=team, mentors=mentors, teams=services.store.teams())


@router.get("/{person_id}", response_class=HTMLResponse)
def profile(request: Request, services: ServicesDep, viewer: Reader, person_id: str, saved: bool = False) -> HTMLResponse:
    store = services.store
    person = found(services, person_id)
    contributions, total = store.list_content(limit=50, author=person_id, sort="updated", audience=viewer.audience)
    return render(
        request, "profile.html", section="people", person=person, contributions=contributions,
        contribution_total=total, asked=actions.asked_about(services, viewer, person_id),
        impact=actions.impact(services, viewer, person_id),
        saved=saved, manage=may_manage_person(viewer, person_id),
        content_requests=requests_for_profile(services, viewer, person_id),
        **mentoring_of(services, viewer, person_id),
    )


def _form(bio: Annotated[str, Form()] = "", skills: Annotated[str, Form()] = "",
          mentor: Annotated[str, Form()] = "", availability: Annotated[str, Form()] = "available",
          capacity: Annotated[str, Form()] = "2") -> ProfileForm:
    return ProfileForm(bio, skills, mentor == "on", availability, capacity)


@router.get("/{person_id}/edit", response_class=HTMLResponse)
def edit(request: Request, services: ServicesDep, viewer: Employee, person_id: str) -> HTMLResponse:
    person = actions.editable_person(services, viewer, person_id)
    return render(request, "profile_edit.html", section="people", person=person, form=ProfileForm.of_person(person),
                  errors={})


@router.post("/{person_id}/edit", response_class=HTMLResponse)
def update(request: Request, services: ServicesDep, viewer: Employee, person_id: str,
           form: Annotated[ProfileForm, Depends(_form)]):
    person = actions.editable_person(services, viewer, person_id)
    errors = form.check()
    if errors:
        return render(request, "profile_edit.html", status_code=422, section="people", person=person, form=form,
                      errors=errors)
    actions.update_own_profile(services, viewer, person_id, form.changes(), form.mentoring)
    return RedirectResponse(f"/people/{person_id}?saved=1", status_code=303)
