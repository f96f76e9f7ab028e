"""Which query terms the lexical side matches on: terms so common they carry almost no information must not
cost a BM25 pass over a large share of the corpus.

FTS5 scores an OR query by computing BM25 for every passage any term matches, then sorting them; its cost
grows with the terms' posting lists. A term in more than COMMON_SHARE of the passages has an inverse
document frequency of at most log(19) = 2.9 against 11.5 for a term in 1 passage of 100,000, so it moves
rankings little, while one such term in a 100,000-passage corpus is thousands of passages to score. Both
conditions must hold to leave a term out: collections below COMMON_POSTINGS x (1 / COMMON_SHARE) passages
(the demo, the development sets) keep every term, so their rankings are exactly what they were.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from models.store import Store

COMMON_SHARE = 0.05  # a term in more than this share of the passages ...
COMMON_POSTINGS = 5_000  # ... and in more than this many is left out of the lexical match
CACHE_TERMS = 50_000
RECOUNT_DRIFT = 0.1  # counts are taken again once the corpus grew or shrank by this share


def informative(terms: list[str], counts: dict[str, int], total: int) -> list[str]:
    """The terms to match on, in their order: without those in no passage (they cannot match) and without
    common ones; when every term that matches is common, the rarest of them alone."""
    present = [t for t in terms if counts.get(t, 0) > 0]
    common = {t for t in present if counts[t] > COMMON_POSTINGS and counts[t] > COMMON_SHARE * total}
    kept = [t for t in present if t not in common]
    if not kept and common:
        kept = [min(common, key=lambda t: (counts[t], t))]
    return kept


class TermCounts:
    """Passages per term, counted once per process and kept (common terms come back in query after query;
    a count drifting as content changes only moves the bound a little, and the cache is dropped once the
    corpus has changed size by RECOUNT_DRIFT)."""

    def __init__(self, store: Store, table: str = "chunks"):
        self.store, self.table = store, table
        self._counts: OrderedDict[str, int] = OrderedDict()
        self._total: int | None = None
        self._lock = threading.Lock()

    def informative(self, terms: list[str], passages: int) -> list[str]:
        """`passages`: the corpus size now (the vector index's count, known without a query)."""
        if not terms:
            return []
        with self._lock:
            if self._total is None or abs(passages - self._total) > RECOUNT_DRIFT * max(self._total, 1):
                self._counts.clear()
                self._total = passages
            known = {t: self._counts[t] for t in terms if t in self._counts}
        missing = [t for t in terms if t not in known]
        counted = {t: self.store.fts_document_count(self.table, t) for t in missing}
        with self._lock:
            for term, count in counted.items():
                self._counts[term] = count
                self._counts.move_to_end(term)
            while len(self._counts) > CACHE_TERMS:
                self._counts.popitem(last=False)
        return informative(terms, known | counted, passages)
