"""Short courses: the scoring, progress and figures rules, and the API over real HTTP (building, taking,
analytics, who may do what, a team's course hidden from everyone else, 4xx on bad input)."""

from __future__ import annotations

import pytest

from indexer.importer import import_files
from models.course_rules import course_body, figures, is_right, progress, question_problems, step_of_heading
from tests.conftest import LiveServer, add_accounts, as_user
from tests.factories import ANA, BO, VPN, jsonl, person

BOTH_ENGINES = True  # every test here runs on SQLite and on PostgreSQL (tests/conftest.py)

# -- the rules --


def test_an_answer_is_right_only_with_exactly_the_right_options():
    assert is_right([1], [1]) and is_right([2, 0], [0, 2])
    assert not is_right([0], [0, 2]) and not is_right([0, 1, 2], [0, 2]) and not is_right([], [0])


def test_question_problems_name_what_to_fix():
    assert question_problems("Which?", ["a", "b"], [1], False) == []
    assert question_problems("Which?", ["a", "b", "c"], [0, 2], True) == []
    assert question_problems("Which?", ["a", "b"], [0, 1], False) == [
        "a single-choice question has one right answer (or make it multiple choice)"]
    assert question_problems("", ["a", "A "], [3], False) == [
        "a question needs its text", "two options read the same",
        "a right answer names an option the question does not have"]
    assert question_problems("Which?", ["a"], [], False) == ["a question needs 2 to 8 options", "mark the right answer"]


def test_progress_counts_done_steps_in_order_and_the_course_is_done_with_the_last():
    assert progress([11, 12, 13], set()) == progress([11, 12, 13], {99})
    half = progress([11, 12, 13], {11, 13})
    assert (half.done, half.total, half.next_step, half.completed) == ([1, 3], 3, 2, False)
    done = progress([11, 12, 13], {11, 12, 13})
    assert (done.next_step, done.completed, done.share) == (None, True, 1.0)
    assert not progress([], set()).completed


def test_the_body_puts_each_step_under_its_own_heading_and_links_items_instead_of_copying_them():
    from models.course_rules import StepText

    body = course_body("For new joiners.", [StepText("Why", "Because."), StepText("VPN", "", "Resetting", "c-vpn")])
    assert body == ("For new joiners.\n\n## Step 1: Why\n\nBecause.\n\n## Step 2: VPN\n\n"
                    "Read: [Resetting](/content/c-vpn)")
    assert step_of_heading("Step 2: VPN", 2) == 2
    assert step_of_heading("Step 3: gone", 2) is None and step_of_heading("Goals", 2) is None


