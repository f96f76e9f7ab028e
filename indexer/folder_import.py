"""`knowhow import PATH...`: files and folders in every format the import reads, re-runnable.

It walks what it is given, reads only the files whose checksum changed since the last run (JSON Lines files
are record streams with their own ids, applied whole as always), turns each document into one item with a
stable id, points links between its pages at their items, names authors by id, e-mail or name, and applies
everything as one run through the indexer together with each file's source, so a re-run, the same folder
imported from elsewhere, or `--delete-missing` knows which item each file made.
"""

from __future__ import annotations

import hashlib
import os
import posixpath
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from pydantic import ValidationError

from indexer.importer import (
    ImportReport,
    LineError,
    _Parsed,
    checked_changes,
    parse_file,
    report_of,
    validation_reason,
)
from indexer.pipeline import Changes, Indexer, Progress, no_progress, record_fields
from indexer.sources import Document, SourceError, reader_for
from indexer.sources.directory import Directory
from indexer.sources.links import LinkMap
from indexer.sources.markdown import title_from_heading
from indexer.sources.people_csv import CsvPeople, person_id_for_email, read_people_csv
from indexer.sources.walk import Found, FoundFile, find_files
from models.records import Content, Person


@dataclass
class FolderReport(ImportReport):
    """The records' counts and errors, and what happened to each document and people CSV."""

    new: int = 0
    changed: int = 0
    unchanged: int = 0
    removed: int = 0
    skipped: int = 0
    warnings: list[str] = field(default_factory=list)
    ignored: Counter = field(default_factory=Counter)  # suffix -> files of types the import does not read
    # (file as shown, "new" or "changed", the item it made: None for a people CSV), for a summary that links them
    imported: list[tuple[str, str, str | None]] = field(default_factory=list)

    @property
    def files(self) -> int:
        return self.new + self.changed + self.unchanged + self.skipped


@dataclass
class _Read:
    """A document or people CSV read in this run, and what an earlier run stored of it."""

    file: FoundFile
    checksum: str
    stored: dict | None
    document: Document | None = None
    people: CsvPeople | None = None
    content_id: str = ""
    unresolved: list[str] = field(default_factory=list)


def import_paths(indexer: Indexer, paths: list[Path], delete_missing: bool = False,
                 progress: Progress = no_progress) -> FolderReport:
    """Import files and folders as one run; with `delete_missing`, items whose file under a folder named here
    is gone are removed (people never are: a person leaving is not a file disappearing)."""
    run = _Run(indexer, find_files(paths))
    run.read_files(progress)
    known = indexer.store.directory() if run.read or run.unchanged else []
    _add_csv_people(indexer.store, known, [r for r in run.read if r.people], run.parsed, run.errors)
    directory = Directory(known, [p for p, _, _ in run.parsed.people.values()], set(run.parsed.deleted_people))
    run.retry_unresolved(directory)
    documents = [r for r in run.read if r.document]
    _assign_ids(indexer.store, documents, run.stored, run.found.files, run.errors)
    links = _link_maps(run.found.files, run.stored, documents)
    for entry in documents:
        if entry.content_id:
            _add_document(entry, directory, links[entry.file.root], run.parsed, run.errors, run.report.warnings)

    changes = checked_changes(indexer.store, run.parsed, run.errors)
    _record_sources(changes, run.read, run.report)
    if delete_missing:
        _remove_missing(indexer.store, run.found, changes, run.report)
    accepted = {item.id for item in changes.content}
    run.report.skipped += sum(1 for entry in documents if entry.content_id not in accepted)
    indexer.apply(changes, progress)
    counts = report_of(changes, run.errors)
    report = run.report
    report.people, report.content, report.errors = counts.people, counts.content, counts.errors
    report.deleted_people, report.deleted_content = counts.deleted_people, counts.deleted_content
    return report


