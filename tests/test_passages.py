"""An item's body cut into its indexed passages, each with the anchor a search result links to."""

from __future__ import annotations

import re

from indexer.chunking import chunk_markdown
from web.markdown import to_html
from web.passages import passage_html

TUNNEL_BODY = """Our Toronto lab has a small wind tunnel for testing sensor housings. This page covers who may use it,
how to book it, how to run a test safely and what to do with the results. Read all of it before your first
session: the tunnel is shared by three teams, and the fan is powerful enough to hurt someone who is careless.
The lab manager, Ruth Okafor, owns the tunnel and trains new users every second Tuesday.

## Training
Nobody runs the tunnel alone before the safety training. The training takes ninety minutes and covers the
emergency stop, the interlock on the test section door, hearing protection and how to mount a housing on the
force balance. After the training you get the tunnel badge, which opens the control room. Training records
are kept in the lab binder and in Workday, and they expire after two years.

## Booking a night run
Long soak tests run overnight. To book a night run, reserve the tunnel in the lab calendar from 18:00 and tell
security at the Toronto front desk, who walk past the control room on their rounds. A night run needs the
remote alarm enabled, so that the on-call lab engineer is paged if the fan trips. Nobody stays in the building
for a night run; the interlock stops the fan if the door opens.

## Results
The data logger writes one CSV file per run to the lab share, named after the booking. Copy the files you
need into your project folder within a week: the share is cleared every Monday. Note any damage to the
housing, the balance or the tunnel itself in the lab binder, with a photo, before you leave.
"""


def passages(body: str) -> list[str]:
    return [chunk.text for chunk in chunk_markdown("c1", body)]


def runs(html: str) -> dict[str, str]:
    """Anchor id -> the visible text of the run it starts."""
    found = re.findall(r'<div class="passage" id="(p-\d+)">(.*?)</div>(?=\n<div class="passage"|$)', html, re.S)
    return {anchor: " ".join(re.sub(r"<[^>]+>", " ", inner).split()) for anchor, inner in found}


def test_each_passage_gets_an_anchor_on_its_own_blocks():
    texts = passages(TUNNEL_BODY)
    assert len(texts) == 4
    shown = runs(str(passage_html(TUNNEL_BODY, texts)))
    assert list(shown) == ["p-0", "p-1", "p-2", "p-3"]
    assert shown["p-0"].startswith("Our Toronto lab") and shown["p-0"].endswith("every second Tuesday.")
    # A heading goes with the passage it opens (chunks keep headings apart from their text).
    assert shown["p-2"].startswith("Booking a night run Long soak tests") and shown["p-2"].endswith("if the door opens.")


def test_the_runs_render_the_same_body_as_the_whole():
    body = TUNNEL_BODY + "\n\n1. Step one [see the guide][guide]\n2. Step two\n\n[guide]: https://wiki.example/tunnel \"Guide\""
    whole, cut = str(to_html(body)), str(passage_html(body, passages(body)))
    text = lambda html: " ".join(re.sub(r"<[^>]+>", " ", html).split())  # noqa: E731
    assert text(cut) == text(whole)
    assert cut.count('<a href="https://wiki.example/tunnel" title="Guide"') == 1  # a reference link works in its run


def test_a_long_list_is_cut_between_items_and_keeps_its_numbers():
    steps = "\n".join(f"{n}. Step {n}: turn valve {n} a quarter turn clockwise and wait for the gauge to settle."
                      for n in range(1, 31))
    texts = passages(steps)
    html = str(passage_html(steps, texts))
    assert len(texts) > 1 and set(re.findall(r'id="(p-\d+)"', html)) == {f"p-{n}" for n in range(len(texts))}
    assert re.search(r'<ol start="\d+">', html)  # a later run goes on counting where the last one stopped


def test_a_passage_inside_one_long_paragraph_gets_an_anchor_in_its_run():
    paragraph = "The tunnel fan spins up slowly and must be watched. " * 40  # one block, several passages
    texts = passages("Intro line here.\n\n" + paragraph)
    html = str(passage_html("Intro line here.\n\n" + paragraph, texts))
    assert set(re.findall(r'id="(p-\d+)"', html)) == {f"p-{n}" for n in range(len(texts))}
    assert '<span class="passage-anchor"' in html


def test_one_passage_renders_as_before_and_content_stays_sanitised():
    assert passage_html("Short *item*.", ["Short item."]) == to_html("Short *item*.")
    evil = TUNNEL_BODY + "\n\n<script>alert(1)</script> [x](javascript:alert(1))"
    html = str(passage_html(evil, passages(evil)))
    assert "<script" not in html and 'href="javascript' not in html and "&lt;script&gt;" in html
