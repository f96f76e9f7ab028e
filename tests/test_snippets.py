"""Snippets read as text: Markdown syntax removed, query words next to each other highlighted as one phrase."""

from __future__ import annotations

from markupsafe import Markup, escape

from finder.snippets import answer_snippet, highlight_spans, plain_text
from finder.terms import term_stems
from indexer.importer import import_files
from tests.factories import content, jsonl

DISCOUNTS = """## Who approves a discount
Thresholds are on the **subscription** list price, see [the pricing page](https://wiki.example/pricing_(2025)).

| Discount | Who approves |
|---|:---:|
| up to 10% | You (the AE) |
| over 30% | VP Sales and CFO |

- Forward the approval to `dealdesk@example.com`.
> Quote *exactly* what the customer asked for.
"""


def test_plain_text_drops_markdown_syntax():
    assert plain_text(DISCOUNTS).splitlines() == [
        "Who approves a discount.",
        "Thresholds are on the subscription list price, see the pricing page.",
        "Discount: Who approves.",
        "up to 10%: You (the AE).",
        "over 30%: VP Sales and CFO.",
        "Forward the approval to dealdesk@example.com.",
        "Quote exactly what the customer asked for.",
    ]


def test_plain_text_keeps_underscores_inside_words_and_lone_symbols():
    assert plain_text("set max_retries to 3 * 2 | 5") == "set max_retries to 3 * 2 | 5."


def test_search_snippets_show_no_markdown(make_services, tmp_path):
    services = make_services()
    item = content("c-disc", title="Discount approvals", body=DISCOUNTS)
    assert import_files(services.indexer, [jsonl(tmp_path / "x.jsonl", item)]).errors == []
    snippet = services.finder.ask("who approves a discount over 30%", k=1, log=False).results[0].snippet
    assert "over 30%: VP Sales and CFO." in snippet
    assert not any(mark in snippet for mark in ("|", "**", "##", "](", "---", "`"))


def test_adjacent_query_words_are_one_highlighted_phrase():
    spans = highlight_spans("To connect to the VPN, open the VPN client. Connect, then wait.",
                            term_stems("how do I connect to the VPN client"))
    assert spans == [("To ", False), ("connect to the VPN", True), (", open the ", False), ("VPN client", True),
                     (". ", False), ("Connect", True), (", then wait.", False)]


def test_highlight_spans_without_query_words_is_the_text():
    assert highlight_spans("Nothing matches here.", set()) == [("Nothing matches here.", False)]
    assert highlight_spans("", {"vpn"}) == []


def test_highlight_pieces_escape_safely():
    text = '<script>alert("vpn")</script> vpn & token'
    spans = highlight_spans(text, term_stems("vpn token"))
    assert "".join(piece for piece, _ in spans) == text  # nothing lost or added
    html = Markup("").join(Markup("<mark>%s</mark>") % p if on else escape(p) for p, on in spans)
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert answer_snippet("# Title\n\n| a | b |", set()).text == "Title. a: b."