class _Run:
    """What one import has found, read and parsed so far."""

    def __init__(self, indexer: Indexer, found: Found):
        self.found, self.limit = found, indexer.settings.max_import_file_bytes
        self.parsed, self.errors, self.report = _Parsed(), [], FolderReport(ignored=found.ignored)
        self.stored = indexer.store.sources_at(f.location for f in found.files if f.kind != "jsonl")
        self.read: list[_Read] = []
        self.unchanged: list[tuple[FoundFile, dict]] = []

    def read_files(self, progress: Progress) -> None:
        """JSON Lines records, and every document and CSV whose checksum differs from the stored one."""
        total = len(self.found.files)
        progress("files", 0, total)
        for done, file in enumerate(self.found.files, start=1):
            if file.kind == "jsonl":
                before = len(self.errors)
                parse_file(Path(file.location), file.shown, self.parsed, self.errors)
                self.report.skipped += sum(1 for error in self.errors[before:] if not error.line)  # unreadable
            else:
                self._read(file, self.stored.get(file.location), keep_unchanged=True)
            progress("files", done, total)

    def retry_unresolved(self, directory: Directory) -> None:
        """An unchanged file is read again when an author it named that matched nobody matches someone now (an
        HR CSV imported since); otherwise its warnings are said again, until it is fixed."""
        for file, row in self.unchanged:
            if any(directory.find(who)[0] for who in row["unresolved"]):
                self._read(file, row, keep_unchanged=False)
            else:
                self.report.unchanged += 1
                self.report.warnings += [f"{file.shown}: author {directory.find(who)[1]}; imported without them"
                                         for who in row["unresolved"]]

    def _read(self, file: FoundFile, row: dict | None, keep_unchanged: bool) -> None:
        try:
            data = _bytes(file, self.limit)
            if keep_unchanged and row is not None and row["checksum"] == _checksum(data):
                self.unchanged.append((file, row))
            else:
                self.read.append(_read(file, data, row))
        except SourceError as exc:
            self.errors.append(LineError(file.shown, 0, str(exc)))
            self.report.skipped += 1


def _bytes(file: FoundFile, limit: int) -> bytes:
    try:
        size = os.stat(file.location).st_size
        if size > limit:
            raise SourceError(over_limit(size, limit))
        with open(file.location, "rb") as handle:
            return handle.read(limit + 1)
    except OSError as exc:
        raise SourceError(f"cannot read the file: {exc.strerror or exc}") from None


def over_limit(size: int, limit: int) -> str:
    """Why a file of `size` bytes is not read (an upload refuses it in the same words)."""
    return f"{size_text(size)}, over the import limit of {size_text(limit)} (KNOWHOW_MAX_IMPORT_FILE_BYTES)"


def size_text(count: int) -> str:
    return f"{count / 1e6:.1f} MB" if count >= 1e6 else f"{count / 1e3:.1f} kB"


