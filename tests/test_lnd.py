"""L&D's loop over real data flows: questions and feedback through the API, then gap topics, content
requests, health lists and dashboard numbers."""

from __future__ import annotations

import csv
import io

import pytest

from tests.conftest import LiveServer, api_token, http_client

DOGS = ["can I bring my dog to the Berlin office", "are dogs allowed in the office in berlin",
        "pet policy berlin office dog"]
OPTIONS = ["what happens to my stock options when I leave", "do I keep my vested options if I resign",
           "stock option vesting after quitting the company"]


@pytest.fixture
def lnd(demo_copy):
    headers = {"Authorization": f"Bearer {api_token(demo_copy)}"}
    with LiveServer(demo_copy) as server, http_client(server.url, headers=headers) as client:
        client.services = demo_copy
        yield client


def _ask(client, q, asker=None):
    params = {"q": q} if asker is None else {"q": q, "asker": asker}
    response = client.get("/api/search", params=params)
    assert response.status_code == 200
    return response.json()


def test_gap_topics_group_rewordings_and_suggest_experts(lnd):
    for n, q in enumerate(DOGS + OPTIONS):
        assert _ask(lnd, q, asker=f"p{41 + n}")["answered"] is False
    answered = _ask(lnd, "how do I submit an expense report in Navan")
    assert answered["answered"] is True
    topics = lnd.get("/api/gaps").json()["topics"]
    groups = sorted(sorted(t["questions"]) for t in topics)
    assert groups == sorted([sorted(DOGS), sorted(OPTIONS)])
    dogs = next(t for t in topics if set(t["questions"]) == set(DOGS))
    assert (dogs["asked"], dogs["askers"]) == (3, 3)
    assert "dog" in dogs["terms"] and dogs["label"] in DOGS
    # Nobody's writing or profile is about dogs: the floor suggests nobody rather than job titles.
    assert len(dogs["closest"]) == 3 and dogs["experts"] == []
    assert dogs["addressed"] is False and dogs["weekly"][0][1] == 3


def test_unhelpful_answers_become_gaps(lnd):
    result = _ask(lnd, "how do I submit an expense report in Navan")
    assert lnd.post("/api/feedback", json={"query_id": result["query_id"], "helpful": False}).status_code == 201
    topics = lnd.get("/api/gaps").json()["topics"]
    assert [t["questions"] for t in topics] == [["how do I submit an expense report in Navan"]]


def test_request_content_then_publishing_addresses_the_gap(lnd):
    for q in DOGS:
        _ask(lnd, q)
    topic = lnd.get("/api/gaps").json()["topics"][0]
    expert = "p41"  # L&D picks someone from the directory: nobody's writing is about dogs
    created = lnd.post("/api/gaps/requests", json={
        "label": topic["label"], "query_ids": topic["query_ids"], "expert_id": expert, "note": "please",
    })
    assert created.status_code == 201
    mine = lnd.get("/api/gaps/requests", params={"expert_id": expert}).json()["requests"]
    assert [(r["label"], r["status"]) for r in mine] == [(topic["label"], "open")]

    published = lnd.post("/api/content", json={
        "title": "Dogs in the Berlin office", "authors": [expert], "kind": "policy",
        "body": "Dogs are welcome in the Berlin office on Fridays if they are calm and house-trained. "
                "Register your dog with reception and keep it out of the lab and kitchen.",
    }).json()
    topic = lnd.get("/api/gaps").json()["topics"][0]
    assert topic["addressed"] is True and topic["answered_now"]
    assert [r["id"] for r in topic["requests"]] == [mine[0]["id"]]
    # Publishing an item that answers the request's topic fulfilled it: done, with the item.
    [done] = lnd.get("/api/gaps/requests", params={"status": "done"}).json()["requests"]
    assert (done["id"], done["content_id"]) == (mine[0]["id"], published["id"])
    moved = lnd.put(f"/api/gaps/requests/{mine[0]['id']}", json={"status": "declined"})
    assert moved.status_code == 409 and "cannot become" in moved.json()["detail"]


