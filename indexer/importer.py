"""JSON Lines import: parse and validate every line, report bad ones precisely, apply the good ones in bulk."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from indexer.pipeline import Changes, Indexer, Progress, no_progress
from models.records import Content, Person


@dataclass
class LineError:
    file: str
    line: int
    reason: str

    def __str__(self) -> str:
        # Line 0: the whole file (unreadable, or a document that is one record).
        return f"{self.file}:{self.line}: {self.reason}" if self.line else f"{self.file}: {self.reason}"


@dataclass
class ImportReport:
    people: int = 0
    content: int = 0
    deleted_people: int = 0
    deleted_content: int = 0
    errors: list[LineError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class _Parsed:
    """The last record seen per id wins, as a later line updates an earlier one."""

    people: dict[str, tuple[Person, str, int]] = field(default_factory=dict)
    content: dict[str, tuple[Content, str, int]] = field(default_factory=dict)
    deleted_people: dict[str, None] = field(default_factory=dict)
    deleted_content: dict[str, None] = field(default_factory=dict)


def validation_reason(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"]) or "record"
        parts.append(f"{where}: {err['msg']}" if err["type"] != "missing" else f"missing required field '{where}'")
    return "; ".join(parts)


def parse_lines(lines, source: str, parsed: _Parsed, errors: list[LineError]) -> None:
    """Parse one file's lines into `parsed`; every bad line becomes an error with its number."""
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            record = json.loads(raw)
        except json.JSONDecodeError as exc:
            errors.append(LineError(source, number, f"invalid JSON: {exc.msg} at column {exc.colno}"))
            continue
        except (ValueError, RecursionError) as exc:  # e.g. a 5,000-digit number, or nesting 100,000 deep
            errors.append(LineError(source, number, f"invalid JSON: {str(exc).split(';')[0][:200]}"))
            continue
        if not isinstance(record, dict):
            errors.append(LineError(source, number, "a line must be a JSON object"))
            continue
        kind = record.pop("type", None)
        if kind not in ("person", "content"):
            errors.append(LineError(source, number, f"'type' must be 'person' or 'content', got {kind!r}"))
            continue
        record_id = record.get("id")
        if record.pop("deleted", False) is True:
            if not isinstance(record_id, str) or not record_id:
                errors.append(LineError(source, number, "missing required field 'id'"))
                continue
            target = parsed.deleted_people if kind == "person" else parsed.deleted_content
            (parsed.people if kind == "person" else parsed.content).pop(record_id, None)
            target[record_id] = None
            continue
        try:
            if kind == "person":
                person = Person.model_validate(record)
                parsed.deleted_people.pop(person.id, None)
                parsed.people[person.id] = (person, source, number)
            else:
                item = Content.model_validate(record)
                parsed.deleted_content.pop(item.id, None)
                parsed.content[item.id] = (item, source, number)
        except ValidationError as exc:
            errors.append(LineError(source, number, validation_reason(exc)))


def import_files(indexer: Indexer, paths: list[Path], progress: Progress = no_progress) -> ImportReport:
    """Import files as one run: people and content may come in any order and any of the files."""
    parsed, errors = _Parsed(), []
    for path in paths:
        parse_file(path, str(path), parsed, errors)
    return apply_parsed(indexer, parsed, errors, progress)


def parse_file(path: Path, source: str, parsed: _Parsed, errors: list[LineError]) -> None:
    """One JSON Lines file into `parsed`, read line by line; `source` names it in errors."""
    try:
        with open(path, encoding="utf-8") as handle:
            parse_lines(handle, source, parsed, errors)
    except (OSError, UnicodeDecodeError) as exc:
        errors.append(LineError(source, 0, f"cannot read file: {exc}"))


def import_text(indexer: Indexer, text: str, source: str = "<request>", progress: Progress = no_progress) -> ImportReport:
    parsed, errors = _Parsed(), []
    # Only newlines end a line: str.splitlines() would also split at U+2028 inside a JSON string.
    parse_lines(io.StringIO(text, newline=None), source, parsed, errors)
    return apply_parsed(indexer, parsed, errors, progress)


def apply_parsed(indexer: Indexer, parsed: _Parsed, errors: list[LineError], progress: Progress) -> ImportReport:
    changes = checked_changes(indexer.store, parsed, errors)
    indexer.apply(changes, progress)
    return report_of(changes, errors)


def checked_changes(store, parsed: _Parsed, errors: list[LineError]) -> Changes:
    """The parsed records whose references hold (authors, owner, replacement), as one set of changes; every
    other item becomes an error at its file and line."""
    items = [item for item, _, _ in parsed.content.values()]
    known = store.existing_person_ids(
        [a for item in items for a in item.authors] + [item.owner for item in items if item.owner]
    )
    known = (known | set(parsed.people)) - set(parsed.deleted_people)
    # A replacement may come in the same run, in any file and order.
    replacements = store.existing_content_ids(item.replaced_by for item in items if item.replaced_by)
    replacements = (replacements | set(parsed.content)) - set(parsed.deleted_content)
    content = []
    for item, source, number in parsed.content.values():
        unknown = [a for a in item.authors if a not in known]
        if unknown:
            errors.append(LineError(source, number, f"unknown author id(s): {', '.join(unknown)}"))
        elif item.owner and item.owner not in known:
            errors.append(LineError(source, number, f"unknown owner id: {item.owner}"))
        elif item.replaced_by and item.replaced_by not in replacements:
            errors.append(LineError(source, number, f"replaced_by names no content item: {item.replaced_by}"))
        else:
            content.append(item)
    errors.sort(key=lambda e: (e.file, e.line))
    return Changes.of(
        people=[p for p, _, _ in parsed.people.values()],
        content=content,
        deleted_people=parsed.deleted_people,
        deleted_content=parsed.deleted_content,
    )


def report_of(changes: Changes, errors: list[LineError]) -> ImportReport:
    return ImportReport(
        people=len(changes.people),
        content=len(changes.content),
        deleted_people=len(changes.deleted_people),
        deleted_content=len(changes.deleted_content),
        errors=errors,
    )