def test_figures_count_first_tries_median_times_and_leave_out_the_authors():
    steps = [{"id": 1, "title": "One", "questions": [{"id": 10, "prompt": "A?"}, {"id": 11, "prompt": "B?"}]},
             {"id": 2, "title": "Two", "questions": [{"id": 20, "prompt": "C?"}]}]
    learners = [{"learner": "p1", "started": "2026-01-01T10:00:00+00:00", "completed": "2026-01-01T10:30:00+00:00"},
                {"learner": "p2", "started": "2026-01-01T10:00:00+00:00", "completed": None},
                {"learner": "p3", "started": "2026-01-01T10:00:00+00:00", "completed": "2026-01-01T10:10:00+00:00"},
                {"learner": "author", "started": "2026-01-01T09:00:00+00:00", "completed": None}]
    times = [  # p1 opened step 1 at 10:05 and took 5 min, then 20 min on step 2 (never opened: from step 1's end)
        {"step_id": 1, "learner": "p1", "opened": "2026-01-01T10:05:00+00:00", "completed": "2026-01-01T10:10:00+00:00"},
        {"step_id": 2, "learner": "p1", "opened": None, "completed": "2026-01-01T10:30:00+00:00"},
        {"step_id": 1, "learner": "p3", "opened": None, "completed": "2026-01-01T10:03:00+00:00"},
        {"step_id": 2, "learner": "p3", "opened": "2026-01-01T10:04:00+00:00", "completed": "2026-01-01T10:10:00+00:00"},
        {"step_id": 1, "learner": "author", "opened": None, "completed": "2026-01-01T12:00:00+00:00"}]
    tries = [{"question_id": 10, "learner": "p1", "correct": True}, {"question_id": 10, "learner": "p3", "correct": True},
             {"question_id": 11, "learner": "p1", "correct": False}, {"question_id": 11, "learner": "p3", "correct": True},
             {"question_id": 20, "learner": "p1", "correct": False}, {"question_id": 20, "learner": "p3", "correct": False},
             {"question_id": 20, "learner": "author", "correct": True}]
    result = figures(steps, learners, times, tries, {"author"})
    assert result == {
        "started": 3, "completed": 2, "median_total_seconds": (25 * 60 + 9 * 60) / 2,
        "steps": [{"position": 1, "title": "One", "finished": 2, "median_seconds": (300 + 180) / 2},
                  {"position": 2, "title": "Two", "finished": 2, "median_seconds": (1200 + 360) / 2}],
        "questions": [
            {"id": 20, "step": 2, "step_title": "Two", "prompt": "C?", "answered": 2, "missed": 2, "missed_share": 1.0},
            {"id": 11, "step": 1, "step_title": "One", "prompt": "B?", "answered": 2, "missed": 1, "missed_share": 0.5},
            {"id": 10, "step": 1, "step_title": "One", "prompt": "A?", "answered": 2, "missed": 0, "missed_share": 0.0}],
    }


# -- the API --

CY = person("p-cy", name="Cy Okafor", team="HR")
SECRET = {"type": "content", "id": "c-fin", "title": "Closing the books", "body": "Month-end close steps for "
          "Finance only.", "authors": ["p-bo"], "kind": "howto", "visible_teams": ["Finance"]}


def course_json(**changes) -> dict:
    course = {
        "title": "VPN in 10 minutes", "intro": "For everyone who works from home.", "tags": ["vpn"],
        "steps": [
            {"title": "What the VPN is for", "body": "The VPN lets you reach internal services from home.",
             "questions": [
                 {"prompt": "What does the VPN give you?", "options": ["Internal services", "Faster Wi-Fi"],
                  "correct": [0], "explanation": "It is a tunnel into the office network."},
                 {"prompt": "Which are internal?", "options": ["Wiki", "Google", "Jira"], "correct": [0, 2],
                  "multiple": True, "explanation": "Public sites need no VPN."}]},
            {"item": "/content/c-vpn", "questions": [
                {"prompt": "Where do you reset the token?", "options": ["Self-service portal", "Call IT"],
                 "correct": [0], "explanation": "The portal, then scan the QR code."}]},
        ],
    }
    return {**course, **changes}


@pytest.fixture
def server(services, tmp_path):
    report = import_files(services.indexer, [jsonl(tmp_path / "org.jsonl", ANA, BO, CY, VPN, SECRET)])
    assert report.errors == []
    add_accounts(services, {"ana": ("contributor", "p-ana"), "bo": ("contributor", "p-bo"),
                            "cy": ("employee", "p-cy"), "lee": ("lnd", None)})
    with LiveServer(services) as live:
        yield live


