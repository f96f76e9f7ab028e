"""People from an HR export (CSV): columns found by their header, in any case and order, under the names
HR systems give them. Columns it does not know are left out: an HR export may hold salaries and birth
dates, which have no place in a knowledge directory."""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass, field

from indexer.sources import SourceError, not_binary

# Record field -> header names (lower case, runs of spaces, '_' and '-' as one space).
COLUMNS = {
    "id": ("id", "employee id", "employee number", "employee no", "staff id", "person id", "personnel number"),
    "name": ("name", "full name", "display name", "employee name", "employee"),
    "first_name": ("first name", "given name", "firstname", "forename"),
    "last_name": ("last name", "surname", "family name", "lastname"),
    "email": ("email", "e mail", "work email", "work e mail", "email address", "e mail address", "mail"),
    "title": ("title", "job title", "position", "job", "role"),
    "team": ("team", "department", "dept", "division", "organisation unit", "organization unit"),
    "location": ("location", "office", "city", "site", "work location"),
    "manager": ("manager", "manager email", "manager id", "line manager", "reports to", "supervisor"),
    "bio": ("bio", "about"),
    "skills": ("skills", "expertise"),
    "mentor": ("mentor",),
}
_HEADER = {name: record_field for record_field, names in COLUMNS.items() for name in names}
_SPACES = re.compile(r"[\s_\-]+")
_YES = {"yes", "y", "true", "1", "x"}


@dataclass
class CsvPeople:
    rows: list[tuple[int, dict]] = field(default_factory=list)  # (line, person fields, "manager" as written)
    errors: list[tuple[int, str]] = field(default_factory=list)  # (line, reason)


def person_id_for_email(email: str) -> str:
    """A stable id for someone the export gives no id: the same e-mail gives the same id on every run."""
    return "p-" + hashlib.sha256(email.strip().lower().encode()).hexdigest()[:12]


def read_people_csv(data: bytes) -> CsvPeople:
    text = _text(data)
    try:
        dialect = csv.Sniffer().sniff(text.split("\n", 1)[0], delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    header = next(reader, None)
    columns = {i: _HEADER.get(_SPACES.sub(" ", h.strip().lower())) for i, h in enumerate(header or [])}
    found = set(columns.values())
    if not ({"name", "first_name", "last_name"} & found) or not ({"id", "email"} & found):
        raise SourceError("a people CSV needs a name column (name, full name, display name...) and an e-mail "
                          f"or id column; its header is: {', '.join(header or []) or 'empty'}")
    result = CsvPeople()
    for row in reader:
        line = reader.line_num
        values = {columns[i]: v.strip() for i, v in enumerate(row) if columns.get(i) and v.strip()}
        if not values:
            continue
        person, reason = _person(values)
        if reason:
            result.errors.append((line, reason))
        else:
            result.rows.append((line, person))
    return result


def _person(values: dict[str, str]) -> tuple[dict, str | None]:
    name = values.pop("name", "") or " ".join(filter(None, (values.pop("first_name", ""), values.pop("last_name", ""))))
    values.pop("first_name", None)
    values.pop("last_name", None)
    if not name:
        return {}, "no name"
    email = values.get("email", "")
    if "id" not in values and "@" not in email:
        return {}, "no id and no e-mail to know the person by"
    person: dict = {"name": name, **values}
    if "skills" in values:
        person["skills"] = [s.strip() for s in re.split(r"[,;]", values["skills"]) if s.strip()]
    if "mentor" in values:
        person["mentor"] = values["mentor"].lower() in _YES
    return person, None


def _text(data: bytes) -> str:
    """UTF-8 (with or without Excel's BOM), else Windows-1252: what Excel's plain "CSV" saves on Windows."""
    not_binary(data, "CSV")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise SourceError("not a CSV file: neither UTF-8 nor Windows-1252 text")
