"""The pages in a real browser (Debian's headless Chromium driven by Playwright) against the real server
on a writable copy of the demo organisation, signed in as its people; plus plain HTTP checks that they work
without JavaScript."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from playwright.sync_api import expect

from finder.experts import Expert
from finder.mentors import rank_mentors
from models.errors import ConflictError, ForbiddenError, InvalidInputError
from models.records import Person
from models.settings import Settings
from tests.conftest import TIMEOUT_MS, LiveServer, demo_store_copy, http_client, password_hash
from web.actions import mentoring
from web.auth import Viewer
from web.services import Services

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
XSS_ELEMENTS = "script:not([src]), svg, iframe, [onerror], [onload], [onclick], img[src='x'], a[href^='javascript']"
PASSWORD = "pages test password"
# Accounts on the demo organisation: user name -> (role, person id).
USERS = {
    "ana": ("contributor", "p03"),     # Ana Ruiz, IT
    "priya": ("contributor", "p05"),   # Priya Raman, Security
    "jonas": ("employee", "p02"),      # Jonas Weber, IT
    "hannah": ("employee", "p36"),     # Clara Jensen, Product (account name kept)
    "elena": ("lnd", "p60"),           # Elena Petrova, Learning & Development
}


# -- helpers other page tests share: a private demo copy with accounts, signing in, a recording tab --

def demo_site(demo_services: Services, embedder, data: Path, users: dict[str, tuple[str, str | None]]) -> Services:
    """A writable copy of the demo organisation (database and saved indexes) with accounts added."""
    services = Services(Settings(data=data, **demo_store_copy(demo_services, data)), embedder)
    for username, (role, person_id) in users.items():
        services.store.create_user(username, password_hash(PASSWORD), role, person_id)
    return services


def sign_in_state(base: str, username: str) -> dict:
    """A browser state signed in through the /login form, posted over plain HTTP: as fast as an API call,
    where a browser round trip cost 1-2 s per user and module (test_page_auth signs in with the browser)."""
    with http_client(base) as client:
        response = client.post("/login", data={"username": username, "password": PASSWORD, "next": "/"})
        assert response.status_code == 303, response.text
        cookies = [{"name": c.name, "value": c.value, "domain": "127.0.0.1", "path": c.path or "/", "expires": -1,
                    "httpOnly": True, "secure": False, "sameSite": "Lax"} for c in client.cookies.jar]
    return {"cookies": cookies, "origins": []}


def signed_in_http(server: LiveServer, username: str) -> httpx.Client:
    """A plain HTTP client signed in through the /login form, sending the session's CSRF token as htmx does."""
    client = http_client(server.url)
    response = client.post("/login", data={"username": username, "password": PASSWORD, "next": "/"})
    assert response.status_code == 303, response.text
    client.headers["X-CSRF-Token"] = client.get("/api/me").json()["csrf_token"]
    return client


