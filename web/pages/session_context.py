"""What every page template may ask about the signed-in person: who they are and the CSRF field."""

from __future__ import annotations

from jinja2 import pass_context
from markupsafe import Markup, escape

from web.auth import CSRF_FIELD, resolve_viewer
from web.pages.render import templates

ROLE_LABELS = {"anonymous": "not signed in", "employee": "employee", "contributor": "contributor", "lnd": "L&D"}


@pass_context
def current_viewer(context):
    return resolve_viewer(context["request"])


@pass_context
def csrf_field(context) -> Markup:
    """The hidden input every POST form carries (the session's token, or an SSO proxy user's; empty when not
    signed in); htmx sends the same token as a header."""
    token = resolve_viewer(context["request"]).csrf or ""
    return Markup(f'<input type="hidden" name="{CSRF_FIELD}" value="{escape(token)}">')


@pass_context
def signed_in_name(context) -> str:
    """The signed-in person's name for the header (the user name when the account has no person)."""
    request = context["request"]
    viewer = resolve_viewer(request)
    person = request.app.state.services.store.get_person(viewer.person_id) if viewer.person_id else None
    return person["name"] if person else (viewer.username or "")


templates.env.globals.update(current_viewer=current_viewer, csrf_field=csrf_field, signed_in_name=signed_in_name)
templates.env.filters.update(role_label=lambda role: ROLE_LABELS.get(role, role))
