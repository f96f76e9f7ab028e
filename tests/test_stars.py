"""The rating widget's hover preview, in a real browser on the rendered widget and the site's stylesheet alone:
only a browser knows what :hover lights, and no server or demo data is needed for it."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from web.pages.render import templates

CSS = Path(__file__).resolve().parent.parent / "web" / "static" / "knowhow.css"
LIT, DIM = "rgb(176, 115, 0)", "rgb(154, 161, 173)"


def _widget(my_stars: int | None) -> str:
    return templates.env.get_template("_rating.html").render(
        item={"id": "c1"}, rating=None, own=False, my_stars=my_stars, csrf_field=lambda: "",
        current_viewer=lambda: SimpleNamespace(signed_in=True))


@pytest.fixture(scope="module")
def page(browser):
    page = browser.new_page()
    yield page
    page.close()


def _colours(page) -> list[str]:
    return page.locator(".star").evaluate_all("stars => stars.map(s => getComputedStyle(s).color)")


@pytest.mark.parametrize("my_stars", [None, 5])
def test_hovering_a_star_lights_it_and_the_stars_before_it(page, my_stars):
    page.set_content(f"<style>{CSS.read_text()}</style>{_widget(my_stars)}")
    page.get_by_role("button", name="4 stars").hover()
    assert _colours(page) == [LIT, LIT, LIT, LIT, DIM]
    page.mouse.move(0, 0)
    assert _colours(page) == [LIT if my_stars else DIM] * 5


def test_tabbing_to_a_star_previews_it_in_order(page):
    page.set_content(f"<style>{CSS.read_text()}</style><a href='#'>before</a>{_widget(None)}")
    page.get_by_role("link", name="before").focus()
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.value") == "2"  # the buttons keep their 1-to-5 order
    assert _colours(page) == [LIT, LIT, DIM, DIM, DIM]
