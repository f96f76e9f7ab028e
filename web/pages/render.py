"""Jinja2 set-up for the pages: the template folder, the filters templates use, and one render call."""

from __future__ import annotations

import html
import re
import zlib
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import quote, urlencode

import nh3
from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from markupsafe import Markup, escape

from finder.snippets import highlight_spans
from finder.terms import term_stems
from models.records import KINDS
from web.markdown import comment_to_html, to_html

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
templates = Jinja2Templates(directory=str(TEMPLATES))  # autoescape is on for .html

REQUEST_KIND_LABELS = {"content": "Content request", "gap": "Request to write", "question": "Question",
                       "mentoring": "Mentoring"}
KIND_LABELS = {
    "howto": "How-to", "anecdote": "Story", "best_practice": "Best practice", "answer": "Answer",
    "course": "Course", "policy": "Policy", "article": "Article",
}
AVAILABILITY_LABELS = {"available": "Available", "limited": "Limited", "not_now": "Not now"}


def highlight(text: str, query: str | None) -> Markup:
    """The text with the query's words (neighbours joined into one phrase) wrapped in <mark>; every piece is
    escaped before it is joined."""
    stems = term_stems(query) if query else set()
    if not stems:
        return escape(text)
    return Markup("").join(Markup("<mark>%s</mark>") % piece if marked else escape(piece)
                           for piece, marked in highlight_spans(text, stems))


def _parse(value) -> datetime | None:
    if not value:
        return None
    if isinstance(value, datetime):
        moment = value
    else:
        try:
            moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def ago(value, now: datetime | None = None) -> str:
    """'today', '3 days ago', '5 months ago', '2 years ago': how fresh a piece of knowledge is."""
    moment = _parse(value)
    if moment is None:
        return ""
    days = ((now or datetime.now(timezone.utc)) - moment).days
    if days < 1:
        return "today"
    if days < 2:
        return "yesterday"
    if days < 45:
        return f"{days} days ago"
    months = round(days / 30.44)
    if months < 12:
        return f"{months} months ago"
    years = days // 365
    return "1 year ago" if years == 1 else f"{years} years ago"


def months_old(value) -> int:
    moment = _parse(value)
    return (datetime.now(timezone.utc) - moment).days // 30 if moment else 0


def day(value) -> str:
    moment = _parse(value)
    return f"{moment.day} {moment:%b %Y}" if moment else ""


def initials(name: str) -> str:
    parts = [p for p in re.split(r"[\s\-]+", name or "") if p]
    if not parts:
        return "?"
    letters = parts[0][0] + (parts[-1][0] if len(parts) > 1 else "")
    return letters.upper()


def hue(key: str) -> int:
    """A stable avatar colour (one of six) per person."""
    return zlib.crc32((key or "").encode()) % 6


def excerpt(body: str, max_chars: int = 240) -> str:
    """Plain text from the start of a Markdown body, for cards without a matched passage."""
    text = " ".join(html.unescape(nh3.clean(str(to_html(body[:3000])), tags=set())).split())
    if len(text) <= max_chars:
        return text
    return text[: text.rfind(" ", 0, max_chars)].rstrip(" ,;:") + "…"


@pass_context
def contact_url(context, person) -> str | None:
    """The person's contact link from `settings.contact_url_template`; None when it needs an email they lack."""
    template = context["request"].app.state.services.settings.contact_url_template
    get = person.get if isinstance(person, dict) else lambda key: getattr(person, key, None)
    email = get("email")
    if "{email}" in template and not email:
        return None
    return template.format(email=quote(email or "", safe="@"), id=quote(get("id") or ""),
                           name=quote(get("name") or ""))


@pass_context
def url_with(context, **changes) -> str:
    """The current page's URL with some query parameters replaced (None drops one): for pagination and filters."""
    request: Request = context["request"]
    params = dict(request.query_params)
    for key, value in changes.items():
        if value is None or value == "":
            params.pop(key, None)
        else:
            params[key] = str(value)
    return request.url.path + ("?" + urlencode(params) if params else "")


templates.env.filters.update(
    highlight=highlight, ago=ago, day=day, initials=initials, hue=hue, markdown=to_html,
    kind_label=lambda kind: KIND_LABELS.get(kind, (kind or "").replace("_", " ").capitalize()),
    availability_label=lambda value: AVAILABILITY_LABELS.get(value or "available", value),
    months_old=months_old, excerpt=excerpt, comment_markdown=comment_to_html,
)
templates.env.globals.update(contact_url=contact_url, url_with=url_with, KINDS=KINDS, KIND_LABELS=KIND_LABELS,
                             REQUEST_KIND_LABELS=REQUEST_KIND_LABELS,
                             AVAILABILITY_LABELS=AVAILABILITY_LABELS)


def is_htmx(request: Request) -> bool:
    """An htmx request wants only the swapped region; a history restore wants the whole page."""
    return request.headers.get("HX-Request") == "true" and request.headers.get("HX-History-Restore-Request") != "true"


def is_real_visit(request: Request) -> bool:
    """Whether a person opened this page (a navigation, or htmx on one of our pages), not a browser
    fetching it as an image, script or frame another page embeds. Pages that record something (a view,
    a logged question) record it only for real visits. Browsers say what a fetch is for in
    Sec-Fetch-Dest; without it (old browsers, scripts), a fetch that accepts HTML counts."""
    destination = request.headers.get("sec-fetch-dest")
    if destination is not None:
        return destination == "document" or (destination == "empty" and request.headers.get("HX-Request") == "true")
    accept = request.headers.get("accept", "")
    return "text/html" in accept or accept in ("", "*/*")


def render(request: Request, name: str, status_code: int = 200, **context) -> HTMLResponse:
    response = templates.TemplateResponse(request, name, context, status_code=status_code)
    # The same URL answers with a page or a fragment: caches must key on the header that decides.
    response.headers["Vary"] = "HX-Request"
    return response


ERROR_TITLES = {404: "Not found", 409: "Already done", 422: "That did not work", 503: "Not available right now"}


def error_page(request: Request, status_code: int, message: str) -> HTMLResponse:
    title = ERROR_TITLES.get(status_code, "Something went wrong")
    return render(request, "error.html", status_code=status_code, title=title, message=message)
