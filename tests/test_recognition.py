"""Recognition that is honest: an author's own reading is no readership, a profile's impact counts only what
others did, and what people ask someone about is seen by that person and L&D only. Real app over HTTP,
real SQLite, FAISS and model."""

from __future__ import annotations

import re

import httpx
import pytest

from indexer.importer import import_files
from tests.conftest import PASSWORD, LiveServer, as_user, signed_in, password_hash
from tests.factories import ANA, BO, PAYROLL, VPN, content, jsonl, person

CY = person("p-cy", name="Cy Okafor", team="HR", title="Onboarding lead")
LEE = person("p-lee", name="Lee Park", team="L&D", title="Learning partner")
ACCEPTED = content("c-ans1", title="Which port does the VPN use?", body="UDP 1194, and TCP 443 as a fallback.",
                   authors=["p-ana"], kind="answer", accepted=True)
OPEN_ANSWER = content("c-ans2", title="Can I use the VPN from a hotel?",
                      body="Yes; if the hotel blocks UDP, the client falls back to TCP 443.",
                      authors=["p-ana"], kind="answer")
QUESTION = "how do I reset my vpn token"


@pytest.fixture
def org(make_services, tmp_path):
    """Ana (IT, contributor) wrote the VPN how-to and two answers; Bo, Cy and Lee (L&D) read."""
    services = make_services()
    import_files(services.indexer, [jsonl(tmp_path / "org.jsonl", ANA, BO, CY, LEE, VPN, PAYROLL, ACCEPTED,
                                          OPEN_ANSWER)])
    for name, role, pid in [("ana", "contributor", "p-ana"), ("bo", "contributor", "p-bo"),
                            ("cy", "employee", "p-cy"), ("lee", "lnd", "p-lee")]:
        services.store.create_user(name, password_hash(PASSWORD), role, pid)
    return services


@pytest.fixture
def server(org):
    with LiveServer(org) as live:
        yield live




def views(server: LiveServer, content_id: str) -> tuple[int, int]:
    """(the item's view count, view events kept for analytics)"""
    store = server.services.store
    events = store.db.execute("SELECT count(*) FROM events WHERE kind = 'view' AND content_id = ?", [content_id])
    return store.get_content(content_id)["views"], events.fetchone()[0]


def test_an_authors_own_view_does_not_count(server):
    with signed_in(server, "ana") as ana, signed_in(server, "bo") as bo:
        assert ana.get("/content/c-vpn").status_code == 200
        assert views(server, "c-vpn") == (0, 0)
        assert bo.get("/content/c-vpn").status_code == 200
        assert views(server, "c-vpn") == (1, 1)
    with as_user(server, "ana") as ana, as_user(server, "cy") as cy:
        assert ana.post("/api/events", json={"kind": "view", "content_id": "c-vpn"}).status_code == 204
        assert ana.post("/api/events", json={"kind": "dwell", "content_id": "c-vpn", "seconds": 30}).status_code == 204
        assert views(server, "c-vpn") == (1, 1)
        assert cy.post("/api/events", json={"kind": "view", "content_id": "c-vpn"}).status_code == 204
        assert views(server, "c-vpn") == (2, 2)
        assert ana.post("/api/events", json={"kind": "view", "content_id": "c-pay"}).status_code == 204  # Bo's
        assert views(server, "c-pay") == (1, 1)
    seconds = server.services.store.db.execute("SELECT count(*) FROM events WHERE kind = 'dwell'").fetchone()[0]
    assert seconds == 0


def _search_and_open(http: httpx.Client, question: str = QUESTION, item: str = "c-vpn") -> str:
    answer = http.get("/api/search", params={"q": question}).json()
    assert item in [hit["id"] for hit in answer["results"]]
    assert http.post("/api/events", json={"kind": "open", "content_id": item,
                                          "query_id": answer["query_id"]}).status_code == 204
    return answer["query_id"]


