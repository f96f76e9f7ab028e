"""The words side of search: BM25 over the passages, held in memory, a replica like the vector index.

SQLite's FTS5 scores an OR query by computing BM25 for every passage any term matches, looking up each one's
length as it goes: about 2 µs a posting, 14.5 ms for the median question at 100,000 passages and 200 ms at
1,000,000. This index holds the same postings as numpy arrays and scores a question in a few array operations.

It reproduces FTS5's `porter unicode61` tokeniser (NLTK's Porter stemmer with Martin's extensions is the
reference C implementation FTS5 ports: the same terms, with the same counts, on the demo, Cranfield and
se_coffee) and FTS5's bm25() with our column weights, so rankings and scores are the ones FTS5 gave.

It holds every stored passage, embedded or not, and follows the same change log as the vector index
(models.index_set, migration m022), so a passage is found by its words as soon as it is saved. Like the
vector index it is a cache: rebuilt from the database when its file is missing or torn, which also lets a
server on PostgreSQL (which has no FTS5) search words the same way.
"""

from __future__ import annotations

import json
import math
import os
import re
import threading
import unicodedata
import zipfile
from array import array
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

import numpy as np
from nltk.stem.porter import PorterStemmer

# Bump when tokens change, so a saved index made with other tokens is rebuilt instead of read.
TOKENISER = "porter-unicode61-1"
# Title and text, as bm25() weighed the FTS5 columns before this index: a title word counts double.
WEIGHTS = (2.0, 1.0)
K1, B = 1.2, 0.75  # FTS5's bm25() constants
# New postings wait in compact arrays until they pass this many and this share of the merged ones; then one
# merge.
MERGE_AT_LEAST = 50_000
MERGE_SHARE = 0.1
STEM_CACHE = 500_000

_TOKEN = re.compile(r"[^\W_]+")  # unicode61: letters and digits; the underscore separates, as punctuation does
_porter = PorterStemmer(mode=PorterStemmer.MARTIN_EXTENSIONS)


class Tokeniser:
    """Text to FTS5's tokens: lower case, diacritics removed, Porter stems for tokens of 3 to 64 characters.

    Differs from unicode61 only on a few symbols it keeps as tokens (some emoji: U+1F5C4 is one, U+1F600 is
    not), which only changes the lengths of the passages holding them (3 tokens in the demo's 830 passages)."""

    def __init__(self):
        self._stems: dict[str, str] = {}

    def tokens(self, text: str) -> list[str]:
        stems = self._stems
        if len(stems) > STEM_CACHE:
            stems.clear()
        out = []
        for word in _TOKEN.findall(text.lower().replace("\u00b5", "\u03bc")):  # micro sign: mu, as unicode61 folds it
            token = stems.get(word)
            if token is None:
                token = stems[word] = _stem(word)
            out.append(token)
        return out


def _stem(word: str) -> str:
    if not word.isascii():
        word = "".join(c for c in unicodedata.normalize("NFD", word) if not unicodedata.combining(c))
    return _porter.stem(word, to_lowercase=False) if 3 <= len(word) <= 64 else word


def _sum_by_row(rows: np.ndarray, scores: np.ndarray, used: int) -> tuple[np.ndarray, np.ndarray]:
    """Each matched row once with its summed score: by sorting when few rows matched, else by a dense sum
    over all rows (a million rows cost about 2 ms that way; sorting half a million postings costs more)."""
    if len(rows) * 8 < used:
        matched, inverse = np.unique(rows, return_inverse=True)
        return matched, np.bincount(inverse, weights=scores)
    total = np.bincount(rows, weights=scores, minlength=used)
    matched = np.flatnonzero(total)  # every matched row scores above 0: idf is at least 1e-6
    return matched, total[matched]


