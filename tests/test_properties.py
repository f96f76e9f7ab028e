"""Property tests (hypothesis): import parsing never raises and round-trips, Markdown rendering stays safe.

Bounded for CI: parsing properties are pure and get 150 examples; properties that import into a
real store (real embedding) get MAX_IMPORT_EXAMPLES, each into a fresh data folder.
"""

from __future__ import annotations

import json
import os
import tempfile
from datetime import datetime, timedelta, timezone
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from indexer.importer import LineError, _Parsed, import_files, import_text, parse_lines
from models.records import KINDS, Content, Person
from models.settings import Settings
from tests.conftest import new_data_folder
from web.services import Services

# Derandomised, so every run checks the same examples; `KNOWHOW_TEST_DEPTH=8` checks 8 times as many.
DEPTH = int(os.environ.get("KNOWHOW_TEST_DEPTH", "1"))
MAX_IMPORT_EXAMPLES = 16 * DEPTH
PARSE = settings(max_examples=150 * DEPTH, deadline=None, derandomize=True, database=None)
IMPORT = settings(max_examples=MAX_IMPORT_EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                         HealthCheck.function_scoped_fixture])

# ---------------------------------------------------------------------------------------------------------
# Strategies

IDS = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_.:@-]{0,24}", fullmatch=True)
HUGE_INTS = st.integers(min_value=10**18, max_value=10**60) | st.integers(max_value=-(10**18), min_value=-(10**60))
JSON_SCALARS = (st.none() | st.booleans() | st.integers() | HUGE_INTS | st.floats(allow_nan=False)
                | st.text(max_size=30))
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)
PERSON_FIELDS = ["id", "name", "email", "title", "team", "location", "bio", "skills", "mentor"]
CONTENT_FIELDS = ["id", "title", "body", "authors", "tags", "kind", "official", "created", "updated", "review_due"]
# Characters Python's str.splitlines() breaks on, though JSON allows them raw inside strings.
LINE_BREAKERS = "\u2028\u2029\x85"


def prefixed(letter: str, max_size: int, alphabet=None) -> st.SearchStrategy[str]:
    """A non-empty text whatever stripping does: a letter first, then anything."""
    text = st.text(alphabet, max_size=max_size) if alphabet else st.text(max_size=max_size)
    return text.map(lambda s: letter + s)


