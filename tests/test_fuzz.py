"""Fuzz the JSON API from its own OpenAPI schema (schemathesis) against the real server over HTTP.

Every operation in /openapi.json gets a fixed, derandomised number of generated requests: valid ones
(positive) and ones that break the schema (negative). Path ids are drawn half from records that exist,
so the handlers behind the 404s run too; feedback names a logged query half the time, and the import
endpoint also gets JSON Lines built from real records with fields swapped for arbitrary JSON.

What must hold: no response is a server error (5xx) and no connection fails; responses the schema
documents are checked against it (body schema and content type). Nothing is excluded.

Bounded for CI: MAX_EXAMPLES per operation and mode (about 1,000 requests; generating them costs more than
sending them). A deeper run: `KNOWHOW_TEST_DEPTH=8 pytest -s tests/test_fuzz.py` (8 times as many). Run with `-s` to see
the counts and every failing request.
"""

from __future__ import annotations

import collections
import json
import os
from dataclasses import dataclass, field

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.core import NotSet
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from indexer.importer import import_files
from models.settings import Settings
from tests.conftest import LiveServer, api_token
from tests.factories import ANA, BO, PAYROLL, VPN, content, jsonl, person
from web.security import token_hash
from web.services import Services

MAX_EXAMPLES = 8 * int(os.environ.get("KNOWHOW_TEST_DEPTH", "1"))
MODES = (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE)
TIMEOUT_S = 60

PEOPLE = [ANA, BO, person("p-cy", name="Cy Okafor", team="HR", skills=["onboarding"], mentor=True)]
CONTENT = [
    VPN, PAYROLL,
    content("c-onb", title="Your first week", body="Laptop pickup on Monday, HR induction on Tuesday.",
            authors=["p-cy"], tags=["onboarding"], kind="best_practice", official=True),
    content("c-md", title="Markdown <b>and</b> links",
            body="# Head\n\n* [ok](https://example.com)\n* <script>alert(1)</script>\n\n| a | b |\n|---|---|\n| 1 | 2 |",
            authors=["p-ana", "p-bo"], tags=["misc"], kind="article"),
]
KNOWN_IDS = {
    "content_id": [c["id"] for c in CONTENT],
    "person_id": [p["id"] for p in PEOPLE],
    "request_id": [1],  # the gap request the run creates first
    "version": [1],  # c-vpn's first version, from an edit the run makes first
    "user_id": [1, 2],  # the fuzzing L&D account and a second one
    "token_id": [1, 2],
}
ADMIN = "lnd-admin"


@schemathesis.serializer("application/x-ndjson")
def _ndjson(ctx, value) -> bytes:
    """POST /api/import takes JSON Lines as its raw body; the schema calls it a string."""
    if isinstance(value, bytes):
        return value
    return (value if isinstance(value, str) else json.dumps(value)).encode("utf-8", "surrogatepass")


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)


# Lines that are hostile to a JSON parser rather than to the schema: numbers longer than Python's int()
# takes (4,300 digits), nesting deeper than its recursion limit, separators str.splitlines() splits on.
HOSTILE_LINES = [
    "9" * 5000,
    '{"type": "person", "id": "p-big", "name": "Big", "n": ' + "1" * 5000 + "}",
    "[" * 50_000 + "]" * 50_000,
    '{"a":' * 20_000 + "1" + "}" * 20_000,
    json.dumps({"type": "person", "id": "p-sep", "name": "Line\u2028Separator"}, ensure_ascii=False),
    '{"type": "content", "id": "c-inf", "title": "t", "body": "b", "official": 1e999}',
    "\ufeff" + json.dumps(CONTENT[0]),
]


@st.composite
def jsonl_bodies(draw) -> str:
    """JSON Lines an importer meets: seed records with some fields replaced by any JSON value, some lines cut,
    now and then a hostile line."""
    lines = []
    for record in draw(st.lists(st.sampled_from(PEOPLE + CONTENT), min_size=1, max_size=4)):
        record = dict(record)
        for key in draw(st.lists(st.sampled_from(sorted(record)), max_size=2)):
            record[key] = draw(JSON_VALUES)
        line = json.dumps(record)
        if draw(st.integers(0, 9)) == 0:
            line = line[: draw(st.integers(0, len(line)))]
        lines.append(line)
    if draw(st.integers(0, 3)) == 0:
        lines.insert(draw(st.integers(0, len(lines))), draw(st.sampled_from(HOSTILE_LINES)))
    return "\n".join(lines)