def test_a_profile_shows_impact_counting_only_what_others_did(server):
    store = server.services.store
    with as_user(server, "bo") as bo, as_user(server, "cy") as cy, as_user(server, "lee") as lee, \
            as_user(server, "ana") as ana:
        _search_and_open(bo)  # counts
        _search_and_open(bo, "I lost the authenticator for my VPN token, how do I reset it")  # counts
        failed = _search_and_open(cy)  # opened, but Cy said the search did not help
        assert cy.post("/api/feedback", json={"query_id": failed, "helpful": False}).status_code in (200, 201)
        _search_and_open(ana)  # her own search never counts
        voted = lee.get("/api/search", params={"q": "which port does the VPN use"}).json()
        assert lee.post("/api/feedback", json={"query_id": voted["query_id"], "content_id": "c-ans1",
                                               "helpful": True}).status_code in (200, 201)  # a helpful vote counts
        assert bo.put("/api/content/c-vpn/rating", json={"stars": 4}).status_code == 200
        assert lee.put("/api/content/c-ans1/rating", json={"stars": 2}).status_code == 200
        assert cy.post("/api/content/c-vpn/kudos").status_code == 201
        assert bo.post("/api/content/c-ans1/kudos").status_code == 201
    # Her own stars and thanks, from before authors were refused them, are no recognition.
    store.rate("c-vpn", "p-ana", 5)
    store.thank("c-vpn", "p-ana")
    expected = {"items": 3, "searches_answered": 3, "answers": 2, "answers_accepted": 1, "ratings": 2,
                "mean_stars": 3.0, "thanks": 2}
    assert store.impact("p-ana") == expected
    assert store.kudos_received(["p-ana"]) == {"p-ana": 2}
    with signed_in(server, "cy") as cy:
        page = cy.get("/people/p-ana").text
    facts = dict(re.findall(r"<dt>([^<]+)</dt><dd>([^<]+)</dd>", page))
    assert facts == {"Items written": "3", "Searches answered": "3", "Answers": "2 (1 accepted)",
                     "Ratings received": "2 (average 3.0 of 5)", "Thanks": "2"}


def test_a_new_profile_has_no_impact_yet(server):
    with signed_in(server, "bo") as bo:
        page = bo.get("/people/p-cy").text
    facts = dict(re.findall(r"<dt>([^<]+)</dt><dd>([^<]+)</dd>", page))
    assert facts == {"Items written": "0", "Searches answered": "none yet", "Ratings received": "none yet",
                     "Thanks": "none yet"}


def test_what_people_ask_someone_about_is_seen_by_them_and_lnd_only(server):
    with as_user(server, "bo") as bo:
        experts = bo.get("/api/search", params={"q": QUESTION}).json()["experts"]
    assert "p-ana" in [e["id"] for e in experts]
    for name, sees in [("ana", True), ("lee", True), ("bo", False), ("cy", False)]:
        with signed_in(server, name) as browser:
            page = browser.get("/people/p-ana").text
        assert ("What people ask Ana about" in page, QUESTION in page) == (sees, sees), name


def test_impact_over_the_api_counts_only_items_the_caller_may_see(server):
    store = server.services.store
    with as_user(server, "lee") as lee:
        assert lee.put("/api/content/c-pay", json={**PAYROLL, "visible_teams": ["Finance"]}).status_code == 200
        assert lee.get("/api/people/p-bo/impact").json()["items"] == 1
        assert lee.get("/api/people/nobody/impact").status_code == 404
    store.thank("c-pay", "p-lee")
    with as_user(server, "cy") as cy:
        assert cy.get("/api/people/p-bo/impact").json() == {
            "items": 0, "searches_answered": 0, "answers": 0, "answers_accepted": 0, "ratings": 0,
            "mean_stars": None, "thanks": 0}
    with as_user(server, "bo") as bo:
        assert bo.get("/api/people/p-bo/impact").json()["thanks"] == 1
