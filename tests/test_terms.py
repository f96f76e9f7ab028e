"""Query terms: content words only, a light stem, and FTS5 expressions that user text cannot break."""

from __future__ import annotations

from finder.terms import MAX_TERMS, query_terms, stem, term_stems, words


def test_words_are_lower_case_and_unicode():
    assert words("VPN-Token: Zürich's café, 2FA!") == ["vpn", "token", "zürich", "s", "café", "2fa"]


def test_query_terms_drop_function_words_single_letters_and_repeats_in_order():
    assert query_terms("How do I reset my VPN token, the VPN token?") == ["reset", "vpn", "token"]
    assert query_terms("a b c 7 x") == ["7"]  # one digit says something (floor 7); one letter does not


def test_query_terms_are_capped_for_pasted_paragraphs():
    terms = query_terms(" ".join(f"word{n}" for n in range(200)))
    assert len(terms) == MAX_TERMS and terms[0] == "word0"


def test_stem_cuts_common_suffixes_but_keeps_short_words():
    assert [stem(w) for w in ["resetting", "policies", "passes", "expired", "tokens", "is", "bus", "sing"]] == [
        "resett", "policy", "pass", "expir", "token", "is", "bus", "sing"]
    assert term_stems("expired tokens expire") == {"expir", "token", "expire"}
