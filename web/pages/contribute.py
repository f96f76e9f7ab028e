"""Write and edit knowledge: the form, its live Markdown preview, and saving through the content actions.

The form shows L&D an author picker and the official mark; others write as themselves, so for them the
page fills those fields with what the item already has (the action refuses any other value).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from models.errors import ForbiddenError
from models.records import KINDS
from web.actions import content as actions
from web.actions import suggestions
from web.actions import templates as writing_templates
from web.actions.duplicates import like_draft
from web.actions.policy import publishes_for_others
from web.auth import Contributor, Employee, Viewer
from web.checklist import checklist
from web.deps import ServicesDep
from web.markdown import to_html
from web.pages.common import as_sentence
from web.pages.forms import ContentForm, content_id_of, person_label, resolve_people, split_list
from web.pages.render import render
from web.pages.suggestions import suggest_form
from web.params import ContentId
from web.services import Services

router = APIRouter(tags=["pages"], include_in_schema=False)


def _form(title: Annotated[str, Form()] = "", body: Annotated[str, Form()] = "", kind: Annotated[str, Form()] = "",
          tags: Annotated[str, Form()] = "", author: Annotated[str, Form()] = "",
          coauthors: Annotated[list[str], Form()] = [],  # noqa: B006 (FastAPI copies defaults)
          official: Annotated[str, Form()] = "", visible_teams: Annotated[str, Form(max_length=5000)] = "",
          status: Annotated[str, Form(max_length=40)] = "current",
          replaced_by: Annotated[str, Form(max_length=2000)] = "", owner: Annotated[str, Form(max_length=200)] = "",
          ) -> ContentForm:
    return ContentForm(title, body, kind, tags, author, [c for c in coauthors if c], official == "on", visible_teams,
                       status, replaced_by, owner)


FormDep = Annotated[ContentForm, Depends(_form)]
MAX_COAUTHOR_BOXES = 50  # an item has at most 50 authors
# "Add another co-author" posts how many boxes the form had.
MoreBoxes = Annotated[int, Form(ge=0, le=MAX_COAUTHOR_BOXES)]
# Where a rule's complaint shows on the form, by the field it names.
FIELDS = {"title": "title", "body": "body", "kind": "kind", "tags": "tags", "authors": "coauthors",
          "visible_teams": "visible_teams", "replaced_by": "replaced_by", "owner": "owner"}


def _hidden_fields(viewer: Viewer, form: ContentForm, item: dict | None) -> ContentForm:
    """Fields the form does not show to others than L&D: the first author, and the official mark unless
    the post sets it (then the action refuses it, as it does over the API)."""
    if publishes_for_others(viewer):
        return form
    form.author = (item["authors"][0] if item and item["authors"] else viewer.person_id) or ""
    form.official = form.official or bool(item and item["official"])
    return form


def _coauthor_boxes(form: ContentForm, people: list[tuple[str, str]], boxes: int = 0) -> list[str]:
    """One text box per co-author, shown as 'Name (id)' (what was typed where it named nobody), and at least
    one empty box to add one: `boxes` more when "Add another co-author" asked for them."""
    names = dict(people)
    shown = [person_label(entry, names[entry]) if entry in names else entry for entry in form.coauthors]
    return shown + [""] * max(2 - len(shown), 1, min(boxes, MAX_COAUTHOR_BOXES) - len(shown))


def _page(request: Request, services: Services, viewer: Viewer, form: ContentForm, errors: dict,
          item: dict | None = None, similar: list[dict] = (), coauthor_boxes: int = 0, guidance: str = ""):
    store = services.store
    people = store.person_names()
    return render(
        request, "contribute.html", status_code=422 if errors else 200, section="contribute", form=form,
        similar=similar, confirm=bool(similar), people_labels=[person_label(pid, name) for pid, name in people],
        coauthor_boxes=_coauthor_boxes(form, people, coauthor_boxes), add_coauthor=coauthor_boxes > 0,
        errors=errors, item=item, people=people, tags=[tag for tag, _ in store.tag_counts(viewer.audience)],
        preview=to_html(form.body) if form.body else "", teams=store.teams(), lnd=publishes_for_others(viewer),
        author_name=(store.get_person(form.author) or {}).get("name", form.author) if form.author else "",
        checklist=checklist(form.title, form.body, form.kind, form.official, item and item.get("verified")),
        guidance=guidance,
    )


def _save(request: Request, services: Services, viewer: Viewer, form: ContentForm, item: dict | None,
          publish_anyway: bool = False):
    form = _hidden_fields(viewer, form, item)
    errors = form.check(choose_author=publishes_for_others(viewer))
    form.coauthors, unknown = resolve_people(form.coauthors, services.store.person_names())
    if unknown:
        errors["coauthors"] = " ".join(unknown[:3]) + (f" ({len(unknown) - 3} more.)" if len(unknown) > 3 else "")
    problems = actions.draft_problems(services, viewer, form.authors, form.teams, form.official, item)
    problems += actions.lifecycle_problems(services, viewer, item and item["id"], content_id_of(form.replaced_by),
                                           form.owner or None)
    for problem in problems:
        if isinstance(problem, ForbiddenError) and problem.field is None:
            raise problem  # not something to fix in the form: the error page says why
        errors.setdefault(FIELDS.get(problem.field, "form"), as_sentence(str(problem)))
    draft = errors or form.draft(item)
    if isinstance(draft, dict):
        return _page(request, services, viewer, form, draft, item)
    if item is None:
        similar = [] if publish_anyway else like_draft(services, viewer, form.title, form.body, form.kind,
                                                       split_list(form.tags))
        if similar:  # asked once: the form comes back with the warning and "Publish anyway"
            return _page(request, services, viewer, form, {}, item, similar)
        saved = actions.create_item(services, viewer, draft)
    else:
        saved, _ = actions.replace_item(services, viewer, item["id"], draft)
    return RedirectResponse(f"/content/{saved['id']}?saved=1", status_code=303)


@router.get("/contribute", response_class=HTMLResponse)
def new(request: Request, services: ServicesDep, viewer: Employee, author: str = "",
        kind: Annotated[str, Query(max_length=40)] = "", title: Annotated[str, Query(max_length=500)] = "",
        tags: Annotated[str, Query(max_length=500)] = "") -> HTMLResponse:
    """The form for contributors, started from the template of the chosen kind (the body filled with its
    skeleton, its guidance beside the form) and a title and tags when a link brings them (a gap's "Write
    the answer"); an employee is first offered to become one (one click)."""
    if not viewer.at_least("contributor"):
        return render(request, "become_contributor.html", section="contribute")
    form = ContentForm(title=title, tags=tags, author=author or viewer.person_id or "")
    template = writing_templates.template(services, kind) if kind in KINDS else None
    if template:
        form.kind, form.body = kind, template["skeleton"]
    return _page(request, services, viewer, _hidden_fields(viewer, form, None), {},
                 guidance=to_html(template["guidance"]) if template else "")


@router.post("/contribute", response_class=HTMLResponse)
def create(request: Request, services: ServicesDep, viewer: Contributor, form: FormDep,
           publish_anyway: Annotated[str, Form()] = "", more_coauthors: MoreBoxes = 0):
    """Publish a new item; one that nearly duplicates an item the writer can see is first shown again with
    "This looks like ..." until they choose "Publish anyway"."""
    if more_coauthors:
        return _with_another_box(request, services, viewer, form, None, more_coauthors)
    return _save(request, services, viewer, form, None, publish_anyway=bool(publish_anyway))


@router.post("/contribute/preview", response_class=HTMLResponse)
def preview(request: Request, services: ServicesDep, viewer: Contributor, body: Annotated[str, Form()] = "",
            title: Annotated[str, Form(max_length=1000)] = "", kind: Annotated[str, Form(max_length=100)] = "",
            tags: Annotated[str, Form(max_length=5000)] = "", new: Annotated[str, Form()] = "",
            official: Annotated[str, Form(max_length=10)] = "",
            reviewed: Annotated[str, Form(max_length=100)] = "") -> HTMLResponse:
    """The live preview: the body rendered exactly as the content page will show it, and the writing
    checklist; for a new item also the items it looks like (the warning and the checklist are swapped in out
    of band)."""
    similar = like_draft(services, viewer, title, body, kind, split_list(tags)) if new else None
    return render(request, "_preview_and_similar.html", preview=to_html(body), similar=similar or [], oob=True,
                  check_similar=similar is not None,
                  checklist=checklist(title, body, kind, official == "on", reviewed or None,
                                      None if similar is None else [s["title"] for s in similar]))


@router.get("/content/{content_id}/edit", response_class=HTMLResponse)
def edit(request: Request, services: ServicesDep, viewer: Contributor, content_id: ContentId) -> HTMLResponse:
    """The edit form; for official content and anyone but L&D, the form that suggests the change to L&D."""
    item, suggests = suggestions.editing(services, viewer, content_id)
    if suggests:
        return suggest_form(request, services, item, ContentForm.of_item(item))
    return _page(request, services, viewer, ContentForm.of_item(item), {}, item)


@router.post("/content/{content_id}/edit", response_class=HTMLResponse)
def update(request: Request, services: ServicesDep, viewer: Contributor, content_id: ContentId, form: FormDep,
           more_coauthors: MoreBoxes = 0):
    item = actions.editable_item(services, viewer, content_id)
    if more_coauthors:
        return _with_another_box(request, services, viewer, form, item, more_coauthors)
    return _save(request, services, viewer, form, item)


def _with_another_box(request: Request, services: Services, viewer: Viewer, form: ContentForm, item: dict | None,
                      boxes: int):
    """The "Add another co-author" button, which works without JavaScript: the same form as typed, with one
    more empty box; nothing is saved. Names that match one person show as 'Name (id)'."""
    form = _hidden_fields(viewer, form, item)
    form.coauthors, _ = resolve_people(form.coauthors, services.store.person_names())
    return _page(request, services, viewer, form, {}, item, coauthor_boxes=boxes + 1)