@dataclass
class Tally:
    operations: list[str] = field(default_factory=list)
    requests: int = 0
    server_errors: list[str] = field(default_factory=list)
    transport_errors: list[str] = field(default_factory=list)
    schema_failures: list[str] = field(default_factory=list)
    statuses: collections.Counter = field(default_factory=collections.Counter)
    per_operation: collections.Counter = field(default_factory=collections.Counter)
    no_negative: list[str] = field(default_factory=list)

    def report(self) -> str:
        lines = [
            f"fuzz: {len(self.operations)} operations, {self.requests} requests, "
            f"{len(self.server_errors)} server errors (5xx), {len(self.transport_errors)} transport errors, "
            f"{len(self.schema_failures)} schema failures",
            f"fuzz: statuses {dict(sorted(self.statuses.items()))}",
        ]
        if self.no_negative:
            lines.append(f"fuzz: no schema-breaking request exists for {', '.join(self.no_negative)}")
        for kind, failures in (("5xx", self.server_errors), ("transport", self.transport_errors),
                               ("schema", self.schema_failures)):
            groups: dict[str, list[str]] = collections.defaultdict(list)
            for failure in failures:
                groups[failure.split(" {", 1)[0] + failure.rsplit("\n", 1)[-1] * ("\n" in failure)].append(failure)
            for key, members in groups.items():
                lines.append(f"  FAIL[{kind}] x{len(members)}: {members[0]}")
        return "\n".join(lines)


def _describe(case, response=None) -> str:
    sent = {"path": case.path_parameters or None, "query": case.query or None}
    if not isinstance(case.body, NotSet):
        sent["body"] = case.body
    text = f"{case.operation.label} {json.dumps(sent, default=repr)[:500]}"
    if response is not None:
        text += f" -> {response.status_code} {response.text[:300]!r}"
    return text


def _strategy(operation, mode, query_id: str):
    strategy = operation.as_strategy(generation_mode=mode)
    if not mode.is_positive:
        return strategy
    known = [p.name for p in operation.path_parameters if p.name in KNOWN_IDS]
    if known:
        ids = st.fixed_dictionaries({name: st.sampled_from(KNOWN_IDS[name]) for name in known})
        strategy = st.one_of(strategy, ids.flatmap(
            lambda fixed: operation.as_strategy(generation_mode=mode, path_parameters=fixed)))
    if operation.label == "POST /api/import":
        strategy = st.one_of(strategy, jsonl_bodies().flatmap(
            lambda body: operation.as_strategy(generation_mode=mode, body=body)))
    if operation.label == "POST /api/feedback":
        strategy = st.tuples(strategy, st.booleans()).map(lambda pair: _on_query(*pair, query_id))
    return strategy


def _on_query(case, use_known: bool, query_id: str):
    if use_known and isinstance(case.body, dict):
        case.body = {**case.body, "query_id": query_id}
    return case


def _order(operation) -> tuple[bool, str]:
    # Deletes last, so the known records are still there while every other operation runs on them.
    return (operation.method.upper() == "DELETE", operation.label)


class Credentials:
    """The fuzzer signs in as L&D (every operation open to it) with an API token. Operations on accounts and
    tokens may demote, disable or revoke that very account; it is put back after each of them."""

    def __init__(self, services: Services):
        self.services = services
        self.token = api_token(services, ADMIN)
        api_token(services, "fuzz-employee", "employee")

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def restore(self) -> None:
        store = self.services.store
        user = store.user_by_name(ADMIN)
        if user["role"] != "lnd" or user["disabled"]:
            store.update_user(user["id"], role="lnd", disabled=0)
        if store.token_user(token_hash(self.token)) is None:
            self.token = api_token(self.services, ADMIN)


