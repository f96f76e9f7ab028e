"""Writing templates per kind over the API: read one (anyone signed in), replace one (L&D). The rules are in
`web.actions.templates`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field

from web.actions import templates as actions
from web.auth import Employee
from web.deps import ServicesDep

router = APIRouter(prefix="/api/templates", tags=["templates"])
Kind = Annotated[str, Path(max_length=40, description="A kind of item, e.g. howto.")]


class TemplateIn(BaseModel):
    skeleton: str = Field(max_length=actions.MAX_SKELETON, description="Markdown a new item of the kind starts from.")
    guidance: str = Field(max_length=actions.MAX_GUIDANCE, description="Short advice shown beside the form (Markdown).")


class TemplatePublic(TemplateIn):
    kind: str
    customised: bool = Field(description="Whether L&D edited it (false: the default that ships with Knowhow).")
    updated: str | None = Field(description="When L&D last edited it.")
    updated_by: str | None = Field(description="Who last edited it.")


@router.get("/{kind}", response_model=TemplatePublic)
def get_template(services: ServicesDep, viewer: Employee, kind: Kind) -> TemplatePublic:
    """The skeleton and guidance for a kind: L&D's edit, else the default."""
    return TemplatePublic(**actions.template(services, kind))


@router.put("/{kind}", response_model=TemplatePublic)
def put_template(services: ServicesDep, viewer: Employee, kind: Kind, body: TemplateIn) -> TemplatePublic:
    """Replace a kind's template (L&D only)."""
    return TemplatePublic(**actions.save_template(services, viewer, kind, body.skeleton, body.guidance))
