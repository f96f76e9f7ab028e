"""Questions to the experts over the real app: routing (floor, load, away, L&D's queue), answering into
knowledge, accepting and voting, escalation, re-routing, and "asked before?"."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from finder.experts import Expert
from finder.routing import Candidate, choose_experts
from indexer.importer import import_files
from tests.conftest import LiveServer, as_user, signed_in, password_hash
from tests.factories import ANA, BO, PAYROLL, VPN, jsonl, person
from web.actions.questions import escalate_due

BOTH_ENGINES = True  # every test here runs on SQLite and on PostgreSQL (tests/conftest.py)

LEE = person("p-lee", name="Lee Park", team="L&D", title="Learning partner")
CY = person("p-cy", name="Cy Okafor", team="HR", title="Onboarding lead")
DEE = person("p-dee", name="Dee Moss", team="IT", title="Service desk", skills=["vpn", "laptops"])
VPN_QUESTION = "How do I reset my VPN token when the client says it expired?"
NOBODY_KNOWS = "Which wine goes best with a vegetarian lasagne?"


@pytest.fixture
def org(services, tmp_path):
    import_files(services.indexer, [jsonl(tmp_path / "x.jsonl", ANA, BO, CY, DEE, LEE, VPN, PAYROLL)])
    for name, role, pid in [("ana", "contributor", "p-ana"), ("bo", "contributor", "p-bo"),
                            ("cy", "employee", "p-cy"), ("dee", "employee", "p-dee"), ("lee", "lnd", "p-lee")]:
        services.store.create_user(name, password_hash("long enough password"), role, pid)
    return services


@pytest.fixture
def server(org):
    with LiveServer(org) as live:
        yield live



def test_a_covered_question_goes_to_the_expert_and_the_answer_becomes_knowledge(server):
    store = server.services.store
    with as_user(server, "cy") as cy, as_user(server, "ana") as ana, as_user(server, "bo") as bo:
        asked = cy.post("/api/questions", json={"title": VPN_QUESTION, "details": "On my Mac.", "tags": ["vpn"]})
        assert asked.status_code == 201
        question = asked.json()
        assert "p-ana" in question["routed_to"] and "p-cy" not in question["routed_to"]
        assert (question["status"], question["lnd_queue"]) == ("open", False)
        assert store.unread_count("p-ana") == 1 and store.notifications_of("p-ana")[0]["kind"] == "question_routed"
        assert bo.post(f"/api/questions/{question['id']}/answers", json={"body": "x"}).status_code == 201  # contributor
        answer = ana.post(f"/api/questions/{question['id']}/answers",
                          json={"body": "Open the **self-service portal** and choose *Reset token*."})
        assert answer.status_code == 201
        item = answer.json()
        assert (item["kind"], item["authors"], item["question_id"]) == ("answer", ["p-ana"], question["id"])
        assert store.notifications_of("p-cy")[0]["kind"] == "answer_posted"
        # Only the asker accepts; the answerer is told.
        assert ana.post(f"/api/questions/{question['id']}/accept", json={"content_id": item["id"]}).status_code == 403
        accepted = cy.post(f"/api/questions/{question['id']}/accept", json={"content_id": item["id"]})
        assert (accepted.json()["status"], accepted.json()["accepted_answer"]) == ("done", item["id"])
        assert store.notifications_of("p-ana")[0]["kind"] == "answer_accepted"
        # The next person's search finds it.
        found = bo.get("/api/search", params={"q": "reset an expired vpn token on a mac"}).json()["results"]
        assert item["id"] in [hit["id"] for hit in found[:3]]


def test_a_question_nobody_fits_goes_to_lnd_who_reroutes_it(server):
    store = server.services.store
    with as_user(server, "cy") as cy, as_user(server, "lee") as lee, as_user(server, "dee") as dee:
        question = cy.post("/api/questions", json={"title": NOBODY_KNOWS}).json()
        assert (question["routed_to"], question["lnd_queue"]) == ([], True)
        assert store.notifications_of("p-lee")[0]["kind"] == "question_escalated"
        assert cy.get("/api/questions", params={"lnd_queue": True}).status_code == 403
        assert [q["id"] for q in lee.get("/api/questions", params={"lnd_queue": True}).json()["items"]] == [question["id"]]
        assert dee.post(f"/api/questions/{question['id']}/answers", json={"body": "Chianti"}).status_code == 403
        assert cy.put(f"/api/questions/{question['id']}/route", json={"person_ids": ["p-dee"]}).status_code == 403
        routed = lee.put(f"/api/questions/{question['id']}/route", json={"person_ids": ["p-dee"]}).json()
        assert (routed["routed_to"], routed["lnd_queue"]) == (["p-dee"], False)
        # Dee is an employee, but the question was routed to him: he may answer it.
        assert dee.post(f"/api/questions/{question['id']}/answers", json={"body": "A Chianti."}).status_code == 201
        waiting = dee.get("/api/questions", params={"waiting_for_me": True}).json()["items"]
        assert waiting == []


def test_helpful_votes_count_once_and_never_for_oneself(server):
    with as_user(server, "cy") as cy, as_user(server, "ana") as ana, as_user(server, "bo") as bo:
        question = cy.post("/api/questions", json={"title": VPN_QUESTION}).json()
        item = ana.post(f"/api/questions/{question['id']}/answers", json={"body": "Use the portal."}).json()
        vote = f"/api/questions/{question['id']}/answers/{item['id']}/helpful"
        assert ana.post(vote).status_code == 403
        voted = bo.post(vote).json()
        assert voted["status"] == "done" and voted["answers"][0]["helpful"] == 1 and voted["answers"][0]["voted"]
        assert bo.post(vote).status_code == 409


def test_an_unanswered_question_escalates_to_the_next_experts_then_to_lnd(server):
    services = server.services
    with as_user(server, "cy") as cy:
        question = cy.post("/api/questions", json={"title": VPN_QUESTION}).json()
    first = set(question["routed_to"])
    later = datetime.now(timezone.utc) + timedelta(days=10)
    assert escalate_due(services, later) == 1
    second = services.store.get_question(question["id"])
    routes = services.store.routes_of(question["id"])
    assert second["round"] == 2 or second["lnd_queue"]
    assert {r["person_id"] for r in routes if r["round"] == 2}.isdisjoint(first)
    escalate_due(services, later + timedelta(days=10))
    assert services.store.get_question(question["id"])["lnd_queue"] is True


def test_similar_questions_show_before_posting(server):
    with as_user(server, "cy") as cy, as_user(server, "bo") as bo:
        first = cy.post("/api/questions", json={"title": VPN_QUESTION}).json()
        similar = bo.get("/api/questions/similar", params={"q": "my vpn token expired, how do I reset it?"}).json()
        assert [q["id"] for q in similar] == [first["id"]]
        assert bo.get("/api/questions/similar", params={"q": NOBODY_KNOWS}).json() == []


def test_an_away_expert_is_skipped(server):
    server.services.store.set_answering("p-ana", True, away=True)
    with as_user(server, "cy") as cy:
        question = cy.post("/api/questions", json={"title": VPN_QUESTION}).json()
    assert "p-ana" not in question["routed_to"]


def test_routing_spreads_load_and_prefers_people_who_opted_in():
    def candidate(pid, score, waiting=0, opted_in=True, away=False, floor=0.5):
        return Candidate(Expert(pid, pid, score, False, [], strong=score >= floor), opted_in, away, waiting)

    busy = [candidate("star", 0.9, waiting=4), candidate("good", 0.7), candidate("ok", 0.6),
            candidate("fine", 0.55), candidate("weak", 0.2), candidate("shy", 0.95, opted_in=False),
            candidate("gone", 0.99, away=True)]
    assert [e.id for e in choose_experts(busy, exclude={"ok"})] == ["good", "fine", "star"]
    # Only people whose evidence reaches the floor are asked, not those who merely follow a lead.
    assert [e.id for e in choose_experts([candidate(c.expert.id, c.expert.score, c.waiting, c.opted_in, c.away, 0.96)
                                          for c in busy], exclude=set())] == []


def test_employees_content_requests_and_notes_reach_lnds_gaps_page(server):
    with signed_in(server, "cy") as cy:
        assert cy.post("/requests", data={"q": "parental leave in Canada", "note": "for a new hire in Toronto"},
                       follow_redirects=False).status_code == 303
    with signed_in(server, "lee") as lee:
        page = lee.get("/lnd/gaps").text
    section = page[page.index('id="content-requests"'):]
    assert "parental leave in Canada" in section and "for a new hire in Toronto" in section and "Cy Okafor" in section


def test_a_requester_is_told_when_content_answering_the_request_is_published(server):
    store = server.services.store
    with signed_in(server, "cy") as cy:
        cy.post("/requests", data={"q": "how do I book a desk in the Madrid office"}, follow_redirects=False)
        cy.post("/requests", data={"q": "parental leave in Canada"}, follow_redirects=False)
    with as_user(server, "ana") as ana:
        assert ana.post("/api/content", json={
            "title": "Booking a desk in Madrid", "authors": ["p-ana"], "kind": "howto",
            "body": "Book a desk in the Madrid office with the Desks app: pick a floor, a day and a desk."}).status_code == 201
    told = [n for n in store.notifications_of("p-cy") if n["kind"] == "content_request"]
    assert [n["text"] for n in told] == ["Published, for your request: Booking a desk in Madrid"]
    assert [r["subject"] for r in store.list_requests(kind="content", statuses=["open"])] == ["parental leave in Canada"]
    [done] = store.list_requests(kind="content", statuses=["done"])
    assert (done["subject"], done["requester"]) == ("how do I book a desk in the Madrid office", "p-cy")
    assert done["content_id"] == store.list_content(limit=1, sort="updated")[0][0]["id"]