def test_a_course_is_built_taken_and_measured(server):
    with as_user(server, "ana") as ana, as_user(server, "cy") as cy, as_user(server, "lee") as lee:
        made = ana.post("/api/courses", json=course_json())
        assert made.status_code == 201, made.text
        course = made.json()
        cid = course["id"]
        assert course["authors"] == ["p-ana"] and course["can_edit"]
        assert [s["title"] for s in course["steps"]] == ["What the VPN is for", "Resetting your VPN token"]
        assert course["steps"][1]["item"] == {"id": "c-vpn", "title": "Resetting your VPN token"}

        # A learner sees the questions without their answers, and starts with nothing done.
        seen = cy.get(f"/api/courses/{cid}").json()
        assert seen["can_edit"] is False
        assert seen["steps"][0]["questions"][0]["correct"] is None
        assert seen["progress"] == {"started": False, "done_steps": [], "total": 2, "next_step": 1, "completed": False}
        assert [(c["id"], c["can_edit"]) for c in cy.get("/api/courses").json()["items"]] == [(cid, False)]
        assert [(c["id"], c["can_edit"]) for c in ana.get("/api/courses").json()["items"]] == [(cid, True)]

        # Searchable like any item: a question lands on the course.
        found = cy.get("/api/search", params={"q": "what does the VPN let me reach from home"}).json()["results"]
        assert cid in [r["id"] for r in found]

        q1, q2 = (q["id"] for q in seen["steps"][0]["questions"])
        first = cy.post(f"/api/courses/{cid}/attempts", json={"step": 1, "answers": [
            {"question": q1, "chosen": [0]}, {"question": q2, "chosen": [0]}]})
        assert first.status_code == 200, first.text
        assert first.json()["results"] == [
            {"question": q1, "correct": True, "right": [0], "explanation": "It is a tunnel into the office network.",
             "first_try": True},
            {"question": q2, "correct": False, "right": [0, 2], "explanation": "Public sites need no VPN.",
             "first_try": True}]
        assert first.json()["progress"]["done_steps"] == [1]
        again = cy.post(f"/api/courses/{cid}/attempts", json={"step": 1, "answers": [
            {"question": q1, "chosen": [0]}, {"question": q2, "chosen": [2, 0]}]}).json()
        assert [r["first_try"] for r in again["results"]] == [False, False] and again["results"][1]["correct"]
        q3 = seen["steps"][1]["questions"][0]["id"]
        last = cy.post(f"/api/courses/{cid}/attempts", json={"step": 2, "answers": [{"question": q3, "chosen": [0]}]})
        assert last.json()["progress"] == {"started": True, "done_steps": [1, 2], "total": 2, "next_step": None,
                                           "completed": True}

        # Analytics: L&D and the author see them, the learner does not; the second try does not count.
        assert cy.get(f"/api/courses/{cid}/analytics").status_code == 403
        for client in (ana, lee):
            figures_ = client.get(f"/api/courses/{cid}/analytics").json()
            assert (figures_["started"], figures_["completed"]) == (1, 1)
            assert figures_["questions"][0] == {
                "id": q2, "step": 1, "step_title": "What the VPN is for", "prompt": "Which are internal?",
                "answered": 1, "missed": 1, "missed_share": 1.0, "link": f"/courses/{cid}/steps/1"}
        table = lee.get(f"/api/courses/{cid}/analytics", params={"format": "csv", "table": "questions"})
        assert table.headers["content-type"].startswith("text/csv")
        assert table.text.splitlines()[1].startswith(f"{q2},1,What the VPN is for,Which are internal?,1,1,1.0,")

        # Editing keeps the questions sent with their ids, and their answers.
        edited = course_json(title="VPN in 12 minutes")
        edited["steps"][0] |= {"id": seen["steps"][0]["id"]}
        edited["steps"][0]["questions"][1] |= {"id": q2, "prompt": "Which of these are internal?"}
        assert ana.put(f"/api/courses/{cid}", json=edited).status_code == 200
        assert cy.put(f"/api/courses/{cid}", json=edited).status_code == 403
        after = lee.get(f"/api/courses/{cid}/analytics").json()["questions"]
        assert [(q["prompt"], q["answered"]) for q in after] == [("Which of these are internal?", 1),
                                                                 ("What does the VPN give you?", 0),
                                                                 ("Where do you reset the token?", 0)]


