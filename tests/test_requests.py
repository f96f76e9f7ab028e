"""One requests model: content requests, gap requests, questions and mentoring requests share one table,
one set of states and one way of naming who asked; one list shows them, one rule table moves them, and
requests nobody answered expire. Over the real app, plus the migration from the four old tables."""

from __future__ import annotations

import json
import sqlite3
from datetime import timedelta

import pytest
import sqlite_utils

from indexer.importer import import_files
from models.migrations import MIGRATIONS
from models.records import utc_now
from models.store import Store
from tests.conftest import LiveServer, add_accounts, as_user, signed_in
from tests.factories import ANA, BO, PAYROLL, VPN, jsonl, person

BOTH_ENGINES = True  # every test here runs on SQLite and on PostgreSQL (tests/conftest.py)

CY = person("p-cy", name="Cy Okafor", team="HR", title="Onboarding lead")
LEE = person("p-lee", name="Lee Park", team="L&D", title="Learning partner")
VPN_QUESTION = "How do I reset my VPN token when the client says it expired?"


@pytest.fixture
def server(services, tmp_path):
    import_files(services.indexer, [jsonl(tmp_path / "org.jsonl", ANA, BO, CY, LEE, VPN, PAYROLL)])
    add_accounts(services, {"ana": ("contributor", "p-ana"), "bo": ("contributor", "p-bo"),
                            "cy": ("employee", "p-cy"), "lee": ("lnd", "p-lee"), "robot": ("employee", None)})
    with LiveServer(services) as live:
        yield live


def _by_kind(rows: list[dict]) -> dict[str, dict]:
    return {r["kind"]: r for r in rows}


def test_every_kind_of_request_is_listed_the_same_way_for_both_sides(server):
    with as_user(server, "cy") as cy, as_user(server, "ana") as ana, as_user(server, "lee") as lee, \
            signed_in(server, "cy") as cy_page, as_user(server, "robot") as robot:
        question = cy.post("/api/questions", json={"title": VPN_QUESTION}).json()
        assert cy_page.post("/requests", data={"q": "parental leave in Canada", "note": "for Toronto"},
                            follow_redirects=False).status_code == 303
        assert cy_page.post("/mentors/request", data={"mentor": "p-ana", "goal": "Learn firewalls",
                                                      "message": "I start next month.", "csrf_token": cy_page.csrf},
                            follow_redirects=False).status_code == 303
        gap = lee.post("/api/gaps/requests", json={"label": "VPN on Linux", "query_ids": ["q1"], "expert_id": "p-ana"})
        assert robot.post("/api/questions", json={"title": "Where is the VPN client download?"}).status_code == 201

        sent = _by_kind(cy.get("/api/requests").json()["sent"])
        assert set(sent) == {"question", "content", "mentoring"}
        assert {r["requester"] for r in sent.values()} == {"p-cy"}  # one way of naming who asked
        assert [sent[k]["status"] for k in ("question", "content", "mentoring")] == ["open"] * 3
        assert sent["question"]["link"] == f"/questions/{question['id']}"
        assert (sent["mentoring"]["assignee"], sent["mentoring"]["label"]) == ("p-ana", "waiting for an answer")
        assert sent["content"]["note"] == "for Toronto"

        received = _by_kind(ana.get("/api/requests").json()["received"])
        assert set(received) == {"question", "mentoring", "gap"}  # routed question, mentee, L&D's request
        assert received["mentoring"]["moves"] == ["in_progress", "declined"]
        assert received["gap"]["requester"] == "p-lee" and received["gap"]["id"] == gap.json()["id"]
        # An account without a person is named by its user name, everywhere.
        assert {r["requester"] for r in robot.get("/api/requests").json()["sent"]} == {"user:robot"}

        everyone = lee.get("/api/requests/all", params={"status": "open"}).json()["requests"]
        assert sorted(r["kind"] for r in everyone) == ["content", "gap", "mentoring", "question", "question"]
        assert cy.get("/api/requests/all").status_code == 403


