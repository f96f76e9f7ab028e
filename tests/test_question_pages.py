"""The loop around search, in a real browser on the demo organisation: a question nobody's knowledge
answers goes to the expert, her answer becomes knowledge the next person finds, and L&D sees the gap
addressed."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from tests.conftest import LiveServer
from tests.test_pages import ask_by_typing, demo_site

USERS = {
    "sam": ("employee", "p20"),      # Sam O'Connor, Software
    "ana": ("contributor", "p03"),   # Ana Ruiz, IT networks
    "jonas": ("employee", "p02"),    # Jonas Weber, IT
    "elena": ("lnd", "p60"),         # Elena Petrova, L&D
}
QUESTION = "how do I set up an IPsec tunnel between our firewall and a partner's firewall?"


@pytest.fixture(scope="module")
def site(demo_services, embedder, tmp_path_factory) -> Iterator[LiveServer]:
    services = demo_site(demo_services, embedder, tmp_path_factory.mktemp("questions-demo"), USERS)
    with LiveServer(services) as server:
        yield server
    services.close()



def test_a_question_reaches_the_expert_and_her_answer_becomes_knowledge(tab_as, site):
    # Sam searches, finds no good answer, and asks the experts.
    page = tab_as("sam").go("/")
    ask_by_typing(page, QUESTION)
    page.get_by_label("Your question").press("Enter")
    # The submitted search settles before the link is followed: its response pushes the URL, and a pushState
    # while the link's navigation is pending cancels that navigation (Chromium), leaving the ask page.
    page.wait_for_function("() => !document.querySelector('.htmx-request')")
    expect(page.locator(".notice.unanswered")).to_be_visible()
    page.get_by_role("link", name="Ask the experts").click()
    expect(page.get_by_label("Your question")).to_have_value(QUESTION)
    page.get_by_role("button", name="Send to the experts").click()
    page.wait_for_url(re.compile(r"/questions/q-[0-9a-f]{12}\?asked=1"))
    question_url = page.url.split("?")[0]
    expect(page.locator(".where-it-stands")).to_contain_text("Waiting for")
    expect(page.locator(".where-it-stands")).to_contain_text("Ana Ruiz")

    # Ana is told (the unread count in the navigation), finds it waiting for her and answers, with a preview.
    page = tab_as("ana").go("/")
    expect(page.locator("#unread-count")).to_contain_text("1")
    page = tab_as("ana").go("/questions")
    page.locator("section", has_text="Waiting for you").get_by_role("link", name=QUESTION).click()
    page.get_by_role("textbox", name=re.compile("^Answer")).press_sequentially("Ask **Network Ops** for an IPsec profile, then share the PSK.")
    page.wait_for_selector("#preview strong")
    page.get_by_role("button", name="Publish answer").click()
    page.wait_for_url(re.compile(r"\?answered=1#answers$"))

    # Sam is told, and accepts it.
    page = tab_as("sam").go("/inbox")
    expect(page.locator("main")).to_contain_text("An answer to your question")
    page = tab_as("sam").go(question_url.removeprefix(site.url))
    page.get_by_role("button", name="Accept this answer").click()
    expect(page.locator(".answer.accepted")).to_contain_text("IPsec profile")
    expect(page.locator(".where-it-stands")).to_contain_text("the asker accepted an answer")

    # The next person's search finds the answer first, credited to Ana.
    page = tab_as("jonas").go("/")
    ask_by_typing(page, "ipsec tunnel to a partner firewall")
    first = page.locator(".cards .card").first
    expect(first.locator(".card-title")).to_have_text(QUESTION)
    expect(first.locator(".byline")).to_contain_text("Ana Ruiz")

    # L&D's gaps page shows the topic as addressed (answered topics are listed on asking for them).
    page = tab_as("elena").go("/lnd/gaps?answered=1")
    topic = page.locator("article, li, section").filter(has_text="IPsec tunnel between").first
    expect(topic).to_contain_text("Now answered")