def _fuzz(base: str, credentials: Credentials, tally: Tally) -> None:
    session = requests.Session()
    session.headers.update(credentials.headers)
    # A logged query, a gap request (id 1) and an edit of c-vpn (its version 1), so feedback, gap-request
    # updates and version restores reach existing rows too.
    query_id = session.get(f"{base}/api/search", params={"q": "vpn token expired"}, timeout=TIMEOUT_S).json()["query_id"]
    session.post(f"{base}/api/gaps/requests", timeout=TIMEOUT_S,
                 json={"label": "vpn", "query_ids": [query_id], "expert_id": "p-ana"}).raise_for_status()
    session.put(f"{base}/api/content/c-vpn", json={**VPN, "title": "VPN token reset"}, timeout=TIMEOUT_S).raise_for_status()

    schema = schemathesis.openapi.from_url(f"{base}/openapi.json")
    operations = sorted((result.ok() for result in schema.get_all_operations()), key=_order)
    tally.operations = [op.label for op in operations]

    for operation in operations:
        touches_accounts = "/api/users/" in operation.path or "/api/me/" in operation.path
        for mode in MODES:

            @settings(max_examples=MAX_EXAMPLES, derandomize=True, database=None, deadline=None,
                      phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
            @given(case=_strategy(operation, mode, query_id))
            def send(case) -> None:
                tally.requests += 1
                tally.per_operation[operation.label] += 1
                try:
                    response = case.call(base_url=base, session=session, headers=credentials.headers,
                                         timeout=TIMEOUT_S)
                except requests.RequestException as exc:
                    tally.transport_errors.append(f"{_describe(case)} -> {exc!r}")
                    return
                finally:
                    if touches_accounts:
                        credentials.restore()
                tally.statuses[response.status_code] += 1
                if response.status_code >= 500:
                    tally.server_errors.append(_describe(case, response))
                    return
                try:
                    case.validate_response(response, checks=[not_a_server_error, response_schema_conformance,
                                                             content_type_conformance])
                except (AssertionError, BaseExceptionGroup) as exc:  # one Failure, or a FailureGroup of them
                    titles = [line.strip("- ") for line in str(exc).splitlines() if line.startswith("- ST")]
                    reason = f"{response.status_code} {'; '.join(titles) or str(exc).strip()[:200]}"
                    tally.schema_failures.append(f"{_describe(case, response)}\n      ({reason})")

            try:
                send()
            except Unsatisfiable:
                # Nothing to break: an operation with no parameters or only free-form strings has no negative case.
                assert not mode.is_positive, f"no valid request could be generated for {operation.label}"
                tally.no_negative.append(operation.label)


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory, embedder) -> Tally:
    """One bounded fuzz run over a small organisation, shared by the assertions below."""
    folder = tmp_path_factory.mktemp("fuzz")
    services = Services(Settings(data=folder / "data"), embedder)
    report = import_files(services.indexer, [jsonl(folder / "seed.jsonl", *PEOPLE, *CONTENT)])
    assert report.errors == []
    tally = Tally()
    try:
        with LiveServer(services) as server:
            _fuzz(server.url, Credentials(services), tally)
    finally:
        services.close()
    print("\n" + tally.report())
    return tally


def test_every_operation_is_fuzzed(fuzzed):
    assert len(fuzzed.operations) >= 20, fuzzed.operations
    # GET /api/stats takes nothing, so it has one distinct request; every other operation gets MAX_EXAMPLES.
    assert [op for op in fuzzed.operations if fuzzed.per_operation[op] == 0] == []
    assert fuzzed.requests >= len(fuzzed.operations) * MAX_EXAMPLES


def test_no_server_errors(fuzzed):
    assert fuzzed.transport_errors == [], "\n".join(fuzzed.transport_errors[:10])
    assert len(fuzzed.server_errors) == 0, "\n".join(fuzzed.server_errors[:10])


def test_responses_match_the_schema(fuzzed):
    """Documented responses (status, body, content type) as the OpenAPI schema says."""
    assert fuzzed.schema_failures == [], "\n".join(fuzzed.schema_failures[:10])
