"""The card's highlight marks the sentence(s) of the passage that answer the question, not each query word."""

from __future__ import annotations

import pytest

from finder.snippets import SNIPPET_CHARS, Snippet, answer_range, answer_snippet, sentence_scores, sentences
from finder.terms import term_stems

BADGE = """Question: This morning my badge beeped and the reader showed a red light at the turnstile.
It worked fine last week. What happened?
A red light with a double beep means the system recognised the badge but denied access.
The usual causes, roughly in order of how often we see them:
- Your access group changed after a team move.
- The badge expired: badges of contractors last 90 days."""


def marked(snippet: Snippet) -> str:
    start, end = snippet.answer
    return snippet.text[start:end]


def test_the_answering_sentence_is_marked_not_the_question_restated():
    snippet = answer_snippet(BADGE, term_stems("badge beeps and shows a red light at the turnstile"))
    assert marked(snippet) == "A red light with a double beep means the system recognised the badge but denied access."
    # The window opens on the answer and fills the room left with what comes before it.
    assert snippet.text.startswith("It worked fine last week. What happened? A red light")
    assert len(snippet.text) <= SNIPPET_CHARS


def test_a_sentence_that_announces_the_answer_is_marked_with_the_next_one():
    snippet = answer_snippet(BADGE, term_stems("what are the usual causes"))
    assert marked(snippet) == ("The usual causes, roughly in order of how often we see them: "
                               "Your access group changed after a team move.")


def test_query_words_spread_over_sentences_mark_the_one_holding_most_of_them():
    found = ["Contractors sign in at reception.", "Badges of contractors expire after 90 days.",
             "Renew badges at reception."]
    scores = sentence_scores(found, term_stems("when do contractor badges expire"))
    assert scores == pytest.approx([1.0, 2.99, 0.98])  # distinct query words, less 0.01 a position
    assert answer_range(found, scores) == (1, 2)


def test_equal_sentences_mark_the_earlier_one():
    found = ["Restart the VPN client.", "If that fails, restart the VPN client again."]
    assert answer_range(found, sentence_scores(found, term_stems("restart vpn client"))) == (0, 1)


def test_no_query_word_in_the_passage_marks_nothing():
    snippet = answer_snippet("Pick up your laptop from IT. Set up Okta Verify.", term_stems("kafka offsets"))
    assert snippet == Snippet("Pick up your laptop from IT. Set up Okta Verify.", (0, 0))
    assert snippet.spans() == [("Pick up your laptop from IT. Set up Okta Verify.", False)]
    assert answer_snippet("", term_stems("vpn")) == Snippet("")


def test_spans_cut_the_text_around_the_answer_losing_nothing():
    snippet = answer_snippet("Open the portal. Choose <Reset token> & scan the code. Done.", term_stems("reset token"))
    assert snippet.spans() == [("Open the portal. ", False), ("Choose <Reset token> & scan the code.", True),
                               (" Done.", False)]  # raw text: the page escapes each piece


def test_a_long_answer_is_clipped_inside_the_mark():
    long = "Reset the token " + "and then wait for the portal " * 20 + "to finish. Then sign in."
    snippet = answer_snippet(long, term_stems("reset token"), max_chars=80)
    assert len(snippet.text) <= 80 and snippet.text.endswith("…")
    assert snippet.answer == (0, len(snippet.text))


def test_better_scores_from_the_caller_replace_the_lexical_choice():
    text = "Tailscale needs Okta. Nine times out of ten it is name resolution, not the tunnel."
    found = sentences(text)
    assert marked(answer_snippet(text, term_stems("tailscale"), scores=[0.1, 0.6])) == found[1]


def test_a_hard_wrapped_paragraph_stays_one_sentence():
    wrapped = ("To book a night run, reserve the tunnel from 18:00 and tell\nsecurity at the front desk.\n"
               "- A list item long enough to wrap at the editor's margin\n  onto a second line\n- Next item\n"
               "A line of its own\n| a | b |\n| c | d |\ncd firmware-catalog\nmake test")
    assert sentences(wrapped) == [
        "To book a night run, reserve the tunnel from 18:00 and tell security at the front desk.",
        "A list item long enough to wrap at the editor's margin onto a second line.", "Next item.",
        "A line of its own.", "a: b.", "c: d.",
        "cd firmware-catalog.", "make test.",  # short lines: code (chunks drop the fences), not a paragraph
    ]
