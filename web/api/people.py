"""/api/people: read the directory; L&D manages it, and everyone edits their own profile. Profiles are
re-indexed on every write; the rules are in `web.actions.people`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status
from pydantic import BaseModel

from web.actions import people as actions
from web.auth import Employee, LnD, Reader, Viewer
from web.deps import ServicesDep
from web.params import PersonId
from web.schemas import PeoplePage, PersonIn, PersonPatch, PersonPublic
from web.services import Services

router = APIRouter(prefix="/api/people", tags=["people"])


def public(row: dict, contributions: int = 0) -> PersonPublic:
    extra = row.get("extra") or {}
    fields = {k: v for k, v in row.items() if k != "extra"}
    return PersonPublic(**{**extra, **fields, "contributions": contributions})


def _public(services: Services, viewer: Viewer, row: dict) -> PersonPublic:
    return public(row, actions.contributions(services, viewer, [row["id"]]).get(row["id"], 0))


@router.get("", response_model=PeoplePage)
def list_people(
    services: ServicesDep,
    viewer: Reader,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000_000)] = 0,
    team: str | None = None,
    mentor: bool | None = None,
) -> PeoplePage:
    rows, total, counts = actions.list_people(services, viewer, limit, offset, team, mentor)
    return PeoplePage(items=[public(r, counts.get(r["id"], 0)) for r in rows], total=total)


@router.get("/{person_id}", response_model=PersonPublic)
def get_person(services: ServicesDep, viewer: Reader, person_id: PersonId) -> PersonPublic:
    return _public(services, viewer, actions.find_person(services, person_id))


class ImpactOut(BaseModel):
    """What a person's writing did; only what others did counts (never the person's own reading, searches,
    ratings or thanks), and only items the caller may see."""

    items: int
    searches_answered: int
    answers: int
    answers_accepted: int
    ratings: int
    mean_stars: float | None
    thanks: int


@router.get("/{person_id}/impact", response_model=ImpactOut)
def impact(services: ServicesDep, viewer: Reader, person_id: PersonId) -> ImpactOut:
    """Items written; searches their items answered (someone else's search from which one of them was opened
    or voted helpful, and that was not voted unhelpful); answers written and accepted; ratings received
    (count and mean stars) and thanks."""
    return ImpactOut(**actions.impact(services, viewer, person_id))


@router.post("", response_model=PersonPublic, status_code=status.HTTP_201_CREATED)
def create_person(services: ServicesDep, viewer: LnD, body: PersonIn) -> PersonPublic:
    return _public(services, viewer, actions.create_person(services, viewer, body))


@router.put("/{person_id}", response_model=PersonPublic,
            responses={201: {"model": PersonPublic, "description": "Added under this id (L&D)"}})
def replace_person(services: ServicesDep, viewer: Employee, person_id: PersonId, body: PersonIn,
                   response: Response) -> PersonPublic:
    """Replace a person's record (L&D), or one's own bio, skills and mentor opt-in (the rest is kept)."""
    person, created = actions.replace_person(services, viewer, person_id, body)
    if created:
        response.status_code = status.HTTP_201_CREATED
    return _public(services, viewer, person)


@router.patch("/{person_id}", response_model=PersonPublic)
def change_person(services: ServicesDep, viewer: Employee, person_id: PersonId, body: PersonPatch) -> PersonPublic:
    """Change some fields: L&D any, a person their own bio, skills and mentor opt-in."""
    return _public(services, viewer, actions.update_person(services, viewer, person_id,
                                                           body.model_dump(exclude_unset=True)))


@router.delete("/{person_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_person(services: ServicesDep, viewer: LnD, person_id: PersonId) -> Response:
    """Remove a person; the content they wrote stays, without them as author."""
    actions.delete_person(services, viewer, person_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