def test_moves_follow_one_rule_table_and_tell_the_other_side(server):
    store = server.services.store
    with as_user(server, "cy") as cy, as_user(server, "ana") as ana, as_user(server, "bo") as bo, \
            as_user(server, "lee") as lee, signed_in(server, "cy") as cy_page:
        cy_page.post("/mentors/request", data={"mentor": "p-ana", "goal": "Learn firewalls", "message": "Hi!",
                                               "csrf_token": cy_page.csrf}, follow_redirects=False)
        [mentoring] = cy.get("/api/requests", params={"kind": "mentoring"}).json()["sent"]
        url = f"/api/requests/{mentoring['id']}"
        assert bo.get(url).status_code == 404  # not Bo's: it does not exist for him
        assert bo.put(url, json={"status": "in_progress"}).status_code == 404
        refused = cy.put(url, json={"status": "in_progress"})
        assert refused.status_code == 403 and "mentor who was asked" in refused.json()["detail"]
        assert ana.put(url, json={"status": "in_progress"}).json()["label"] == "accepted"
        assert ("mentor_decision", "Ana Ruiz accepted your mentoring request about “Learn firewalls”") in [
            (n["kind"], n["text"]) for n in store.notifications_of("p-cy")]
        again = ana.put(url, json={"status": "in_progress"})
        assert again.status_code == 409 and "already accepted" in again.json()["detail"]
        assert cy.put(url, json={"status": "done"}).json()["status"] == "done"  # either of the two ends it
        assert store.notifications_of("p-ana")[0]["text"] == "Cy Okafor ended the mentoring request about “Learn firewalls”"

        cy_page.post("/requests", data={"q": "parental leave in Canada"}, follow_redirects=False)
        [content] = cy.get("/api/requests", params={"kind": "content"}).json()["sent"]
        assert content["moves"] == []  # L&D settles content requests
        assert cy.put(f"/api/requests/{content['id']}", json={"status": "declined"}).status_code == 403
        assert lee.put(f"/api/requests/{content['id']}", json={"status": "declined"}).json()["status"] == "declined"
        assert store.notifications_of("p-cy")[0]["kind"] == "request_update"
        bad = lee.put(f"/api/requests/{content['id']}", json={"status": "done", "content_id": "nope"})
        assert bad.status_code == 409  # declined is final

        question = cy.post("/api/questions", json={"title": VPN_QUESTION}).json()
        request_id = question["request_id"]
        assert ana.put(f"/api/requests/{request_id}", json={"status": "declined"}).status_code == 403
        assert lee.put(f"/api/requests/{request_id}", json={"status": "declined"}).status_code == 200
        closed = cy.get(f"/api/questions/{question['id']}").json()
        assert (closed["status"], closed["routed_to"]) == ("declined", [])
        assert store.open_question_load(["p-ana"]) == {}  # a closed question weighs on nobody


def test_requests_nobody_answered_expire_and_the_requester_can_ask_someone_else(server):
    store = server.services.store
    with signed_in(server, "cy") as cy_page, as_user(server, "cy") as cy, as_user(server, "lee") as lee:
        cy_page.post("/mentors/request", data={"mentor": "p-ana", "goal": "Learn firewalls", "message": "Hi!",
                                               "csrf_token": cy_page.csrf}, follow_redirects=False)
        gap = lee.post("/api/gaps/requests", json={"label": "VPN on Linux", "query_ids": ["q1"],
                                                   "expert_id": "p-bo"}).json()["id"]
        fresh = lee.post("/api/gaps/requests", json={"label": "Payroll dates", "query_ids": ["q2"],
                                                     "expert_id": "p-bo"}).json()["id"]
        old = (utc_now() - timedelta(days=22)).isoformat()
        store.db.execute("UPDATE requests SET updated = ?, created = ? WHERE id != ?", [old, old, fresh])
        states = {r["kind"]: r["status"] for r in cy.get("/api/requests").json()["sent"]}
        assert states == {"mentoring": "expired"}
        assert store.get_request(gap)["status"] == "expired" and store.get_request(fresh)["status"] == "open"
        told = store.notifications_of("p-cy")[0]
        assert told["kind"] == "request_expired" and "Ana Ruiz did not answer your mentoring request" in told["text"]
        assert store.notifications_of("p-lee")[0]["kind"] == "request_expired"
        # Expired is final, and frees the pair for a new request.
        assert cy_page.post("/mentors/request", data={"mentor": "p-ana", "goal": "Firewalls", "message": "Again",
                                                      "csrf_token": cy_page.csrf},
                            follow_redirects=False).status_code == 303


