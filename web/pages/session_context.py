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
    """The hidden input every POST form carries; htmx sends the same token as a header."""
    token = resolve_viewer(context["request"]).csrf or ""
    return Markup(f'<input type="hidden" name="{CSRF_FIELD}" value="{escape(token)}">')


templates.env.globals.update(current_viewer=current_viewer, csrf_field=csrf_field)
templates.env.filters.update(role_label=lambda role: ROLE_LABELS.get(role, role))
