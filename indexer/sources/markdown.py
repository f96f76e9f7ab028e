"""Markdown files: YAML front matter (python-frontmatter, parsed with PyYAML's safe loader) for the record's
fields, the text below it as the body."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from typing import Any

import frontmatter
import yaml

from indexer.sources import Document, SourceError, text_of

_H1 = re.compile(r"^\s{0,3}#\s+(.+?)\s*#*\s*$")
_FENCE = re.compile(r"^\s{0,3}(```|~~~)")
# Front matter lists that people also write as one string: "tags: vpn, remote work".
LIST_FIELDS = ("tags", "visible_teams", "authors")
# Names other tools give these fields (Jekyll, Hugo, MkDocs, Obsidian).
ALIASES = {"author": "authors", "date": "created", "lastmod": "updated", "teams": "visible_teams"}


def read_markdown(data: bytes) -> Document:
    text = text_of(data, "Markdown")
    try:
        meta, body = frontmatter.parse(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1} of the front matter)" if mark else ""
        problem = getattr(exc, "problem", None) or exc
        raise SourceError(f"the front matter is not valid YAML: {problem}{where}") from None
    fields = front_matter_fields(meta)
    title = str(fields.pop("title", "") or "").strip()
    authors = [str(a) for a in fields.pop("authors", [])]
    return Document(body=body, title=title, fields=fields, authors=authors)


def front_matter_fields(meta: dict[str, Any]) -> dict[str, Any]:
    """Front matter as record fields: aliases renamed, comma-separated lists split, YAML dates as UTC times,
    a numeric id as text. Other keys are kept, as any record's unknown fields are."""
    fields: dict[str, Any] = {}
    # The record's own names first: given `created` as well as `date`, `created` wins.
    for key, value in sorted(meta.items(), key=lambda pair: str(pair[0]) in ALIASES):
        key = ALIASES.get(str(key), str(key))
        fields.setdefault(key, _plain(key, value))
    return fields


def _plain(key: str, value: Any) -> Any:
    if key in LIST_FIELDS:
        if value is None:
            return []
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return [str(v) for v in value] if isinstance(value, list) else [str(value)]
    if isinstance(value, date) and not isinstance(value, datetime):
        return datetime.combine(value, time(), tzinfo=UTC)
    if key in ("id", "owner", "replaced_by") and isinstance(value, int | float):
        return str(value)
    return value


def title_from_heading(body: str) -> tuple[str, str]:
    """For a document that names no title: its first level-1 heading outside code, which leaves the body
    when it opens it (the item's page shows the title already); ("", body) without one."""
    lines = body.split("\n")
    fenced = False
    for number, line in enumerate(lines):
        if _FENCE.match(line):
            fenced = not fenced
        elif not fenced and (match := _H1.match(line)):
            if not any(earlier.strip() for earlier in lines[:number]):
                body = "\n".join(lines[number + 1 :]).strip()
            return match.group(1), body
    return "", body


def without_title_heading(title: str, body: str) -> str:
    """The body without a first heading that repeats the title (a Word or PDF title set in the properties
    and typed again as the first heading)."""
    heading, rest = title_from_heading(body)
    return rest if title and heading.casefold() == title.casefold() else body
