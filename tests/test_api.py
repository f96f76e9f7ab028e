"""The JSON API over real HTTP: the search contract, CRUD reaching search at once, clear 4xx errors."""

from __future__ import annotations

import pytest

from tests.factories import ANA, BO, PAYROLL, VPN

BOTH_ENGINES = True  # every test here runs on SQLite and on PostgreSQL (tests/conftest.py)


def _load(http, *records):
    body = "\n".join(__import__("json").dumps(r) for r in records)
    response = http.post("/api/import", content=body, headers={"content-type": "application/x-ndjson"})
    assert response.status_code == 200, response.text
    return response.json()


def test_search_returns_the_contract_shape(http):
    _load(http, ANA, BO, VPN, PAYROLL)
    body = http.get("/api/search", params={"q": "my VPN token expired, how do I get a new one?", "k": 2}).json()
    assert set(body) == {"query_id", "answered", "confidence", "results", "experts"}
    assert 0 <= body["confidence"] <= 1
    assert body["answered"] is True
    top = body["results"][0]
    assert {k: top[k] for k in ("id", "title", "authors", "kind")} == {
        "id": "c-vpn", "title": "Resetting your VPN token", "authors": ["p-ana"], "kind": "howto",
    }
    assert "Reset token" in top["snippet"] and 0 < top["score"] <= 1.5
    ana = body["experts"][0]
    assert (ana["id"], ana["name"], ana["mentor"]) == ("p-ana", "Ana Ruiz", True)
    assert ana["why"][:2] == ["wrote 'Resetting your VPN token'", "skill: vpn"]


def test_every_query_is_logged_with_its_answered_decision(http, services):
    _load(http, ANA, VPN)
    body = http.get("/api/search", params={"q": "vpn token"}).json()
    logged = services.store.get_query(body["query_id"])
    assert (logged["text"], logged["answered"], logged["result_ids"]) == ("vpn token", body["answered"], ["c-vpn"])


def test_created_content_is_found_by_the_next_search_and_deleted_content_is_not(http):
    _load(http, ANA, BO, VPN, PAYROLL)
    created = http.post("/api/content", json={
        "title": "Booking the Madrid meeting rooms", "body": "Use the Rooms app; rooms on floor 3 hold 12 people.",
        "authors": ["p-ana"], "tags": ["Office", "office"], "kind": "howto",
    })
    assert created.status_code == 201, created.text
    new_id = created.json()["id"]
    assert created.json()["tags"] == ["office"]
    hits = http.get("/api/search", params={"q": "reserve a conference room in Madrid"}).json()["results"]
    assert hits[0]["id"] == new_id

    assert http.delete(f"/api/content/{new_id}").status_code == 204
    hits = http.get("/api/search", params={"q": "reserve a conference room in Madrid"}).json()["results"]
    assert new_id not in [h["id"] for h in hits]
    assert http.get(f"/api/content/{new_id}").status_code == 404


def test_put_replaces_content_and_search_sees_the_new_text(http):
    _load(http, ANA, BO, VPN, PAYROLL)
    replaced = http.put("/api/content/c-pay", json={
        "title": "Expense refunds", "body": "Expense claims are refunded with the next salary.", "authors": ["p-bo"],
    })
    assert replaced.status_code == 200
    assert replaced.json()["title"] == "Expense refunds"
    hits = http.get("/api/search", params={"q": "when are my expense claims refunded", "k": 1}).json()["results"]
    assert hits[0]["id"] == "c-pay" and hits[0]["title"] == "Expense refunds"


def test_people_crud_and_experts_endpoint(http):
    _load(http, ANA, BO, VPN, PAYROLL)
    new = http.post("/api/people", json={"name": "Cy Dua", "title": "Security engineer", "skills": ["phishing"],
                                          "mentor": True})
    assert new.status_code == 201
    experts = http.get("/api/experts", params={"q": "suspicious phishing email", "mentor": "true"}).json()["experts"]
    assert experts[0]["id"] == new.json()["id"]
    assert all(e["mentor"] for e in experts)
    assert http.get("/api/people/p-ana").json()["contributions"] == 1
    assert http.delete("/api/people/p-ana").status_code == 204
    assert http.get("/api/content/c-vpn").json()["authors"] == []  # the knowledge stays


@pytest.mark.parametrize(
    "params, message",
    [
        ({"q": ""}, "the question is empty"),
        ({"q": "   "}, "the question is empty"),
        ({"q": "x" * 4001}, "the question is longer than 4000 characters"),
        ({"q": "vpn", "k": 0}, "`k` must be at least 1"),
        ({"q": "vpn", "k": 101}, "`k` must be at most 100"),
        ({"q": "vpn", "k": "ten"}, "`k` must be a whole number"),
        ({}, "`q` is required: the question, in plain language"),
    ],
)
def test_bad_search_input_gets_422_with_a_message(http, params, message):
    response = http.get("/api/search", params=params)
    assert response.status_code == 422
    assert response.json()["detail"].startswith(message)


@pytest.mark.parametrize(
    "method, path, kwargs, status, message",
    [
        ("post", "/api/content", {"content": b"{not json", "headers": {"content-type": "application/json"}}, 422, "the body is not valid JSON at line 1, column 2"),
        ("post", "/api/content", {"json": {"title": "no body"}}, 422, "`body` is required: the item's text"),
        ("post", "/api/content", {"json": {"title": "t", "body": "b", "authors": ["nobody"]}}, 422, "unknown author id(s): nobody"),
        ("post", "/api/content", {"json": {"id": "bad id!", "title": "t", "body": "b"}}, 422, "`id` must be an id: up to 128 letters"),
        ("post", "/api/content", {"json": {"id": "c-vpn", "title": "t", "body": "b"}}, 409, "content item 'c-vpn' exists"),
        ("put", "/api/content/c-vpn", {"json": ["not", "an", "object"]}, 422, "the body must be a JSON object"),
        ("get", "/api/content/nope", {}, 404, "no content item with id 'nope'"),
        ("delete", "/api/people/nope", {}, 404, "no person with id 'nope'"),
        ("post", "/api/people", {"json": {"name": ""}}, 422, "`name` must not be empty"),
        ("get", "/api/content", {"params": {"limit": 0}}, 422, "`limit` must be at least 1"),
        ("post", "/api/feedback", {"json": {"helpful": True}}, 422, "feedback needs a query_id"),
        ("post", "/api/feedback", {"json": {"query_id": "nope", "helpful": True}}, 404, "no logged query"),
    ],
)
def test_bad_writes_get_4xx_and_change_nothing(http, services, method, path, kwargs, status, message):
    _load(http, ANA, VPN)
    before = services.store.stats()
    response = getattr(http, method)(path, **kwargs)
    assert response.status_code == status, response.text
    assert message in response.json()["detail"]
    assert services.store.stats() == before


def test_import_endpoint_reports_bad_lines(http):
    report = http.post("/api/import", content=b'{"type": "person", "id": "p1", "name": "A"}\n{oops\n').json()
    assert report["people"] == 1
    assert report["errors"] == [{"file": "<request>", "line": 2, "reason": "invalid JSON: Expecting property name enclosed in double quotes at column 2"}]


def test_openapi_documents_the_api(http):
    assert http.get("/docs").status_code == 200
    paths = http.get("/openapi.json").json()["paths"]
    assert {"/api/search", "/api/experts", "/api/content", "/api/content/{content_id}", "/api/people",
            "/api/people/{person_id}", "/api/import", "/api/feedback"} <= set(paths)
