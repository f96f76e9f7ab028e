"""Short courses as pages: built, taken and measured through plain forms (no JavaScript), and once in a real
browser on the demo organisation: Ana builds a course, Sam takes it and misses a question, Elena sees it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timezone

import pytest
from playwright.sync_api import expect

from indexer.importer import import_files
from tests.conftest import LiveServer, add_accounts, as_user, signed_in
from tests.factories import ANA, VPN, jsonl, person
from tests.test_pages import demo_site
from web.actions.accounts import LOCAL_ADMIN
from web.actions.courses import analytics
from web.cli import DEMO_DIR
from web.demo_courses import load_courses, write_course_history

USERS = {"sam": ("employee", "p20"), "ana": ("contributor", "p03"), "elena": ("lnd", "p60")}
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def site(demo_services, embedder, tmp_path_factory) -> Iterator[LiveServer]:
    services = demo_site(demo_services, embedder, tmp_path_factory.mktemp("courses-demo"), USERS)
    assert load_courses(services, DEMO_DIR) == ["c080", "c280"]  # as `knowhow demo` does
    assert write_course_history(services, DEMO_DIR, NOW) == 28
    with LiveServer(services) as server:
        yield server
    services.close()


def test_ana_builds_a_course_sam_takes_it_and_elena_sees_the_missed_question(tab_as, site):
    page = tab_as("ana").go("/contribute")
    page.get_by_role("link", name="New course").click()
    page.get_by_label("Title", exact=True).fill("Remote access in two steps")
    page.get_by_label("Step 1 title").fill("Why Tailscale")
    page.get_by_label("Step 1 text").fill("We moved from **AnyConnect** to Tailscale in 2025.")
    page.get_by_label("Step 1 question 1", exact=True).fill("What do we use to reach internal services?")
    page.get_by_label("Step 1 question 1 options").fill("*Tailscale\nAnyConnect")
    page.get_by_label("Step 1 question 1 explanation").fill("AnyConnect was retired in 2025.")
    page.get_by_role("button", name="Add a question to step 1").click()
    page.get_by_label("Step 1 question 2", exact=True).fill("Which still need the old VPN?")
    page.get_by_label("Step 1 question 2 options").fill("Nothing\n*Nothing at all, not even the lab\nThe wiki")
    page.get_by_label("Step 1 question 2 explanation").fill("Everything is on Tailscale, the lab too.")
    page.get_by_role("button", name="Add a step").click()
    page.get_by_label("Or an existing item").last.fill("/content/c003")
    page.get_by_label("Step 2 question 1", exact=True).fill("Tailscale is green but pages time out: first check?")
    page.get_by_label("Step 2 question 1 options").fill("*DNS settings\nReinstall the laptop")
    page.get_by_role("button", name="Publish the course").click()
    page.wait_for_url(re.compile(r"/courses/c-[0-9a-f]{12}\?saved=1"))
    course_path = page.url.removeprefix(site.url).split("?")[0]
    expect(page.locator(".course-outline li")).to_have_count(2)
    expect(page.locator(".course-outline")).to_contain_text("Tailscale is green but internal pages still time out")

    # Sam takes it: misses the second question of step 1, sees why, and finishes.
    page = tab_as("sam").go(course_path)
    page.get_by_role("link", name="Start the course").click()
    page.get_by_label("Tailscale", exact=True).check()
    page.get_by_label("The wiki", exact=True).check()
    page.get_by_role("button", name="Check my answers").click()
    expect(page.locator("fieldset.question.wrong")).to_contain_text("Everything is on Tailscale, the lab too.")
    expect(page.locator("fieldset.question.right")).to_contain_text("AnyConnect was retired in 2025.")
    page.get_by_role("link", name="Next step").click()
    expect(page.locator("main")).to_contain_text("Tailscale is green")
    page.get_by_label("DNS settings").check()
    page.get_by_role("button", name="Check my answers").click()
    expect(page.locator("#result")).to_contain_text("You have completed the course.")
    page = tab_as("sam").go(course_path)
    expect(page.locator(".course-progress")).to_contain_text("Completed")

    # Elena sees one learner who completed it, a time, and the missed question at the top.
    page = tab_as("elena").go("/lnd")
    page.get_by_role("link", name="Courses", exact=True).click()
    row = page.locator("tr", has_text="Remote access in two steps")
    expect(row).to_contain_text("Which still need the old VPN?")
    row.get_by_role("link", name="Remote access in two steps").click()
    expect(page.locator(".course-figures")).to_contain_text("1 completed")
    expect(page.locator(".course-figures")).not_to_contain_text("– median")
    first = page.locator("section", has_text="Most missed questions").locator("tbody tr").first
    expect(first).to_contain_text("Which still need the old VPN?")
    expect(first).to_contain_text("100%")
    first.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Why Tailscale")


def test_the_demo_courses_have_learners_and_a_most_missed_question(site):
    _, remote = analytics(site.services, LOCAL_ADMIN, "c080")
    assert remote["started"] == 14 and 6 <= remote["completed"] < 14
    assert [s["finished"] for s in remote["steps"]] == sorted((s["finished"] for s in remote["steps"]), reverse=True)
    assert all(s["median_seconds"] for s in remote["steps"]) and remote["median_total_seconds"] > 300
    top = remote["questions"][0]
    assert top["missed_share"] > 0.3 and top["prompt"] in (  # one of the two the demo makes hardest
        "Which traffic goes through Tailscale?",
        "Tailscale is green but grafana.nw.internal cannot be reached. What is the most common culprit?")
    # Built again (a second `knowhow demo`), nothing is added twice.
    assert load_courses(site.services, DEMO_DIR) == ["c080", "c280"]
    assert write_course_history(site.services, DEMO_DIR, NOW) == 0


# -- the same without JavaScript, over plain HTTP --

@pytest.fixture
def server(services, tmp_path):
    assert import_files(services.indexer, [jsonl(tmp_path / "org.jsonl", ANA, VPN, person("p-cy", team="HR"))]).ok
    add_accounts(services, {"ana": ("contributor", "p-ana"), "cy": ("employee", "p-cy")})
    with LiveServer(services) as live:
        yield live


def test_the_builder_and_the_steps_work_as_plain_forms(server):
    with signed_in(server, "ana", csrf_header=False) as ana, signed_in(server, "cy", csrf_header=False) as cy:
        form = {"csrf_token": ana.csrf, "title": "Tokens", "steps": "1", "s1_questions": "1", "s1_title": "Reset",
                "s1_body": "Use the portal.", "s1_q1_prompt": "Where?", "s1_q1_options": "*Portal\nPhone"}
        more = ana.post("/courses/new", data={**form, "action": "add_step"})
        assert more.status_code == 200 and 'name="s2_title"' in more.text and 'value="Tokens"' in more.text
        refused = ana.post("/courses/new", data={**form, "s1_q1_options": "Portal\nPhone", "action": "save"})
        assert refused.status_code == 422 and "Step 1, question 1: mark the right answer." in refused.text
        saved = ana.post("/courses/new", data={**form, "action": "save"})
        assert saved.status_code == 303
        course = saved.headers["location"].split("?")[0]
        assert "Take the course" in ana.get("/content/" + course.rsplit("/", 1)[1]).text
        assert f'href="{course}/analytics"' in ana.get("/courses").text
        assert f'href="{course}/analytics"' not in cy.get("/courses").text

        assert "Start the course" in cy.get(course).text
        step = cy.get(course + "/steps/1").text
        question = re.search(r'name="(q\d+)"', step).group(1)
        unanswered = cy.post(course + "/steps/1", data={"csrf_token": cy.csrf})
        assert unanswered.status_code == 422 and "Pick an option" in unanswered.text
        answered = cy.post(course + "/steps/1", data={"csrf_token": cy.csrf, question: "1"})
        assert answered.status_code == 303
        shown = cy.get(answered.headers["location"]).text
        assert "Not quite." in shown and "You have completed the course." in shown
        assert cy.get(course + "/analytics").status_code == 403
        assert ana.get(course + "/analytics").status_code == 200
        assert cy.get(course + "/edit").status_code == 403


def test_a_search_hit_on_a_course_leads_to_its_step(server):
    filler = " ".join(f"Sentence {n} of this step says a little more about the topic at hand." for n in range(12))
    steps = [{"title": "Badges", "body": "Your office badge opens the doors from seven to eight. " + filler},
             {"title": "Printers", "body": "Printers pick up your job when you tap your badge on the reader. " + filler},
             {"title": "Parking", "body": "The garage under the building has twenty bicycle racks and two chargers "
                                          "for electric scooters. " + filler}]
    with as_user(server, "ana") as ana, signed_in(server, "cy") as cy:
        course = ana.post("/api/courses", json={"title": "Your first day in the office", "steps": steps}).json()
        hits = cy.get("/api/search", params={"q": "where can I charge my electric scooter"}).json()["results"]
        hit = next(h for h in hits if h["id"] == course["id"])
        assert hit["passage"] > 0
        page = cy.get("/", params={"q": "where can I charge my electric scooter"}).text
        assert f'href="/courses/{course["id"]}/passages/{hit["passage"]}"' in page
        landed = cy.get(f"/courses/{course['id']}/passages/{hit['passage']}")
        assert landed.status_code == 303 and landed.headers["location"] == f"/courses/{course['id']}/steps/3"
        assert cy.get(f"/courses/{course['id']}/passages/0").headers["location"] in (
            f"/courses/{course['id']}", f"/courses/{course['id']}/steps/1")


def test_odd_numbers_in_the_forms_are_refused_or_ignored_never_an_error(server):
    with signed_in(server, "ana", csrf_header=False) as ana:
        odd = {"csrf_token": ana.csrf, "title": "T", "steps": "9" * 5000, "s1_questions": "²", "s1_title": "S",
               "s1_body": "B", "s1_q1_prompt": "?", "s1_q1_options": "*a\nb", "s1_id": "9" * 30}
        assert ana.post("/courses/new", data={**odd, "action": "remove_step:" + "9" * 5000}).status_code == 200
        saved = ana.post("/courses/new", data={**odd, "steps": "1", "s1_questions": "1", "action": "save"})
        assert saved.status_code == 303
        step = saved.headers["location"].split("?")[0] + "/steps/1"
        assert ana.post(step, data={"csrf_token": ana.csrf, "q" + "9" * 5000: "1"}).status_code == 422
        assert ana.post(step, data={"csrf_token": ana.csrf, "q1": "9" * 5000}).status_code == 422