def test_the_requests_page_lists_both_sides_and_its_buttons_move_them(server):
    with signed_in(server, "cy", csrf_header=False) as cy, signed_in(server, "ana", csrf_header=False) as ana:
        cy.post("/mentors/request", data={"mentor": "p-ana", "goal": "Learn <b>firewalls</b>", "message": "Hi!",
                                          "csrf_token": cy.csrf}, follow_redirects=False)
        page = ana.get("/requests").text
        received = page[page.index('id="received"'):page.index('id="sent"')]
        assert "Learn &lt;b&gt;firewalls&lt;/b&gt;" in received and "from Cy Okafor" in received
        assert 'value="in_progress"' in received and ">Accept<" in received
        request_id = server.services.store.list_requests(kind="mentoring")[0]["id"]
        without_token = ana.post(f"/requests/{request_id}/status", data={"status": "in_progress"})
        assert without_token.status_code == 403
        moved = ana.post(f"/requests/{request_id}/status", follow_redirects=False,
                         data={"status": "in_progress", "next": "//evil.example/x", "csrf_token": ana.csrf})
        assert (moved.status_code, moved.headers["location"]) == (303, "/")  # never off-site
        mine = cy.get("/requests").text
        sent = mine[mine.index('id="sent"'):]
        assert "accepted" in sent and ">End mentoring<" in sent
        assert "/requests" in cy.get("/").text  # in the navigation


def test_the_four_old_tables_move_into_requests(tmp_path):
    """A data folder from before the requests model: every row keeps its text, people, state and links."""
    path = tmp_path / "old.db"
    db = sqlite_utils.Database(sqlite3.connect(path))
    db["_migrations"].create({"name": str, "applied_at": str}, pk="name")
    for name, fn in MIGRATIONS[:9]:
        fn(db)
        db["_migrations"].insert({"name": name, "applied_at": "2026-01-01T00:00:00"})
    db["people"].insert_all([{"id": "p-ana", "name": "Ana Ruiz"}, {"id": "p-cy", "name": "Cy Okafor"}])
    t = "2026-10-01T09:00:00+00:00"
    db["content_requests"].insert({"query": "parental leave", "query_id": "q9", "note": "n", "requested_by": "user:kim",
                                   "status": "addressed", "created": t})
    db["gap_requests"].insert({"label": "VPN on Linux", "query_ids": json.dumps(["q1", "q2"]), "expert_id": "p-ana",
                               "requested_by": "lee", "note": "", "status": "open", "content_id": None,
                               "created": t, "updated": t})
    db["mentoring_requests"].insert({"mentor_id": "p-ana", "mentee_id": "p-cy", "goal": "firewalls", "message": "hi",
                                     "status": "accepted", "created": t, "updated": t})
    db["questions"].insert({"id": "q-000000000001", "title": "VPN?", "details": "On Linux", "tags": '["vpn"]',
                            "asker": "p-cy", "query_id": None, "status": "in_progress", "accepted_answer": None,
                            "lnd_queue": 0, "round": 1, "escalate_at": None, "created": t, "updated": t,
                            "vector": b"\0" * 16})
    db.conn.commit()
    db.conn.close()

    store = Store(path)
    rows = {r["kind"]: r for r in store.list_requests()}
    assert (rows["content"]["subject"], rows["content"]["requester"], rows["content"]["status"]) == (
        "parental leave", "user:kim", "done")
    assert (rows["gap"]["requester"], rows["gap"]["assignee"], rows["gap"]["detail"]) == (
        "user:lee", "p-ana", {"query_ids": ["q1", "q2"]})
    assert (rows["mentoring"]["requester_name"], rows["mentoring"]["assignee_name"], rows["mentoring"]["status"],
            rows["mentoring"]["note"]) == ("Cy Okafor", "Ana Ruiz", "in_progress", "hi")
    question = store.get_question("q-000000000001")
    assert (question["title"], question["details"], question["asker"], question["status"], question["tags"]) == (
        "VPN?", "On Linux", "p-cy", "in_progress", ["vpn"])
    tables = set(store.db.table_names())
    assert not tables & {"content_requests", "gap_requests", "mentoring_requests"}
    assert "title" not in store.db["questions"].columns_dict  # one source of truth: the request
