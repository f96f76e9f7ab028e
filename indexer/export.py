"""`knowhow export`: every person and item written out in the import's own formats, so that nobody's
knowledge is locked in: importing the folder into an empty data folder gives the same people and items.

Only records are written: usage (views, ratings, comments, versions) and preferences set in the app stay in
the data folder; a backup keeps everything.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

import frontmatter

from indexer.pipeline import record_fields
from models.errors import InvalidInputError
from models.records import Content, Person
from models.sql import batches
from models.store import Store

FORMATS = ("jsonl", "markdown")


def export(store: Store, target: Path, fmt: str = "jsonl") -> tuple[int, int]:
    """Write people.jsonl and either content.jsonl or one Markdown file per item into `target` (new or
    empty); returns (people, items)."""
    if fmt not in FORMATS:
        raise InvalidInputError(f"unknown export format {fmt!r}: use {' or '.join(FORMATS)}")
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise InvalidInputError(f"{target} is not an empty folder: export into a new or empty one")
    target.mkdir(parents=True, exist_ok=True)
    people = _write_jsonl(target / "people.jsonl", person_records(store))
    if fmt == "jsonl":
        return people, _write_jsonl(target / "content.jsonl", content_records(store))
    return people, _write_markdown(store, target)


def person_records(store: Store) -> Iterator[dict]:
    for part in batches(store.all_person_ids()):
        rows = store.people_by_ids(part)
        for person_id in part:
            person = Person.model_validate(record_fields(rows[person_id], Person))
            yield {"type": "person", **person.model_dump(mode="json", exclude_defaults=True)}


def content_records(store: Store, ids: list[str] | None = None) -> Iterator[dict]:
    """Items (all, or `ids`) as import records. A review date is written only where a record fixed it: the
    others' follows from the item's kind and its last confirmation, and written out it would become fixed on
    the way back."""
    for part in batches(store.all_content_ids() if ids is None else ids):
        rows, fixed = store.content_by_ids(part), store.review_fixed_ids(part)
        for content_id in part:
            item = Content.model_validate(record_fields(rows[content_id], Content))
            record = item.model_dump(mode="json", exclude_defaults=True)
            if content_id not in fixed:
                record.pop("review_due", None)
            yield {"type": "content", **record}


def _write_jsonl(path: Path, records: Iterator[dict]) -> int:
    count = 0
    with open(path, "w", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
            count += 1
    return count


def _write_markdown(store: Store, target: Path) -> int:
    """One file per item: front matter with every field but the body, the body below it. An imported item
    goes back where its file was in the folder it came from (as .md); any other to KIND/ID.md."""
    count, used = 0, set()
    for part in batches(store.all_content_ids()):
        paths = store.source_paths(part)
        for record in content_records(store, part):
            path = _markdown_path(paths.get(record["id"]), record)
            if path in used:
                path = _markdown_path(None, record)
            used.add(path)
            post = frontmatter.Post(record.pop("body"))
            post.metadata.update({key: value for key, value in record.items() if key != "type"})
            file = target / path
            file.parent.mkdir(parents=True, exist_ok=True)
            file.write_text(frontmatter.dumps(post, sort_keys=False) + "\n", encoding="utf-8")
            count += 1
    return count


def _markdown_path(source: str | None, record: dict) -> str:
    if source:
        path = PurePosixPath(source)
        if not path.is_absolute() and ".." not in path.parts:
            return str(path.with_suffix(".md"))
    kind = re.sub(r"[^a-z0-9_]+", "-", record.get("kind", "article")).strip("-") or "article"
    return f"{kind}/{record['id']}.md"