class Tab:
    """A browser tab on the site that records every dialog (an alert would mean script ran)."""

    def __init__(self, page, base: str):
        self.page, self.base, self.dialogs = page, base, []
        page.set_default_timeout(TIMEOUT_MS)
        page.on("dialog", self._dialog)

    def _dialog(self, dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def go(self, path: str):
        self.page.goto(self.base + path)
        return self.page

    def assert_inert(self) -> None:
        assert self.dialogs == []
        assert self.page.evaluate("window.__xss === undefined")
        assert self.page.locator(f"main :is({XSS_ELEMENTS})").count() == 0


class Tabs:
    """Opens tabs signed in as a given user (signing in once per user), closing them all at the end."""

    def __init__(self, browser, server: LiveServer):
        self.browser, self.server, self.states, self.contexts = browser, server, {}, []

    def __call__(self, username: str, width: int = 1280) -> Tab:
        if username not in self.states:
            self.states[username] = sign_in_state(self.server.url, username)
        context = self.browser.new_context(viewport={"width": width, "height": 900},
                                           storage_state=self.states[username])
        self.contexts.append(context)
        return Tab(context.new_page(), self.server.url)

    def anonymous(self) -> Tab:
        context = self.browser.new_context(viewport={"width": 1280, "height": 900})
        self.contexts.append(context)
        return Tab(context.new_page(), self.server.url)

    def close(self) -> None:
        for context in self.contexts:
            context.close()
        self.contexts = []


# -- fixtures: one server on a private copy of the demo organisation, one browser, a fresh tab per test --

@pytest.fixture(scope="module")
def site(demo_services, embedder, tmp_path_factory) -> Iterator[LiveServer]:
    """The demo organisation copied once for these tests, which write to it (content, profiles, requests)."""
    services = demo_site(demo_services, embedder, tmp_path_factory.mktemp("pages-demo"), USERS)
    with LiveServer(services) as server:
        yield server
    services.close()


@pytest.fixture(scope="module")
def module_tabs(browser, site) -> Iterator[Tabs]:
    tabs = Tabs(browser, site)
    yield tabs
    tabs.close()


@pytest.fixture
def tab_as(module_tabs) -> Iterator[Tabs]:
    """`tab_as("jonas")`: a fresh tab signed in as that demo account."""
    yield module_tabs
    module_tabs.close()


@pytest.fixture
def tab(tab_as) -> Tab:
    """A tab signed in as Ana Ruiz, a contributor."""
    return tab_as("ana")


@pytest.fixture
def http(site) -> Iterator[httpx.Client]:
    """Plain HTTP, no JavaScript, signed in as Ana (contributor)."""
    client = signed_in_http(site, "ana")
    yield client
    client.close()


@pytest.fixture
def lnd_http(site) -> Iterator[httpx.Client]:
    client = signed_in_http(site, "elena")
    yield client
    client.close()


def ask_by_typing(page, question: str) -> None:
    box = page.get_by_label("Your question")
    box.fill("")
    box.press_sequentially(question)
    expect(page.locator("#result-status")).to_contain_text(question.strip())


# -- ask --

def test_ask_shows_knowledge_and_people_as_you_type(tab):
    question = "vpn shows connected but grafana and the wiki won't open"
    page = tab.go("/")
    ask_by_typing(page, question)
    titles = page.locator(".cards .card-title").all_inner_texts()
    assert "Tailscale is green but internal pages still time out" in titles[:3]
    assert page.locator(".cards mark").count() > 0  # the query's words are highlighted in the passages
    people = page.locator("#people .person-name a").all_inner_texts()
    assert "Ana Ruiz" in people
    contact = page.locator("#people .person").first.get_by_role("link", name=re.compile("^Contact"))
    assert contact.get_attribute("href").startswith("mailto:")
    assert parse_qs(urlsplit(page.url).query)["q"] == [question]  # the URL is shareable
    assert page.locator("#people .badge.mentor").count() >= 1
    tab.assert_inert()


def test_ask_page_works_without_javascript(site, http):
    site.services.store.rate("c001", "p05", 4)
    page = http.get("/", params={"q": "how do I set up the vpn on my laptop"})
    assert page.status_code == 200
    assert "<!doctype html>" in page.text and 'action="/" method="get"' in page.text
    text = page.text.replace("<mark>", "").replace("</mark>", "")  # query words are highlighted in titles too
    # A submitted question is logged, and its result links carry it (so opening one is recorded).
    assert re.search(r'href="/content/c001\?from=[0-9a-f]{32}">Setting up Cisco AnyConnect on your laptop</a>', text)
    assert "People who can help" in page.text and 'href="/people/p03">Ana Ruiz</a>' in page.text
    assert '★</span> 4.0<span class="visually-hidden"> out of 5</span> (1 rating)' in page.text
    assert "Did this help?" in page.text
    fragment = http.get("/", params={"q": "vpn"}, headers={"HX-Request": "true"})
    assert "<!doctype html>" not in fragment.text and 'class="card"' in fragment.text
    assert "HX-Request" in fragment.headers["vary"]


def test_ask_logs_settled_questions_not_keystrokes(site, http):
    store = site.services.store
    before = len(store.recent_queries(1000))
    http.get("/", params={"q": "how do I book a meeting ro"}, headers={"HX-Request": "true", "X-Knowhow-Live": "1"})
    http.get("/", params={"q": "how do I book a meeting room"}, headers={"HX-Request": "true"})
    logged = store.recent_queries(1000)[: len(store.recent_queries(1000)) - before]
    assert [(q["text"], q["asker"]) for q in logged] == [("how do I book a meeting room", "p03")]


def test_unanswered_question_offers_experts_and_a_content_request(tab, site):
    question = "kafka consumer group offsets after migrating topics to the new cluster"
    page = tab.go("/")
    ask_by_typing(page, question)
    notice = page.locator(".notice.unanswered")
    assert "No good answer yet" in notice.inner_text()
    assert page.locator(".cards .card").count() > 0 and page.locator("#people .person").count() == 0
    assert "close enough to this question" in page.locator("#people").inner_text()  # nobody, said plainly
    assert page.get_by_role("link", name="Ask the experts").get_attribute("href").startswith("/questions/new?q=kafka")
    page.get_by_text("Request this content").click()
    page.get_by_label("What should it cover?").fill("Offsets when moving a consumer group between clusters")
    page.get_by_role("button", name="Send request").click()
    page.wait_for_selector("#content-request.success")
    latest = site.services.store.list_requests(kind="content", limit=1)[0]
    assert (latest["subject"], latest["note"], latest["status"], latest["requester"]) == (
        question, "Offsets when moving a consumer group between clusters", "open", "p03")


def test_content_request_without_javascript(site, http):
    response = http.post("/requests", data={"q": "forklift licence renewal in Austin", "query_id": "", "note": ""})
    assert (response.status_code, response.headers["location"]) == (
        303, "/?q=forklift+licence+renewal+in+Austin&requested=1")
    assert site.services.store.list_requests(kind="content", limit=1)[0]["subject"] == "forklift licence renewal in Austin"
    thanks = http.get(response.headers["location"]).text
    assert "your request is on the list L&amp;D works from" in thanks and 'id="content-request"' not in thanks


def test_too_long_question_is_explained_not_an_error_page(http):
    page = http.get("/", params={"q": "word " * 1000})
    assert page.status_code == 200 and "The question is longer than 4000 characters." in page.text


# -- reading --

def test_open_an_item_from_the_results(tab_as, site):
    store = site.services.store
    page = tab_as("elena").go("/?q=reset+okta+verify+on+a+new+phone")  # L&D may edit any item
    first = page.locator(".cards .card-title a").first
    title = first.inner_text()
    content_id, query_id = re.fullmatch(r"/content/([^?]+)\?from=([0-9a-f]{32})(?:#p-\d+)?", first.get_attribute("href")).groups()
    views = store.get_content(content_id)["views"]
    first.click()
    page.wait_for_url(re.compile(r"/content/"))
    opened = store.db.execute("SELECT kind, person_id FROM events WHERE content_id = ? AND query_id = ?",
                              [content_id, query_id]).fetchall()
    assert opened == [("open", "p60")]  # how gap detection knows a result was opened
    assert page.locator("h1").inner_text() == title
    assert page.locator(".prose").inner_text().strip() != ""
    assert page.locator("#related-heading").is_visible() and page.locator(".content-side .link-list li").count() > 0
    assert f"{views + 1} view" in page.locator(".content-header .byline").inner_text()
    page.get_by_role("link", name="Edit this item").click()
    assert page.get_by_label("Title").input_value() == title


def test_browse_by_tag_kind_and_pages(http):
    page = http.get("/browse", params={"tag": "vpn", "sort": "views"})
    assert page.status_code == 200 and "Moving to Tailscale" in page.text
    assert "Setting up Cisco AnyConnect" not in page.text  # replaced by the Tailscale how-to: out of service
    assert "Setting up Cisco AnyConnect" in http.get("/browse", params={"tag": "vpn", "retired": "true"}).text
    policies = http.get("/browse", params={"kind": "policy"}).text
    assert policies.count('class="card"') > 0 and policies.count("<span class=\"kind kind-policy\">") == policies.count('class="card"')
    second = http.get("/browse", params={"page": 2}).text
    assert "Page 2 of" in second and 'rel="prev"' in second


# -- writing --

def test_contribute_an_item_then_find_it_by_a_question(tab):
    page = tab.go("/contribute")
    page.get_by_label("Title").fill("Borrowing the 3D printer in the Toronto lab")
    page.get_by_label("Kind").select_option("howto")
    page.get_by_label("Tags").fill("3d-printing, toronto, lab")
    page.get_by_label("Body").press_sequentially("## Booking\nReserve the Prusa in the **lab calendar**, then collect the filament key.")
    page.wait_for_selector("#preview h2")  # the live preview renders the Markdown as it will be shown
    assert page.locator("#preview strong").inner_text() == "lab calendar"
    assert page.locator(".written-by").inner_text() == "Ana Ruiz (you)"  # the signed-in person writes it
    assert page.get_by_label("Official").count() == 0  # only L&D marks items official
    page.get_by_label("Co-author 1").fill("Jonas Weber")  # a name typed (or picked from the suggestions)
    page.get_by_role("button", name="Publish").click()
    page.wait_for_url(re.compile(r"/content/c-[0-9a-f]{12}\?saved=1"))
    assert page.locator("h1").inner_text() == "Borrowing the 3D printer in the Toronto lab"
    assert page.locator(".content-header .byline a").all_inner_texts() == ["Ana Ruiz", "Jonas Weber"]
    assert page.locator(".content-footer .tag").all_inner_texts() == ["3d-printing", "toronto", "lab"]
    page = tab.go("/")
    ask_by_typing(page, "how can I use the 3d printer in toronto")
    assert page.locator(".cards .card-title").first.inner_text() == "Borrowing the 3D printer in the Toronto lab"


def test_contribute_errors_show_next_to_fields_and_keep_input(http):
    page = http.post("/contribute", data={"title": "", "body": "Kept *body*", "kind": "howto", "tags": "a, b",
                                          "coauthors": "nobody-here", "visible_teams": "Finanse"})
    assert page.status_code == 422
    assert '<p class="field-error" id="title-error">Give the item a title.</p>' in page.text
    assert ('<p class="field-error" id="coauthors-error">Nobody here is called “nobody-here”. Type part of a name '
            "and pick from the suggestions.</p>") in page.text
    assert '<p class="field-error" id="visible_teams-error">No team is called Finanse;' in page.text
    assert "Kept *body*</textarea>" in page.text and 'value="a, b"' in page.text


def test_edit_an_item_keeps_its_id_and_creation_date(site, lnd_http):
    store = site.services.store
    before = store.get_content("c010")
    form = {"title": before["title"] + " (2026)", "body": before["body"], "kind": before["kind"],
            "tags": ", ".join(before["tags"]), "author": before["authors"][0], "coauthors": before["authors"][1:],
            "official": "on"}
    response = lnd_http.post("/content/c010/edit", data=form)
    assert (response.status_code, response.headers["location"]) == (303, "/content/c010?saved=1")
    after = store.get_content("c010")
    assert (after["title"], after["created"], after["authors"], after["official"]) == (
        form["title"], before["created"], before["authors"], True)
    assert after["updated"] > before["updated"]
    assert [(v["record"]["title"], v["edited_by"]) for v in store.versions("c010")] == [(before["title"], "elena")]


def test_edit_a_profile(tab_as, site):
    tab = tab_as("jonas")
    page = tab.go("/people/p02")
    page.get_by_role("link", name="Edit profile").click()
    page.get_by_label("Skills").fill("helpdesk, macos, label printers, zebra")
    page.get_by_label("Bio").fill("First stop for new starters' MacBooks. Also fixes the Zebra label printers.")
    page.get_by_label("I am happy to mentor new colleagues").check()
    page.get_by_label("Availability").select_option("limited")
    page.get_by_label("Mentees at a time").fill("1")
    page.get_by_role("button", name="Save profile").click()
    page.wait_for_url(re.compile(r"/people/p02\?saved=1"))
    assert "zebra" in page.locator(".profile-main .tag-list").inner_text()
    assert page.locator(".profile-card .badge.mentor").is_visible()
    assert "Limited" in page.locator(".profile-card").inner_text()
    person = site.services.store.get_person("p02")
    assert (person["mentor"], person["availability"], person["mentee_capacity"]) == (True, "limited", 1)
    # The profile was re-indexed: the new skill now points questions to him.
    people = site.services.finder.experts("who fixes zebra label printers", k=3, log=False)
    assert "p02" in [p.id for p in people]


def test_profile_form_errors_keep_input(lnd_http):
    page = lnd_http.post("/people/p04/edit", data={"bio": "Kept bio", "skills": "x", "availability": "sometimes",
                                               "capacity": "99"})
    assert page.status_code == 422
    assert 'id="capacity-error">A whole number from 0 to 10.</p>' in page.text
    assert 'id="availability-error">' in page.text and "Kept bio</textarea>" in page.text


# -- mentoring --

def test_find_a_mentor_send_a_request_and_the_mentor_accepts(tab_as, site):
    page = tab_as("hannah").go("/mentors")
    page.get_by_label("Topics or goal").fill("writing sql queries and building dashboards")
    page.get_by_role("button", name="Find mentors").click()
    first = page.locator("ol.mentors .person").first
    mentor = first.locator(".person-name").inner_text()
    assert first.locator(".why li").count() > 0  # the evidence behind the suggestion
    first.get_by_role("link", name=re.compile("for mentoring")).click()
    page.get_by_label("Message").fill("I joined Product last month and want to answer my own data questions.")
    page.get_by_role("button", name="Send request").click()
    page.wait_for_url(re.compile(r"/people/p36\?requested=.+#mentoring"))  # sent as the signed-in person
    assert "waiting for an answer" in page.locator("#mentoring").text_content()
    page.locator("#mentoring").get_by_role("link", name=mentor).click()
    request = page.locator("#mentoring .request", has_text="Clara Jensen")
    assert "answer my own data questions" in request.inner_text()
    assert request.get_by_role("button").count() == 0  # only the mentor (or L&D) answers
    page = tab_as("elena").go(urlsplit(page.url).path)  # L&D answers on the mentor's behalf here
    request = page.locator("#mentoring .request", has_text="Clara Jensen")
    request.get_by_role("button", name=re.compile("^Accept")).click()
    page.wait_for_url(re.compile(r"#mentoring$"))
    assert "Clara Jensen" in page.locator("#mentoring .link-list").first.inner_text()
    mentor_id = page.url.split("/people/")[1].split("#")[0]
    assert site.services.store.assigned_counts("mentoring", "in_progress", [mentor_id]) == {mentor_id: 1}


def test_mentor_request_needs_a_message_and_someone_else(http):
    page = http.post("/mentors/request", data={"mentor": "p01", "goal": "budgets", "message": ""})
    assert page.status_code == 422 and 'id="message-error">' in page.text
    own = http.post("/mentors/request", data={"mentor": "p03", "goal": "budgets", "message": "hi"})  # Ana herself
    assert own.status_code == 422 and "You cannot ask yourself for mentoring." in own.text


def test_mentoring_requests_follow_their_rules(services):
    store = services.store
    store.upsert_people([Person(id="m1", name="Mia Mentor", mentor=True), Person(id="n1", name="Nils New"),
                         Person(id="x1", name="Xu Busy", mentor=True)])
    store.set_mentoring("x1", "not_now", 2)
    nils = Viewer(role="employee", user_id=91, username="nils", person_id="n1")
    mia = Viewer(role="employee", user_id=92, username="mia", person_id="m1")
    with pytest.raises(InvalidInputError, match="not taking mentees"):
        mentoring.ask_mentor(services, nils, "x1", "sql", "hello")
    with pytest.raises(InvalidInputError, match="yourself"):
        mentoring.ask_mentor(services, mia, "m1", "sql", "hello")
    first = mentoring.ask_mentor(services, nils, "m1", "sql", "hello")
    with pytest.raises(ConflictError):
        mentoring.ask_mentor(services, nils, "m1", "sql", "again")
    with pytest.raises(ForbiddenError, match="mentor who was asked"):
        mentoring.decide(services, nils, first, accept=True)
    assert mentoring.decide(services, mia, first, accept=True)["status"] == "in_progress"
    with pytest.raises(ConflictError, match="already accepted"):
        mentoring.decide(services, mia, first, accept=True)
    assert store.assigned_counts("mentoring", "in_progress", ["m1", "x1"]) == {"m1": 1}
    rows = store.list_requests(kind="mentoring", assignee="m1")
    assert [(r["requester_name"], r["subject"], r["note"], r["status"]) for r in rows] == [
        ("Nils New", "sql", "hello", "in_progress")]


def expert(pid: str, score: float) -> Expert:
    return Expert(id=pid, name=pid.upper(), score=score, mentor=True, why=[])


def person(pid: str, availability: str = "available", capacity: int = 2, team: str = "IT", **fields) -> dict:
    return {"id": pid, "mentor": True, "availability": availability, "mentee_capacity": capacity, "team": team,
            "location": "Madrid", **fields}


def test_mentor_ranking_spreads_the_load():
    experts = [expert("busy", 0.9), expert("free", 0.7), expert("limited", 0.8), expert("away", 0.95),
               expert("other-team", 0.85)]
    people = {"busy": person("busy", capacity=2), "free": person("free"), "limited": person("limited", "limited"),
              "away": person("away", "not_now"), "other-team": person("other-team", team="Sales")}
    ranked = rank_mentors(experts, people, {"busy": 2, "free": 0}, team="it")
    # busy: 0.9 * 1.0 * 0.4 = 0.36; free: 0.7; limited: 0.8 * 0.6 = 0.48; away is left out; Sales filtered.
    assert [(m.expert.id, m.rank, m.full) for m in ranked] == [
        ("free", 0.7, False), ("limited", 0.48, False), ("busy", 0.36, True)]


# -- keyboard, safety, layout --

def test_keyboard_only_ask_flow(tab):
    page = tab.go("/browse")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page = tab.go("/")
    assert page.evaluate("document.activeElement.id") == "q"  # the ask page starts in the question box
    page.keyboard.type("how do I get a replacement laptop")
    expect(page.locator("#result-status")).to_contain_text("replacement laptop")
    first_title = page.locator(".cards .card-title a").first.inner_text()
    for _ in range(4):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.matches('.card-title a')"):
            break
    assert page.evaluate("document.activeElement.textContent") == first_title
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"  # focus is visible
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/content/"))
    assert page.locator("h1").inner_text() == first_title


def test_stored_xss_in_title_body_tags_bio_and_query_is_inert(tab_as):
    tab = tab_as("priya")  # a contributor, editing her own profile (p05) too
    title = 'Evil <img src=x onerror="window.__xss=1;alert(1)"> title'
    page = tab.go("/contribute")
    page.get_by_label("Title").fill(title)
    page.get_by_label("Tags").fill('<svg onload=alert(1)>, "><script>alert(1)</script>')
    page.get_by_label("Body").fill(
        "<script>window.__xss=1;alert(1)</script>\n\n[click me](javascript:alert(1))\n\n"
        '<img src=x onerror=alert(1)> <a href="#" onclick="alert(1)">x</a> zanzibar falafel'
    )
    page.get_by_role("button", name="Publish").click()
    page.wait_for_url(re.compile(r"/content/c-"))
    assert page.locator("h1").inner_text() == title  # shown as text
    assert page.get_by_role("link", name="click me").count() == 0
    tab.assert_inert()
    page.get_by_label("Add a comment").fill('<img src=x onerror="window.__xss=1;alert(1)"> nice')
    page.get_by_role("button", name="Post comment").click()
    expect(page.locator(".comment-body")).to_have_text('<img src=x onerror="window.__xss=1;alert(1)"> nice')
    tab.assert_inert()
    tab.go("/people/p05/edit")
    page.get_by_label("Bio").fill('<script>window.__xss=1;alert(1)</script><img src=x onerror=alert(1)>')
    page.get_by_role("button", name="Save profile").click()
    page.wait_for_url(re.compile(r"/people/p05\?saved=1"))
    assert "<img src=x onerror=alert(1)>" in page.locator(".bio").inner_text()
    tab.assert_inert()
    tab.go("/browse?tag=" + "<svg onload=alert(1)>")
    assert page.locator(".cards .card").count() == 1
    tab.assert_inert()
    tab.go("/")
    ask_by_typing(page, '<img src=x onerror=alert(1)> zanzibar falafel "><script>alert(1)</script>')
    assert page.locator(".cards .card-title").first.inner_text() == title
    tab.assert_inert()
    tab.go("/?q=%3C%2Fmark%3E%3Cscript%3Ealert(1)%3C%2Fscript%3E+zanzibar")
    tab.assert_inert()


@pytest.mark.parametrize("width", [1280, 375])
def test_ask_page_screenshot_and_no_sideways_scroll(tab_as, width):
    page = tab_as("ana", width=width).go("/?q=vpn+shows+connected+but+the+wiki+won%27t+open")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"ask-{width}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 10_000


def test_error_pages_are_html_for_pages_and_json_for_the_api(http):
    missing = http.get("/content/no-such-item")
    assert missing.status_code == 404 and "text/html" in missing.headers["content-type"]
    assert "There is no item with id &#39;no-such-item&#39;" in missing.text
    assert http.get("/no/such/page").status_code == 404
    for path in ("/api/content/no-such-item", "/api/no-such-endpoint"):
        api = http.get(path)
        assert api.status_code >= 400 and api.headers["content-type"] == "application/json" and "detail" in api.json()
    bad = http.get("/browse", params={"page": "zero"})
    assert bad.status_code == 422 and "text/html" in bad.headers["content-type"]
