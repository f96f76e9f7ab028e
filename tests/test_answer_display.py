"""Showing the answer, in a real browser on a copy of the demo organisation: the card marks the sentence that
answers, its link opens the item on the answering passage, highlighted by CSS alone (also with JavaScript
off), and pressing Enter right after typing keeps the submitted, logged results (feedback controls, links
carrying the query id) instead of letting the delayed as-you-type request replace them."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from playwright.sync_api import expect

from indexer.importer import import_files
from tests.conftest import LiveServer, api_token, client
from tests.factories import content, jsonl
from tests.test_passages import TUNNEL_BODY
from tests.test_pages import demo_site

USERS = {"ana": ("contributor", "p03"), "jonas": ("employee", "p02")}
TUNNEL = content(
    "c-tunnel", title="Using the Toronto wind tunnel", kind="howto", tags=["lab", "toronto"], authors=["p03"],
    body=TUNNEL_BODY)
TUNNEL_ANSWER = ("To book a night run, reserve the tunnel in the lab calendar from 18:00 and tell security at the "
                 "Toronto front desk, who walk past the control room on their rounds.")
WARN_BG = "rgb(255, 246, 224)"  # --warn-bg: the highlighted passage's background
# The questions whose as-you-type request came due (htmx:confirm fires when the debounce runs out).
# Which as-you-type requests came due, and which of them were sent after the question was submitted. On a
# busy machine the 250 ms pause can pass before Enter (a live request sent then is fine: the submit replaces
# it, hx-sync); what must never happen is one sent after the submit.
RECORDER = """() => {
  window.__due = []; window.__sentAfterSubmit = []; let submitted = false;
  document.body.addEventListener('htmx:confirm', (e) => {
    if (e.detail.elt.id === 'q') window.__due.push(e.detail.elt.value); else if (e.detail.elt.tagName === 'FORM') submitted = true;
  });
  document.body.addEventListener('htmx:beforeRequest', (e) => {
    if (e.detail.elt.id === 'q' && submitted) window.__sentAfterSubmit.push(e.detail.elt.value);
  });
}"""


@pytest.fixture(scope="module")
def site(demo_services, embedder, tmp_path_factory) -> Iterator[LiveServer]:
    data = tmp_path_factory.mktemp("answers-demo")
    services = demo_site(demo_services, embedder, data, USERS)
    assert import_files(services.indexer, [jsonl(data / "tunnel.jsonl", TUNNEL)]).errors == []
    with LiveServer(services) as server:
        yield server
    services.close()



def passages_of(site: LiveServer, content_id: str) -> list[str]:
    return [text for _, _, text in site.services.store.stored_chunks(content_id)]


def test_the_card_marks_the_answering_sentence_and_links_to_its_passage(tab_as, site):
    night = next(n for n, text in enumerate(passages_of(site, "c-tunnel")) if "night run" in text)
    assert night > 0
    page = tab_as("jonas").go("/?" + urlencode({"q": "how do I book the wind tunnel for a night run"}))
    card = page.locator(".cards .card").first
    expect(card.locator(".card-title")).to_have_text("Using the Toronto wind tunnel")
    assert card.locator("mark.answer").all_inner_texts() == [TUNNEL_ANSWER]  # the sentence, not each word
    href = card.locator(".card-title a").get_attribute("href")
    assert re.fullmatch(rf"/content/c-tunnel\?from=[0-9a-f]{{32}}#p-{night}", href)

    card.locator(".card-title a").click()
    page.wait_for_url(re.compile(rf"/content/c-tunnel\?from=[0-9a-f]{{32}}#p-{night}$"))
    target = page.locator(".passage:target")
    expect(target).to_have_count(1)
    assert "Booking a night run" in target.inner_text() and "Results" not in target.inner_text()
    assert target.evaluate("e => getComputedStyle(e).backgroundColor") == WARN_BG
    expect(target).to_be_in_viewport()  # scrolled to it
    others = page.locator(".passage:not(:target)").evaluate_all("ps => ps.map(p => getComputedStyle(p).backgroundColor)")
    assert others and set(others) == {"rgba(0, 0, 0, 0)"}  # only the answering passage is marked


def test_api_hits_carry_the_passage_and_the_answering_sentence(site):
    night = next(n for n, text in enumerate(passages_of(site, "c-tunnel")) if "night run" in text)
    with client(site, api_token(site.services)) as http:
        hit = http.get("/api/search", params={"q": "how do I book the wind tunnel for a night run", "k": 3}).json()["results"][0]
    assert (hit["id"], hit["passage"]) == ("c-tunnel", night)
    start, end = hit["answer_span"]
    assert hit["snippet"][start:end] == TUNNEL_ANSWER


def test_the_passage_is_highlighted_without_javascript(browser, site):  # noqa: F811
    night = next(n for n, text in enumerate(passages_of(site, "c-tunnel")) if "night run" in text)
    context = browser.new_context(java_script_enabled=False, viewport={"width": 800, "height": 600})
    try:
        page = context.new_page()
        page.goto(f"{site.url}/login")
        page.get_by_label("User name").fill("jonas")
        page.get_by_label("Password").fill("pages test password")
        page.get_by_role("button", name="Sign in").click()  # a plain form post
        page.goto(f"{site.url}/content/c-tunnel#p-{night}")
        target = page.locator(".passage:target")
        expect(target).to_contain_text("reserve the tunnel in the lab calendar")
        assert target.evaluate("e => getComputedStyle(e).backgroundColor") == WARN_BG
        expect(target).to_be_in_viewport()
        assert page.evaluate("typeof htmx") == "undefined"  # no script ran
    finally:
        context.close()


def test_enter_right_after_typing_keeps_the_submitted_results(tab_as, site):
    """Three tries: type fast, press Enter at once, let the debounced as-you-type request come due; the
    results stay the submitted, logged ones."""
    questions = ["how do I book the wind tunnel for a night run", "reset okta verify on a new phone",
                 "who approves a discount over 30%"]
    for question in questions:
        tab = tab_as("ana")
        page = tab.go("/")
        page.evaluate(RECORDER)
        box = page.get_by_label("Your question")
        box.press_sequentially(question)
        box.press("Enter")
        page.wait_for_function("q => window.__due.includes(q)", arg=question)  # came due after Enter
        expect(page.locator(".htmx-request")).to_have_count(0)  # and nothing is in flight any more
        assert question not in page.evaluate("window.__sentAfterSubmit"), question

        cards = page.locator(".cards .card")
        expect(cards.first).to_be_visible()
        assert page.locator(".cards form.helpful").count() == cards.count() > 0, question  # feedback controls
        query_ids = set(page.locator(".cards input[name=query_id]").evaluate_all("inputs => inputs.map(i => i.value)"))
        links = page.locator(".cards .card-title a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
        assert len(query_ids) == 1 and all(f"?from={next(iter(query_ids))}" in link for link in links), question
        assert site.services.store.get_query(next(iter(query_ids)))["text"] == question
        assert parse_qs(urlsplit(page.url).query)["q"] == [question]
        tab_as.close()


def test_typing_after_a_submitted_question_still_updates_the_results(tab_as):
    page = tab_as("ana").go("/")
    box = page.get_by_label("Your question")
    box.press_sequentially("reset okta verify on a new phone")
    box.press("Enter")
    expect(page.locator(".cards form.helpful").first).to_be_visible()
    box.fill("")
    box.press_sequentially("how do I book the wind tunnel for a night run")  # and no Enter: live results
    expect(page.locator("#result-status")).to_contain_text("wind tunnel for a night run")
    expect(page.locator(".cards .card-title").first).to_have_text("Using the Toronto wind tunnel")


def test_the_search_feedback_box_comes_after_the_first_results_where_it_is_seen(tab_as):
    page = tab_as("jonas").go("/?" + urlencode({"q": "how do I connect to the VPN"}))
    expect(page.locator("#search-feedback")).to_be_visible()
    cards = page.locator(".cards .card")
    assert cards.count() == 10
    feedback_top = page.locator("#search-feedback").bounding_box()["y"]
    assert cards.nth(2).bounding_box()["y"] < feedback_top < cards.nth(3).bounding_box()["y"]
    assert feedback_top < 1600  # on a laptop screen after a scroll or two, not ~2,700 px down
