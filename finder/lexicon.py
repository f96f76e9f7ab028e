"""Which query terms the lexical side matches on: terms so common they carry almost no information must not
cost a BM25 pass over a large share of the corpus.

BM25 over an OR query scores every passage any term matches (models.word_index); its cost grows with the
terms' posting lists. A term in more than COMMON_SHARE of the passages has an inverse
document frequency of at most log(19) = 2.9 against 11.5 for a term in 1 passage of 100,000, so it moves
rankings little, while one such term in a 100,000-passage corpus is thousands of passages to score. Both
conditions must hold to leave a term out: collections below COMMON_POSTINGS x (1 / COMMON_SHARE) passages
(the demo, the development sets) keep every term, so their rankings are exactly what they were.
"""

from __future__ import annotations

COMMON_SHARE = 0.05  # a term in more than this share of the passages ...
COMMON_POSTINGS = 5_000  # ... and in more than this many is left out of the lexical match


def informative(terms: list[str], counts: dict[str, int], total: int) -> list[str]:
    """The terms to match on, in their order: without those in no passage (they cannot match) and without
    common ones; when every term that matches is common, the rarest of them alone."""
    present = [t for t in terms if counts.get(t, 0) > 0]
    common = {t for t in present if counts[t] > COMMON_POSTINGS and counts[t] > COMMON_SHARE * total}
    kept = [t for t in present if t not in common]
    if not kept and common:
        kept = [min(common, key=lambda t: (counts[t], t))]
    return kept
