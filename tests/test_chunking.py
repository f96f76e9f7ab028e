"""Passages cut from Markdown without the model: short items whole, long ones by heading, with overlap."""

from __future__ import annotations

import re

from indexer.chunking import chunk_markdown, plain_text
from models.records import Chunk


def sections_body(alpha: int = 40, beta: int = 100) -> str:
    return ("## Alpha\n" + " ".join(f"Alpha sentence {n}." for n in range(alpha)) + "\n\n## Beta\n"
            + " ".join(f"Beta {n}." for n in range(beta)))


def test_plain_text_drops_link_targets_emphasis_tags_and_markers():
    markdown = ("See [the page](https://wiki.example/x) and **bold** _it_ <b>tag</b> `code`, ![logo](y.png)\n"
                "1. one\n* two\n> quoted\n| a | b |\n|---|:-:|\n| c | d |")
    assert plain_text(markdown).splitlines() == [
        "See the page and bold it  tag  code, logo", "- one", "- two", "quoted", "| a | b |", "", "| c | d |",
    ]


def test_a_short_item_is_one_passage_without_heading():
    body = "# Resetting the token\nOpen the *portal*.\n\nChoose **Reset token**."
    assert chunk_markdown("c1", body) == [Chunk(content_id="c1", position=0, heading="",
                                                text="Open the portal.\nChoose Reset token.")]


def test_an_empty_body_still_gives_one_passage():
    assert chunk_markdown("c1", "") == [Chunk(content_id="c1", position=0, heading="", text="-")]
    # Only a heading: no block to pack, so the raw text stands in rather than nothing.
    assert chunk_markdown("c1", "# Only a title\n\n")[0].text == "# Only a title"


def test_a_paragraph_without_sentence_ends_is_cut_at_word_counts_losing_nothing():
    chunks = chunk_markdown("c1", "word " * 400, max_words=150, overlap_words=30)
    # 120 = max_words - overlap: room for the overlap a next chunk would carry in.
    assert [len(c.text.split()) for c in chunks] == [120, 120, 120, 40]
    assert [c.position for c in chunks] == [0, 1, 2, 3]


def test_long_items_split_by_heading_within_the_word_limit():
    chunks = chunk_markdown("c1", sections_body(), max_words=50, overlap_words=10)
    assert [c.heading for c in chunks] == ["Alpha"] * 4 + ["Beta"] * 5
    assert [c.position for c in chunks] == list(range(9))
    assert all(len(c.text.split()) <= 50 for c in chunks)
    assert not any("Beta" in c.text for c in chunks if c.heading == "Alpha")
    assert chunks[4].text.startswith("Beta 0.")  # a new section starts fresh: no overlap carried over


def test_consecutive_passages_of_a_section_overlap_by_whole_sentences():
    chunks = chunk_markdown("c1", sections_body(), max_words=50, overlap_words=10)
    for previous, following in zip(chunks, chunks[1:]):
        if previous.heading != following.heading:
            continue
        first = re.match(r"\w+( sentence)? \d+\.", following.text).group(0)
        assert first in previous.text and not previous.text.startswith(first)
        carried = following.text[: following.text.index(previous.text.split()[-1]) + 1]
        assert len(carried.split()) <= 10 + 3  # at most overlap_words, plus the sentence that ends it


def test_every_sentence_of_a_long_item_lands_in_a_passage():
    chunks = chunk_markdown("c1", sections_body(), max_words=50, overlap_words=10)
    text = "\n".join(c.text for c in chunks)
    assert all(f"Alpha sentence {n}." in text for n in range(40))
    assert all(f"Beta {n}." in text for n in range(100))


def test_fenced_code_is_kept_without_its_fences():
    chunks = chunk_markdown("c1", "Run this:\n\n```bash\nsudo systemctl restart vpn\n```\n\nThen sign in.")
    assert chunks[0].text == "Run this:\nsudo systemctl restart vpn\nThen sign in."


def test_a_link_whose_address_holds_brackets_leaves_only_its_text():
    assert plain_text("see [page](http://x/a_(b)) now") == "see page now"