class WordIndex:
    """Passage ids and their (title, text) in; (id, BM25) out, best first, as FTS5's bm25() scores them.

    Postings are merged arrays (term by term: the rows of the passages holding it and its weighted count)
    plus recent additions in compact arrays, merged once they grow; a removed passage's row is marked dead
    and left out of every count until the next merge drops it.
    """

    def __init__(self):
        self.tokeniser = Tokeniser()
        self._terms: dict[str, int] = {}
        self._offsets = np.zeros(1, np.int64)  # merged postings of term t: [offsets[t], offsets[t + 1])
        self._rows = np.zeros(0, np.int32)
        self._freqs = np.zeros(0, np.float32)
        # Postings added since the last merge, per term: compact arrays (4 bytes an entry where a list of
        # Python numbers took about 40), so a first start over a million passages does not hold gigabytes.
        self._recent: dict[int, tuple[array, array]] = {}
        self._recent_count = 0
        self._ids = np.zeros(0, np.int64)  # per row: passage id, length in tokens, alive
        self._lengths = np.zeros(0, np.float64)
        self._alive = np.zeros(0, bool)
        self._used = 0
        self._row_of: dict[int, int] = {}
        self._total_length = 0.0
        self._changed = True  # since the last snapshot (a new index has never been saved)

    def count(self) -> int:
        return len(self._row_of)

    def ids(self) -> np.ndarray:
        return np.fromiter(self._row_of, dtype=np.int64, count=len(self._row_of))

    def add(self, passages: Iterable[tuple[int, str, str]], merge: bool = True) -> None:
        """(id, title, text) each; an id already held is replaced. Without `merge`, the new postings wait
        until the caller merges (a start-up adding every passage merges once, at the end)."""
        batch = list({int(p[0]): p for p in passages}.values())  # an id given twice: its last text
        if not batch:
            return
        self.remove(p[0] for p in batch)
        start = self._used
        self._reserve(start + len(batch))
        terms, recent, tokens_of = self._terms, self._recent, self.tokeniser.tokens
        lengths = []
        for row, (_, title, text) in enumerate(batch, start):
            counts: dict[str, float] = {}
            length = 0
            for column, weight in zip((title, text), WEIGHTS):
                tokens = tokens_of(column or "")
                length += len(tokens)
                for token, n in Counter(tokens).items():
                    counts[token] = counts.get(token, 0.0) + weight * n
            lengths.append(length)
            for token, freq in counts.items():
                term = terms.get(token)
                if term is None:
                    term = terms[token] = len(terms)
                entry = recent.get(term)
                if entry is None:
                    entry = recent[term] = (array("i"), array("f"))
                entry[0].append(row)
                entry[1].append(freq)
            self._recent_count += len(counts)
        ids = [int(p[0]) for p in batch]
        end = start + len(batch)
        self._ids[start:end], self._lengths[start:end], self._alive[start:end] = ids, lengths, True
        self._used = end
        self._row_of.update(zip(ids, range(start, end)))
        self._total_length += sum(lengths)
        self._changed = True
        if merge and self._recent_count > max(MERGE_AT_LEAST, MERGE_SHARE * len(self._rows)):
            self.merge()

    def _reserve(self, rows: int) -> None:
        if rows > len(self._ids):
            size = max(1024, rows, 2 * len(self._ids))
            self._ids = np.resize(self._ids, size)
            self._lengths = np.resize(self._lengths, size)
            self._alive = np.resize(self._alive, size)

    def remove(self, ids: Iterable[int]) -> None:
        for passage_id in ids:
            row = self._row_of.pop(int(passage_id), None)
            if row is not None:
                self._alive[row] = False
                self._total_length -= self._lengths[row]
                self._changed = True

    def query_tokens(self, words: Iterable[str]) -> list[str]:
        """The tokens FTS5 would match for query words (a word may hold none, or several: "co_op")."""
        return [token for word in words for token in self.tokeniser.tokens(word)]

    def document_counts(self, tokens: Iterable[str]) -> dict[str, int]:
        """Passages holding each token: the length of its posting list, dead rows left out."""
        return {token: len(self._postings(token)[0]) for token in set(tokens)}

    def search(self, tokens: list[str], limit: int) -> list[tuple[int, float]]:
        """Passages matching any token, (id, score) best first, at most `limit`: FTS5's bm25() negated (higher
        is better), a token given twice counting twice as in an FTS5 OR query; ties go to the lower id."""
        n = self.count()
        if n == 0 or limit <= 0:
            return []
        average = self._total_length / n
        all_rows, all_scores = [], []
        for token in tokens:
            rows, freqs = self._postings(token)
            if not len(rows):
                continue
            found = len(rows)
            idf = math.log((n - found + 0.5) / (found + 0.5))
            idf = idf if idf > 0 else 1e-6
            norm = K1 * (1 - B + B * self._lengths[rows] / average)
            all_rows.append(rows)
            all_scores.append(idf * freqs * (K1 + 1) / (freqs + norm))
        if not all_rows:
            return []
        rows, scores = _sum_by_row(np.concatenate(all_rows), np.concatenate(all_scores), self._used)
        ids = self._ids[rows]
        if len(rows) > limit:
            top = np.argpartition(-scores, limit - 1)[:limit]
            cut = scores[top].min()
            top = np.flatnonzero(scores >= cut)  # every tie at the cut, so the lower ids win it below
            rows, scores, ids = rows[top], scores[top], ids[top]
        order = np.lexsort((ids, -scores))[:limit]
        return list(zip(ids[order].tolist(), scores[order].tolist()))

    def _postings(self, token: str) -> tuple[np.ndarray, np.ndarray]:
        """(rows, weighted counts) of the live passages holding `token`."""
        term = self._terms.get(token)
        if term is None:
            return np.zeros(0, np.int32), np.zeros(0, np.float32)
        if term + 1 < len(self._offsets):
            start, end = self._offsets[term], self._offsets[term + 1]
            rows, freqs = self._rows[start:end], self._freqs[start:end]
        else:
            rows, freqs = np.zeros(0, np.int32), np.zeros(0, np.float32)
        recent = self._recent.get(term)
        if recent:  # copied out of the arrays, which must stay free to grow
            rows = np.concatenate([rows, np.frombuffer(recent[0], np.int32)])
            freqs = np.concatenate([freqs, np.frombuffer(recent[1], np.float32)])
        alive = self._alive[rows]
        if not alive.all():
            rows, freqs = rows[alive], freqs[alive]
        return rows, freqs

    def merge(self) -> None:
        """One array of postings again: recent ones merged in, dead rows dropped and the rest renumbered."""
        terms = np.repeat(np.arange(len(self._offsets) - 1, dtype=np.int32), np.diff(self._offsets))
        rows, freqs = [self._rows], [self._freqs]
        recent_terms = []
        for term, (term_rows, term_freqs) in self._recent.items():
            recent_terms.append(np.full(len(term_rows), term, np.int32))
            rows.append(np.frombuffer(term_rows, np.int32))
            freqs.append(np.frombuffer(term_freqs, np.float32))
        terms = np.concatenate([terms, *recent_terms])
        rows, freqs = np.concatenate(rows), np.concatenate(freqs)
        alive = self._alive[: self._used]
        keep = alive[rows]
        renumber = (np.cumsum(alive) - 1).astype(np.int32)
        terms, rows, freqs = terms[keep], renumber[rows[keep]], freqs[keep]
        # By term; within a term the merged postings come first and the recent ones follow in the order they
        # were added, rows ascending either way, so a stable sort on the term alone keeps rows in order.
        order = np.argsort(terms, kind="stable")
        self._rows, self._freqs = rows[order], freqs[order]
        self._offsets = np.concatenate([[0], np.cumsum(np.bincount(terms, minlength=len(self._terms)))])
        self._recent, self._recent_count = {}, 0
        self._ids, self._lengths = self._ids[: self._used][alive], self._lengths[: self._used][alive]
        self._used = len(self._ids)
        self._alive = np.ones(self._used, bool)
        self._row_of = dict(zip(self._ids.tolist(), range(self._used)))
        self._total_length = float(self._lengths.sum())

    # -- persistence: one file written atomically; anything unreadable or inconsistent is rebuilt --

    def save(self, stem: Path) -> None:
        arrays = self.snapshot()
        if arrays is not None:
            write(arrays, stem)

    def snapshot(self) -> dict[str, np.ndarray] | None:
        """What `write` saves, taken under the caller's lock: the arrays as they stand (recent postings
        flattened, not merged: a merge at 100,000 passages takes half a second, and searches wait for the
        lock), or None when nothing changed since the last snapshot. The file is then written outside the
        lock: merged arrays are replaced by a merge, never changed in place, and the rest is copied here."""
        if not self._changed:
            return None
        self._changed = False
        terms = [np.full(len(rows), term, np.int32) for term, (rows, _) in self._recent.items()]
        return {
            "offsets": self._offsets, "rows": self._rows, "freqs": self._freqs,
            "recent_terms": np.concatenate([np.zeros(0, np.int32), *terms]),
            "recent_rows": np.concatenate([np.zeros(0, np.int32)] + [np.frombuffer(r, np.int32)
                                                                     for r, _ in self._recent.values()]),
            "recent_freqs": np.concatenate([np.zeros(0, np.float32)] + [np.frombuffer(f, np.float32)
                                                                        for _, f in self._recent.values()]),
            "ids": self._ids[: self._used].copy(), "lengths": self._lengths[: self._used].copy(),
            "alive": self._alive[: self._used].copy(),
            "vocabulary": np.frombuffer("\n".join(self._terms).encode(), np.uint8),
        }

    @classmethod
    def load(cls, stem: Path) -> WordIndex | None:
        """The saved index, or None when there is none, it is unreadable, or another tokeniser made it."""
        try:
            with np.load(stem.with_suffix(".words.npz")) as saved:
                meta = json.loads(saved["meta"].tobytes())
                arrays = {name: saved[name] for name in saved.files if name not in ("meta", "vocabulary")}
                vocabulary = saved["vocabulary"].tobytes().decode()
        except (OSError, ValueError, KeyError, zipfile.BadZipFile):
            return None
        terms = vocabulary.split("\n") if vocabulary else []
        names = ("offsets", "rows", "freqs", "recent_terms", "recent_rows", "recent_freqs", "ids", "lengths", "alive")
        if (meta.get("tokeniser") != TOKENISER or any(name not in arrays for name in names)
                or meta.get("shapes") != {name: len(arrays[name]) for name in names}
                or len(arrays["offsets"]) > len(terms) + 1):
            return None
        index = cls()
        index._terms = {term: n for n, term in enumerate(terms)}
        index._offsets, index._rows, index._freqs = arrays["offsets"], arrays["rows"], arrays["freqs"]
        order = np.argsort(arrays["recent_terms"], kind="stable")
        recent_terms, rows, freqs = (arrays[name][order] for name in ("recent_terms", "recent_rows", "recent_freqs"))
        for term, first, last in _runs(recent_terms):
            index._recent[term] = (array("i", rows[first:last].tolist()), array("f", freqs[first:last].tolist()))
        index._recent_count = len(rows)
        index._ids, index._lengths, index._alive = arrays["ids"], arrays["lengths"], arrays["alive"]
        index._used = len(index._ids)
        live = np.flatnonzero(index._alive)
        index._row_of = dict(zip(index._ids[live].tolist(), live.tolist()))
        index._total_length = float(index._lengths[live].sum())
        index._changed = False
        return index


def write(arrays: dict[str, np.ndarray], stem: Path) -> None:
    """A snapshot to its file, atomically (a temporary file renamed over the old one)."""
    path = stem.with_suffix(".words.npz")
    path.parent.mkdir(parents=True, exist_ok=True)
    names = [name for name in arrays if name != "vocabulary"]
    meta = {"tokeniser": TOKENISER, "shapes": {name: len(arrays[name]) for name in names}}
    # Named per process and thread: two workers of one `serve`, or two saves in one, each write a whole file.
    tmp = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
    with open(tmp, "wb") as out:
        np.savez(out, **arrays, meta=np.frombuffer(json.dumps(meta).encode(), np.uint8))
    os.replace(tmp, path)


def _runs(sorted_values: np.ndarray):
    """(value, start, end) of each run of equal values in a sorted array."""
    if not len(sorted_values):
        return
    starts = np.flatnonzero(np.r_[True, sorted_values[1:] != sorted_values[:-1]])
    ends = np.r_[starts[1:], len(sorted_values)]
    yield from zip(sorted_values[starts].tolist(), starts.tolist(), ends.tolist())