def texts(max_size: int, breakers: bool = False) -> st.SearchStrategy[str]:
    if not breakers:
        return st.text(max_size=max_size)
    pieces = st.lists(st.text(max_size=8) | st.sampled_from(list(LINE_BREAKERS)), max_size=max_size // 8 + 1)
    return pieces.map("".join)


DATETIMES = st.datetimes(
    min_value=datetime(1971, 1, 1), max_value=datetime(2100, 1, 1),
    timezones=st.sampled_from([timezone.utc, timezone(timedelta(hours=5, minutes=30)), timezone(timedelta(hours=-8))]),
).map(lambda d: d.replace(microsecond=0))


@st.composite
def person_dicts(draw, pid: str, breakers: bool = False) -> dict:
    record = {
        "type": "person", "id": pid, "name": draw(prefixed("N", 40)),
        "email": draw(st.none() | st.emails()), "title": draw(texts(40, breakers)), "team": draw(texts(20, breakers)),
        "location": draw(texts(20, breakers)), "bio": draw(texts(200, breakers)),
        "skills": draw(st.lists(texts(20, breakers), max_size=6)), "mentor": draw(st.booleans()),
    }
    for key in draw(st.lists(st.sampled_from(["email", "title", "team", "location", "bio", "skills", "mentor"]),
                             unique=True, max_size=3)):
        del record[key]  # optional fields may be absent
    if draw(st.booleans()):
        record["x_extra"] = draw(JSON_VALUES)  # unknown fields are kept
    return record


@st.composite
def content_dicts(draw, cid: str, authors: list[str], breakers: bool = False) -> dict:
    record = {
        "type": "content", "id": cid, "title": draw(prefixed("T", 60)),
        "body": draw(st.tuples(prefixed("B", 300), texts(40, breakers)).map("".join)),
        "authors": draw(st.lists(st.sampled_from(authors), max_size=3)) if authors else [],
        "tags": draw(st.lists(texts(15, breakers), max_size=5)),
        "kind": draw(st.sampled_from(KINDS) | st.text(max_size=20)), "official": draw(st.booleans()),
    }
    for key in ("created", "updated", "review_due"):
        if draw(st.booleans()):
            record[key] = draw(DATETIMES).isoformat()
    if draw(st.booleans()):
        record["x_extra"] = draw(JSON_VALUES)
    return record


@st.composite
def import_files_content(draw, breakers: bool = False) -> list[dict]:
    """Valid people and content in any order, ids reused (a later line updates an earlier one), some
    deletions; authors always name someone who exists after the whole file is applied."""
    person_ids = draw(st.lists(IDS, min_size=1, max_size=4, unique=True))
    content_ids = draw(st.lists(IDS, min_size=1, max_size=4, unique=True))
    plan = draw(st.lists(
        st.tuples(st.sampled_from(["person", "content"]), st.integers(0, 3), st.integers(0, 9)), min_size=1, max_size=10,
    ))
    steps = []  # (kind, id, deleted)
    for kind, index, roll in plan:
        ids = person_ids if kind == "person" else content_ids
        steps.append((kind, ids[index % len(ids)], roll == 0))
    people_after: set[str] = set()
    for kind, rid, deleted in steps:
        if kind == "person":
            (people_after.discard if deleted else people_after.add)(rid)
    authors = sorted(people_after)
    records = []
    for kind, rid, deleted in steps:
        if deleted:
            records.append({"type": kind, "id": rid, "deleted": True})
        elif kind == "person":
            records.append(draw(person_dicts(rid, breakers)))
        else:
            records.append(draw(content_dicts(rid, authors, breakers)))
    return records


def mutated_record(kind: str) -> st.SearchStrategy[dict]:
    """A record with some fields given values of any JSON type (or removed), sometimes a bad `type`."""
    fields = PERSON_FIELDS if kind == "person" else CONTENT_FIELDS

    @st.composite
    def build(draw) -> dict:
        pid = draw(IDS)
        record = draw(person_dicts(pid) if kind == "person" else content_dicts(pid, ["p1"]))
        for key in draw(st.lists(st.sampled_from(fields + ["type", "deleted"]), unique=True, max_size=4)):
            if draw(st.integers(0, 4)) == 0:
                record.pop(key, None)
            else:
                record[key] = draw(JSON_VALUES | st.sampled_from(["person", "content", "", " ", "\x00"]))
        return record

    return build()


JSONISH_LINES = st.one_of(
    st.text(max_size=200),
    JSON_VALUES.map(json.dumps),
    mutated_record("person").map(json.dumps),
    mutated_record("content").map(json.dumps),
    st.tuples(mutated_record("content").map(json.dumps), st.integers(0, 200)).map(lambda p: p[0][: p[1]]),
    # Numbers too long for Python's int() (4,300 digits), floats that overflow, very deep nesting.
    st.integers(4000, 6000).map(lambda n: '{"type": "person", "id": "p1", "name": "x", "n": ' + "9" * n + "}"),
    st.integers(4000, 6000).map(lambda n: "-" + "1" * n),
    st.sampled_from(["1e999", "-1e999", '{"type":"content","id":"c","title":"t","body":"b","official":1e999}',
                     "NaN", "Infinity", '{"type": "person", "id": "p1", "name": NaN}']),
    st.integers(1, 5000).map(lambda d: "[" * d + "]" * d),
    st.integers(1, 5000).map(lambda d: '{"a":' * d + "1" + "}" * d),
    st.sampled_from(["", " ", "\t", "\ufeff", "\x00", "{}", "[]", "null", '{"type": "person"}',
                     '{"type": "person", "id": "p1", "deleted": true}', '{"type": "content", "deleted": true}']),
)


# ---------------------------------------------------------------------------------------------------------
# parse_lines: never raises; every non-blank line is a valid record or one error with its own line number


def _parse(lines: list[str]) -> tuple[_Parsed, list[LineError]]:
    parsed, errors = _Parsed(), []
    parse_lines(lines, "src.jsonl", parsed, errors)
    return parsed, errors


def _outcome(line: str) -> str:
    """What one line alone becomes: 'blank', 'error', 'person', 'content' or 'deleted'."""
    parsed, errors = _parse([line])
    found = [*parsed.people.values(), *parsed.content.values()]
    deleted = [*parsed.deleted_people, *parsed.deleted_content]
    if not line.strip():
        assert not errors and not found and not deleted
        return "blank"
    assert len(errors) + len(found) + len(deleted) == 1, (errors, found, deleted)
    if errors:
        error = errors[0]
        assert (error.file, error.line) == ("src.jsonl", 1) and error.reason
        return "error"
    if deleted:
        return "deleted"
    record, source, number = found[0]
    assert (source, number) == ("src.jsonl", 1)
    # A record that came out is valid: it validates again as it is.
    assert type(record).model_validate(record.model_dump()) == record
    return "person" if isinstance(record, Person) else "content"


@PARSE
@given(st.lists(JSONISH_LINES, max_size=8))
@example(["1" * 5000])
@example(['{"type": "person", "id": "p1", "name": "x", "n": ' + "9" * 5000 + "}"])
@example(["[" * 100_000 + "]" * 100_000])
def test_parse_lines_never_raises_and_numbers_every_bad_line(lines):
    outcomes = [_outcome(line) for line in lines]
    parsed, errors = _parse(lines)
    # Read together, the same lines fail exactly where they fail alone, each with its own number.
    assert [e.line for e in errors] == [n for n, o in enumerate(outcomes, start=1) if o == "error"]
    numbers = {n for _, _, n in [*parsed.people.values(), *parsed.content.values()]}
    assert numbers <= {n for n, o in enumerate(outcomes, start=1) if o in ("person", "content")}


@PARSE
@given(st.lists(st.one_of(mutated_record("person"), mutated_record("content")), min_size=1, max_size=6))
def test_wrong_types_in_any_field_are_reported_not_raised(records):
    lines = [json.dumps(r) for r in records]
    for line in lines:
        _outcome(line)
    _parse(lines)


# ---------------------------------------------------------------------------------------------------------
# Round trip: generated valid records, written as JSONL and imported for real, are what the store holds


def _expected(records: list[dict]) -> tuple[dict[str, Person], dict[str, Content]]:
    people: dict[str, Person] = {}
    content: dict[str, Content] = {}
    for record in records:
        record = dict(record)
        kind = record.pop("type")
        target = people if kind == "person" else content
        if record.pop("deleted", False) is True:
            target.pop(record["id"], None)
        else:
            model = Person if kind == "person" else Content
            target.pop(record["id"], None)  # last one wins
            target[record["id"]] = model.model_validate(record)
    return people, content


def _check_store(services: Services, people: dict[str, Person], content: dict[str, Content]) -> None:
    store = services.store
    rows, total = store.list_people(limit=1000)
    assert {r["id"] for r in rows} == set(people) and total == len(people)
    for pid, person in people.items():
        row = store.get_person(pid)
        for name in ("name", "email", "title", "team", "location", "bio", "skills", "mentor"):
            assert row[name] == getattr(person, name), (pid, name)
        assert row["extra"] == json.loads(json.dumps(person.extra, default=str))
    rows, total = store.list_content(limit=200)
    assert {r["id"] for r in rows} == set(content) and total == len(content)
    for cid, item in content.items():
        row = store.get_content(cid)
        for name in ("title", "body", "authors", "tags", "kind", "official"):
            assert row[name] == getattr(item, name), (cid, name)
        if item.created:
            assert datetime.fromisoformat(row["created"]) == item.created
        if item.updated or item.created:
            assert datetime.fromisoformat(row["updated"]) == (item.updated or item.created)
        assert row["extra"] == json.loads(json.dumps(item.extra, default=str))
    # Everything imported is searchable: every item has embedded passages, none is left pending.
    assert store.stats()["chunks_pending"] == 0
    chunked = {r[0] for r in store.db.execute("SELECT DISTINCT content_id FROM chunks")}
    assert chunked == set(content)


@pytest.fixture
def fresh_services(tmp_path, embedder, empty_store):
    """A new Services on its own data folder for each hypothesis example (the fixture runs once per test)."""
    made: list[Services] = []

    def make() -> Services:
        data = new_data_folder(Path(tempfile.mkdtemp(dir=tmp_path)) / "data", empty_store)
        services = Services(Settings(data=data), embedder)
        made.append(services)
        return services

    yield make
    for services in made:
        services.close()


@IMPORT
@given(records=import_files_content())
def test_valid_records_round_trip_through_a_file(fresh_services, tmp_path, records):
    services = fresh_services()
    path = Path(tempfile.mkdtemp(dir=tmp_path)) / "import.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    report = import_files(services.indexer, [path])
    assert report.errors == []
    _check_store(services, *_expected(records))


@settings(IMPORT, max_examples=MAX_IMPORT_EXAMPLES // 2)
@given(records=import_files_content(breakers=True))
@example(records=[{"type": "person", "id": "p1", "name": "Ana\u2028Ruiz"}])
def test_valid_records_round_trip_through_the_http_import(fresh_services, records):
    """import_text is what POST /api/import runs; raw U+2028 and friends are legal inside JSON strings."""
    services = fresh_services()
    text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
    report = import_text(services.indexer, text)
    assert report.errors == []
    _check_store(services, *_expected(records))


# ---------------------------------------------------------------------------------------------------------
# Markdown: whatever colleagues write, the HTML shown has no script, no inline handler, no javascript: URL

from web import markdown  # noqa: E402

XSS_PAYLOADS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "<body onload=alert(1)>",
    "<iframe src=javascript:alert(1)></iframe>",
    '<a href="javascript:alert(1)">x</a>',
    '<div style="background:url(javascript:alert(1))">x</div>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '"><script>alert(1)</script>',
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](  javascript:alert(1)  )",
    "[x](<javascript:alert(1)>)",
    "[x](java\tscript:alert(1))",
    "[x](java%0ascript:alert(1))",
    "[x](&#106;avascript:alert(1))",
    "[x](&#x6A;avascript:alert(1))",
    "[x](javascript&colon;alert(1))",
    "[x](\x01javascript:alert(1))",
    "[x](vbscript:msgbox(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![x](javascript:alert(1))",
    '![x](x" onerror="alert(1))',
    '[x](https://ok.example "title\\" onmouseover=\\"alert(1)")',
    "<javascript:alert(1)>",
    "[x][1]\n\n[1]: javascript:alert(1)",
    '```js" onclick="alert(1)\ncode\n```',
    "```language-x onmouseover=alert(1)\ncode\n```",
    "<!-- --><script>alert(1)</script>",
    "<details open ontoggle=alert(1)>",
    "<a href='&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105&#0000112&#0000116&#0000058alert(1)'>x</a>",
    "| a |\n|---|\n| <img src=x onerror=alert(1)> |",
    "* [x](javascript:alert(1))\n> <script>alert(1)</script>",
]
DANGEROUS_SCHEMES = ("javascript:", "vbscript:", "data:")
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "background", "poster"}