def _checksum(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _read(file: FoundFile, data: bytes, row: dict | None) -> _Read:
    entry = _Read(file, _checksum(data), row)
    try:
        if file.kind == "csv":
            entry.people = read_people_csv(data)
        else:
            entry.document = reader_for(PurePosixPath(file.path).suffix)(data)
    except SourceError:
        raise
    except Exception as exc:  # noqa: BLE001 (one malformed file must not stop the rest)
        raise SourceError(f"cannot read it: {type(exc).__name__}: {str(exc)[:200]}") from None
    return entry


def _add_csv_people(store, known: list[tuple], entries: list[_Read], parsed: _Parsed, errors: list[LineError]) -> None:
    """HR rows as people. Someone already known keeps what the export does not hold (bio, skills, mentoring:
    their own words); a row without an id is the person with its e-mail, else a new id made from the e-mail.
    `manager` is kept as the manager's person id where it names someone, else as written."""
    before = Directory(known, [p for p, _, _ in parsed.people.values()])
    rows = []
    for entry in entries:
        errors += [LineError(entry.file.shown, line, reason) for line, reason in entry.people.errors]
        for line, values in entry.people.rows:
            email = values.get("email", "")
            pid = values.pop("id", None) or before.email_owner(email) or person_id_for_email(email)
            rows.append((entry.file.shown, line, {**values, "id": pid}))
    existing = store.people_by_ids(values["id"] for _, _, values in rows)
    candidates = []
    for shown, line, values in rows:
        kept = record_fields(existing[values["id"]], Person) if values["id"] in existing else {}
        candidates.append((shown, line, {**kept, **values}))
    directory = Directory(known, [Person.model_construct(**v) for _, _, v in candidates])
    for shown, line, values in candidates:
        if values.get("manager"):
            values["manager"] = directory.find(values["manager"])[0] or values["manager"]
        try:
            person = Person.model_validate(values)
        except ValidationError as exc:
            errors.append(LineError(shown, line, validation_reason(exc)))
            continue
        parsed.deleted_people.pop(person.id, None)
        parsed.people[person.id] = (person, shown, line)


def _derived_id(key: str) -> str:
    """A readable id that the same file always gets: its path as words, and a hash of where it lies."""
    words = unicodedata.normalize("NFKD", posixpath.splitext(key.split("/", 1)[-1])[0]).encode("ascii", "ignore")
    slug = re.sub(r"[^a-z0-9]+", "-", words.decode().lower()).strip("-")[:80].strip("-") or "page"
    return f"{slug}-{hashlib.sha256(key.encode()).hexdigest()[:10]}"


def _assign_ids(store, documents: list[_Read], stored: dict[str, dict], files: list[FoundFile],
                errors: list[LineError]) -> None:
    """Each document's item id: the one its front matter gives, else the one its file made before, else one
    derived from the folder's name and its path in it (not where the folder lies: a folder moved or copied
    to another machine keeps its ids). Two present files never share an id."""
    for entry in documents:
        explicit = entry.document.fields.pop("id", None)
        previous = entry.stored["content_id"] if entry.stored else None
        entry.content_id = str(explicit) if explicit not in (None, "") else previous or ""
    fresh = {e.file.location: _derived_id(f"{posixpath.basename(e.file.root)}/{e.file.path}")
             for e in documents if not e.content_id}
    taken = store.source_locations(fresh.values())
    for entry in documents:
        if not entry.content_id:
            derived = fresh[entry.file.location]
            # Two folders of one name holding the same path: the second file gets an id of its own. A folder
            # moved elsewhere (the old file is gone) keeps its items.
            other = taken.get(derived)
            clash = other not in (None, entry.file.location) and os.path.exists(other)
            entry.content_id = _derived_id(entry.file.location) if clash else derived
    reading, present = {e.file.location for e in documents}, {f.location for f in files}
    owner = {row["content_id"]: location for location, row in stored.items()
             if row["content_id"] and location not in reading and location in present}
    shown = {f.location: f.shown for f in files}
    for entry in documents:
        other = owner.setdefault(entry.content_id, entry.file.location)
        if other != entry.file.location:
            errors.append(LineError(entry.file.shown, 0, f"its id '{entry.content_id}' is already the id of "
                                                         f"{shown[other]}"))
            entry.content_id = ""


def _link_maps(files: list[FoundFile], stored: dict[str, dict], documents: list[_Read]) -> dict[str, LinkMap]:
    """Per import folder, every page present in it and its item, whether read now or unchanged."""
    ids = {location: row["content_id"] for location, row in stored.items() if row["content_id"]}
    ids.update({e.file.location: e.content_id for e in documents if e.content_id})
    pages: dict[str, dict[str, str]] = {}
    for file in files:
        pages.setdefault(file.root, {})
        if file.location in ids:
            pages[file.root][file.path] = ids[file.location]
    return {root: LinkMap(paths) for root, paths in pages.items()}


def _add_document(entry: _Read, directory: Directory, links: LinkMap, parsed: _Parsed,
                  errors: list[LineError], warnings: list[str]) -> None:
    """The document as a content record. An author who matches nobody is left out with a warning rather than
    the page refused: a wiki is full of pages by people who have since left."""
    document, shown = entry.document, entry.file.shown
    fields, authors = dict(document.fields), []
    for who in document.authors:
        person_id, why = directory.find(who)
        if person_id:
            authors.append(person_id)
        else:
            entry.unresolved.append(who)
            warnings.append(f"{shown}: author {why}; imported without them")
    if fields.get("owner"):
        person_id, why = directory.find(fields["owner"])
        if not person_id:
            warnings.append(f"{shown}: owner {why}; its first author keeps it instead")
        fields["owner"] = person_id
    title, body = (document.title, document.body) if document.title else title_from_heading(document.body)
    record = {**fields, "id": entry.content_id, "title": title or _name_title(entry.file.path),
              "body": links.rewrite(entry.file.path, body), "authors": authors}
    try:
        item = Content.model_validate(record)
    except ValidationError as exc:
        errors.append(LineError(shown, 0, validation_reason(exc)))
        entry.content_id = ""
        return
    parsed.content[item.id] = (item, shown, 0)


def _name_title(path: str) -> str:
    words = " ".join(re.sub(r"[_-]+", " ", PurePosixPath(path).stem).split())
    return words[:1].upper() + words[1:]


def _record_sources(changes: Changes, read: list[_Read], report: FolderReport) -> None:
    """Sources of the files whose item was accepted (and of people CSVs); a file that now names another id
    than before takes its old item away with it."""
    accepted = {item.id for item in changes.content}
    for entry in read:
        if entry.document and entry.content_id not in accepted:
            continue
        changes.sources.append({
            "location": entry.file.location, "root": entry.file.root, "path": entry.file.path,
            "checksum": entry.checksum, "content_id": entry.content_id or None, "unresolved": entry.unresolved,
        })
        outcome = "new" if entry.stored is None else "changed"
        report.imported.append((entry.file.shown, outcome, entry.content_id or None))
        if entry.stored is None:
            report.new += 1
        else:
            report.changed += 1
            old = entry.stored["content_id"]
            if old and old != entry.content_id and old not in accepted:
                changes.deleted_content.append(old)


def _remove_missing(store, found, changes: Changes, report: FolderReport) -> None:
    present = {f.location for f in found.files}
    accepted = {item.id for item in changes.content}
    for root in found.folders:
        for location, row in store.sources_under(root).items():
            if location in present:
                continue
            if row["content_id"] and row["content_id"] not in accepted:
                changes.deleted_content.append(row["content_id"])
                report.removed += 1
            elif not row["content_id"]:
                changes.gone_sources.append(location)
    changes.deleted_content = list(dict.fromkeys(changes.deleted_content))