def test_employees_cannot_build_and_team_courses_stay_within_the_team(server):
    with as_user(server, "cy") as cy, as_user(server, "bo") as bo, as_user(server, "ana") as ana:
        assert cy.post("/api/courses", json=course_json()).status_code == 403
        # A Finance item can only be a step of a course restricted to Finance.
        step = {"item": "c-fin", "questions": []}
        refused = bo.post("/api/courses", json=course_json(steps=[step]))
        assert refused.status_code == 422 and "visible to Finance only" in refused.json()["detail"]
        made = bo.post("/api/courses", json=course_json(steps=[step], visible_teams=["finance"]))
        assert made.status_code == 201, made.text
        cid = made.json()["id"]
        assert made.json()["visible_teams"] == ["Finance"]
        for client in (cy, ana):
            assert client.get(f"/api/courses/{cid}").status_code == 404
            assert client.get(f"/api/courses/{cid}/analytics").status_code == 404
            assert client.post(f"/api/courses/{cid}/attempts", json={"step": 1}).status_code == 404
            assert cid not in [c["id"] for c in client.get("/api/courses").json()["items"]]
            assert cid not in [r["id"] for r in client.get("/api/search", params={"q": "closing the books"}).json()["results"]]
        assert bo.post(f"/api/courses/{cid}/attempts", json={"step": 1}).json()["progress"]["completed"] is True
        # Deleting the course's item takes its steps, questions and learners with it.
        assert bo.delete(f"/api/content/{cid}").status_code == 204
        assert bo.get(f"/api/courses/{cid}").status_code == 404
        assert server.services.store.course_steps(cid) == [] and server.services.store.course_learners(cid) == []


@pytest.mark.parametrize("change, status, words", [
    ({"steps": []}, 422, "steps"),
    ({"steps": [{"title": "Empty"}]}, 422, "step 1 needs its text"),
    ({"steps": [{"title": "x", "body": "y", "questions": [{"prompt": "?", "options": ["a", "b"], "correct": [0, 1]}]}]},
     422, "single-choice"),
    ({"steps": [{"item": "c-nothing"}]}, 422, "no item 'c-nothing'"),
    ({"authors": ["p-bo"]}, 403, "publish as yourself"),
])
def test_bad_courses_are_refused_with_the_reason(server, change, status, words):
    with as_user(server, "ana") as ana:
        response = ana.post("/api/courses", json=course_json(**change))
        assert response.status_code == status and words in response.json()["detail"], response.text


def test_bad_attempts_are_refused_with_the_reason(server):
    with as_user(server, "ana") as ana, as_user(server, "cy") as cy:
        course = ana.post("/api/courses", json=course_json()).json()
        cid, (q1, q2) = course["id"], [q["id"] for q in course["steps"][0]["questions"]]
        for body, words in [({"step": 3}, "no step 3"), ({"step": 1, "answers": [{"question": q1, "chosen": [0]}]},
                                                         "question 2 has no answer"),
                            ({"step": 1, "answers": [{"question": q1, "chosen": [0, 1]}, {"question": q2, "chosen": [0]}]},
                             "takes one option"),
                            ({"step": 1, "answers": [{"question": q1, "chosen": [5]}, {"question": q2, "chosen": [0]}]},
                             "options 0 to 1"),
                            ({"step": 1, "answers": [{"question": 999, "chosen": [0]}]}, "no question 999")]:
            response = cy.post(f"/api/courses/{cid}/attempts", json=body)
            assert response.status_code in (404, 422) and words in response.json()["detail"], (body, response.text)
        assert cy.get("/api/courses/c-vpn").status_code == 404  # an item, not a course


def test_a_course_is_evidence_for_its_author_in_expert_ranking(server):
    step = {"title": "Charging", "body": "The garage under the building has two chargers for electric scooters; "
                                         "book a slot in the facilities app and bring your own cable."}
    question = {"q": "where can I charge my electric scooter at the office"}
    with as_user(server, "bo") as bo, as_user(server, "cy") as cy:
        assert "p-bo" not in [e["id"] for e in cy.get("/api/experts", params=question).json()["experts"]]
        assert bo.post("/api/courses", json=course_json(title="Coming to work by scooter", steps=[step])).status_code == 201
        experts = cy.get("/api/experts", params=question).json()["experts"]
        assert experts and experts[0]["id"] == "p-bo" and "Coming to work by scooter" in " ".join(experts[0]["why"])