def test_health_lists_name_the_owners(lnd):
    health = lnd.get("/api/health").json()
    assert len(health["stale"]) > 100  # the demo's items are mostly over a year old
    overdue = health["review_overdue"]
    assert overdue and all(row["owners"] for row in overdue)
    body = lnd.get("/api/content/c001").json()
    copy = lnd.post("/api/content", json={"title": body["title"], "body": body["body"], "authors": body["authors"]}).json()
    for rater in ("p02", "p04"):  # not p03, its author: authors do not rate their own items
        headers = {"Authorization": f"Bearer {api_token(lnd.services, rater, 'employee', rater)}"}
        assert lnd.put(f"/api/content/{copy['id']}/rating", json={"stars": 1}, headers=headers).status_code == 200
    health = lnd.get("/api/health").json()
    # A copy is a near-duplicate even filed under another kind (the copy is an article, c001 a how-to).
    assert {"c001", copy["id"]} in [{row["id"], row["duplicate_of"]} for row in health["duplicates"]]
    low = [row for row in health["low_rated"] if row["id"] == copy["id"]]
    assert low and low[0]["stars"] == 1.0 and low[0]["owners"][0]["id"] == body["authors"][0]
    exported = list(csv.DictReader(io.StringIO(lnd.get("/api/health", params={"format": "csv", "list": "low_rated"}).text)))
    assert exported[0]["id"] == copy["id"]


def test_dashboard_numbers(lnd):
    for asker, q in [("p01", DOGS[0]), ("p02", DOGS[1]), ("p41", "how do I submit an expense report in Navan")]:
        result = _ask(lnd, q, asker=asker)
    lnd.post("/api/feedback", json={"query_id": result["query_id"], "content_id": result["results"][0]["id"], "helpful": True})
    lnd.post("/api/events", json={"kind": "view", "content_id": result["results"][0]["id"]})
    lnd.post("/api/events", json={"kind": "dwell", "content_id": result["results"][0]["id"], "seconds": 42})
    data = lnd.get("/api/analytics").json()
    assert {k: data["totals"][k] for k in ("searches", "answered", "active_users", "helpful_rate")} == {
        "searches": 3, "answered": 1, "active_users": 3, "helpful_rate": 1.0,
    }
    assert {row["team"]: row["searches"] for row in data["by_team"]} == {"IT": 2, "People": 1}
    assert {row["location"]: row["active_users"] for row in data["by_location"]} == {"Madrid": 2, "Berlin": 1}
    assert data["top_content"][0] == {"id": result["results"][0]["id"], "title": result["results"][0]["title"],
                                      "views": 1, "opens": 0, "seconds_read": 42.0}
    assert data["top_contributors"][0]["items"] >= 8
    table = list(csv.DictReader(io.StringIO(lnd.get("/api/analytics", params={"format": "csv", "table": "daily"}).text)))
    assert table[0]["searches"] == "3"
    assert lnd.get("/api/analytics", params={"since": "2026-13-01"}).status_code == 422


def test_most_helpful_sort_ranks_by_ratings_and_votes(lnd):
    for rater, stars in (("p02", 5), ("p03", 5), ("p04", 4)):
        headers = {"Authorization": f"Bearer {api_token(lnd.services, rater, 'employee', rater)}"}
        lnd.put("/api/content/c150/rating", json={"stars": stars}, headers=headers)
    lnd.put("/api/content/c151/rating", json={"stars": 1})
    ranked = [i["id"] for offset in (0, 200) for i in lnd.get(
        "/api/content", params={"sort": "helpful", "limit": 200, "offset": offset}).json()["items"]]
    assert len(ranked) == 237 and ranked[0] == "c150" and ranked[-1] == "c151"