class _Audit(HTMLParser):
    """Every tag and attribute of the output, as a browser would read them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attributes += [(tag, name, value or "") for name, value in attrs]

    handle_startendtag = handle_starttag


def _assert_safe(html: str) -> None:
    lowered = html.lower()
    assert "<script" not in lowered
    audit = _Audit()
    audit.feed(html)
    audit.close()
    assert set(audit.tags) <= markdown.TAGS, audit.tags
    for tag, name, value in audit.attributes:
        assert not name.startswith("on"), (tag, name, value)
        assert name != "style", (tag, name, value)
        if name in URL_ATTRIBUTES:
            # Browsers drop ASCII whitespace and control characters from a scheme before reading it.
            compact = "".join(ch for ch in value if ord(ch) > 0x20 and ch != "\x7f").lower()
            assert not compact.startswith(DANGEROUS_SCHEMES), (tag, name, value)


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_known_xss_payloads_render_safe(payload):
    _assert_safe(str(markdown.to_html(payload)))


@PARSE
@given(st.lists(st.text(max_size=80) | st.sampled_from(XSS_PAYLOADS)
                | st.sampled_from(["\n", "\n\n", "# ", "* ", "> ", "```\n", "[", "](", ")", "<", ">", '"', "'",
                                   "javascript:", "on", "=", "&#", ";", "|", "---", "`"]), max_size=12).map("".join))
def test_any_markdown_renders_safe(source):
    _assert_safe(str(markdown.to_html(source)))
