"""Near-duplicates: pairs of items that say the same thing, for content health and the contribute form.

The model alone cannot tell a duplicate from a neighbour: the demo's AnyConnect and Tailscale how-tos are
0.52 apart, the same as AnyConnect and a Redshift how-to. So a pair's score adds to the text's cosine what
the authors said (shared tags, the same kind of item) and whether one names the other's subject (a rare
proper name from its title, as "Moving to Tailscale" names AnyConnect). `benchmarks.duplicates --sweep`
measured the weights; the model profile's `duplicate` is the score from which a pair is reported.
"""

from __future__ import annotations

import math
import re
import threading
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

import faiss
import numpy as np

from models.store import Store

TAG_WEIGHT = 0.3
NAME_WEIGHT = 0.4
OTHER_KIND_PENALTY = 0.2
UNKNOWN_TAGS = 0.5  # agreement assumed when either side has no tags: absence is no evidence either way
SAME_TEXT = 0.95  # texts this close are duplicates whatever their tags and kinds say: evidence only adds
NEIGHBOURS = 10  # candidates per item, by mean vector, before the pair score is computed
MIN_MEAN = 0.4  # mean-vector cosine below which no pair is scored: none came near the score on any collection

EXACT_UP_TO = 5_000
PROBED_CELLS = 8

_WORD = re.compile(r"\w[\w-]*\w|\w")


@dataclass
class Doc:
    """What an item (or a draft) is compared by. `passages`: its unit passage vectors, one per row."""

    id: str
    title: str
    body: str = ""
    kind: str = ""
    tags: Iterable[str] = ()
    passages: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), np.float32))

    def __post_init__(self) -> None:
        self.tags = frozenset(t.lower() for t in self.tags)
        self.words = frozenset(_WORD.findall(f"{self.title}\n{self.body}"))
        self.names = title_names(self.title)
        mean = self.passages.mean(axis=0) if len(self.passages) else np.zeros(0, np.float32)
        self.mean = (mean / max(float(np.linalg.norm(mean)), 1e-12)).astype(np.float32)


@dataclass(frozen=True)
class Likeness:
    score: float
    text: float
    """Cosine of the texts: the mean of the mean-vector cosine and the best passage-to-passage cosine."""
    tags: float | None
    """IDF-weighted share of tags in common; None when either side has none."""
    name: str | None
    """A rare name from one title that the other item mentions."""
    name_strength: float
    """How rare that name is among the items (0: every item mentions it, 1: no other does)."""
    same_kind: bool


@dataclass(frozen=True)
class Pair:
    first: str
    second: str
    likeness: Likeness


def title_names(title: str) -> frozenset[str]:
    """Proper names in a title: words capitalised inside it (AnyConnect, Navan), or acronyms (RMA, DSAR).
    The first word counts only with a capital past its first letter, since every title starts with one;
    one letter ("I") is never a name."""
    words = _WORD.findall(title)
    return frozenset(
        w for i, w in enumerate(words)
        if len(w) > 1 and (w.isupper() or any(c.isupper() for c in (w[1:] if i == 0 else w)))
    )


class Vocabulary:
    """How many items use each word and tag: a name or tag most items share is weak evidence."""

    def __init__(self, docs: Iterable[Doc]):
        docs = list(docs)
        self.items = len(docs)
        self.words = Counter(w for d in docs for w in d.words)
        self.tags = Counter(t for d in docs for t in d.tags)
        self._strengths: dict[str, float] = {}
        self._weights: dict[str, float] = {}

    def _rarity(self, count: int) -> float:
        n = max(self.items, 2)
        return min(1.0, max(0.0, math.log(n / max(count, 1)) / math.log(n)))

    def name_strength(self, name: str) -> float:
        if name not in self._strengths:
            self._strengths[name] = self._rarity(self.words.get(name, 0))
        return self._strengths[name]

    def tag_weight(self, tag: str) -> float:
        if tag not in self._weights:
            self._weights[tag] = math.log((self.items + 1) / max(self.tags.get(tag, 0), 1)) + 1e-6
        return self._weights[tag]


def likeness(a: Doc, b: Doc, vocabulary: Vocabulary, floor: float | None = None) -> Likeness | None:
    """How much two items say the same thing (see the module docstring for the parts). With `floor`, None
    as soon as the pair cannot reach it: the best passage cosine, the dear part, is worked out last."""
    tags = _tag_agreement(a.tags, b.tags, vocabulary)
    name, strength = _shared_name(a, b, vocabulary)
    same_kind = not a.kind or not b.kind or a.kind == b.kind
    evidence = (TAG_WEIGHT * (UNKNOWN_TAGS if tags is None else tags) + NAME_WEIGHT * strength
                - (0 if same_kind else OTHER_KIND_PENALTY))
    mean = float(a.mean @ b.mean) if len(a.mean) and len(b.mean) else 0.0
    highest = (mean + 1) / 2  # the text cosine if the best passages coincide
    if floor is not None and highest + _counted(evidence, highest) < floor:  # even that falls short
        return None
    best = float((a.passages @ b.passages.T).max()) if len(a.passages) and len(b.passages) else 0.0
    text = (mean + best) / 2
    return Likeness(round(text + _counted(evidence, text), 3), round(text, 3), None if tags is None else round(tags, 3),
                    name, round(strength, 3), same_kind)


def _counted(evidence: float, text: float) -> float:
    """The metadata's part of the score: a copy filed under another kind is still a copy."""
    return max(evidence, 0.0) if text >= SAME_TEXT else evidence


def _tag_agreement(a: frozenset[str], b: frozenset[str], vocabulary: Vocabulary) -> float | None:
    if not a or not b:
        return None
    return sum(vocabulary.tag_weight(t) for t in a & b) / sum(vocabulary.tag_weight(t) for t in a | b)


def _shared_name(a: Doc, b: Doc, vocabulary: Vocabulary) -> tuple[str | None, float]:
    """The rarest name of either title that the other item mentions, and how rare it is (0-1)."""
    found = [(vocabulary.name_strength(n), n) for n in a.names if n in b.words]
    found += [(vocabulary.name_strength(n), n) for n in b.names if n in a.words]
    if not found:
        return None, 0.0
    strength, name = max(found)
    return name, strength


def neighbours(docs: list[Doc], k: int = NEIGHBOURS) -> list[tuple[int, int]]:
    """Candidate pairs (i < j): each item with its `k` nearest by mean vector (at least `MIN_MEAN`), found
    by FAISS."""
    usable = [i for i, d in enumerate(docs) if len(d.mean)]
    if len(usable) < 2:
        return []
    means = np.ascontiguousarray(np.stack([docs[i].mean for i in usable]), dtype=np.float32)
    index = _mean_index(means)
    scores, found = index.search(means, min(k + 1, len(usable)))
    pairs = set()
    for row, (row_scores, hits) in enumerate(zip(scores, found)):
        for score, hit in zip(row_scores, hits):
            if hit >= 0 and hit != row and score >= MIN_MEAN:
                i, j = usable[row], usable[int(hit)]
                pairs.add((min(i, j), max(i, j)))
    return sorted(pairs)


def _mean_index(means: np.ndarray):
    """Exact search up to `EXACT_UP_TO` items; past it an inverted file (k-means cells, the nearest
    `PROBED_CELLS` searched), since every item queries all the others."""
    dim = means.shape[1]
    if len(means) <= EXACT_UP_TO:
        index = faiss.IndexFlatIP(dim)
    else:
        cells = int(2 * math.sqrt(len(means)))  # about 50 items a cell: enough to train k-means on
        index = faiss.IndexIVFFlat(faiss.IndexFlatIP(dim), dim, cells, faiss.METRIC_INNER_PRODUCT)
        index.train(means)
        index.nprobe = PROBED_CELLS
    index.add(means)
    return index


def near_duplicate_pairs(docs: list[Doc], threshold: float, vocabulary: Vocabulary | None = None) -> list[Pair]:
    """Every pair scoring at least `threshold`, best first."""
    vocabulary = vocabulary or Vocabulary(docs)
    found = []
    for i, j in neighbours(docs):
        like = likeness(docs[i], docs[j], vocabulary, floor=threshold)
        if like is not None and like.score >= threshold:
            found.append(Pair(docs[i].id, docs[j].id, like))
    return sorted(found, key=lambda p: (-p.likeness.score, p.first, p.second))


def most_like(draft: Doc, docs: list[Doc], threshold: float, vocabulary: Vocabulary, limit: int = 5) -> list[Pair]:
    """The items a draft nearly duplicates, best first (`docs`: the candidates, e.g. its nearest items)."""
    found = [Pair(draft.id, d.id, like) for d in docs if d.id != draft.id
             and (like := likeness(draft, d, vocabulary, floor=threshold)) is not None and like.score >= threshold]
    return sorted(found, key=lambda p: (-p.likeness.score, p.second))[:limit]


class DuplicateFinder:
    """The store's items as `Doc`s, their vocabulary and their near-duplicate pairs, worked out again only
    when the store changed (its generation moved): the health page and every draft check share them."""

    def __init__(self, store: Store, threshold: float):
        self.store, self.threshold = store, threshold
        self._lock = threading.Lock()
        self._state: tuple[int, list[Doc], Vocabulary, dict[str, Doc]] | None = None
        self._pairs: tuple[int, list[Pair]] | None = None

    def _current(self) -> tuple[int, list[Doc], Vocabulary, dict[str, Doc]]:
        generation = self.store.generation()
        with self._lock:
            if self._state is None or self._state[0] != generation:
                docs = [Doc(row["id"], row["title"], row["body"], row["kind"], row["tags"], passages)
                        for row, passages in self.store.items_with_passages()]
                self._state = (generation, docs, Vocabulary(docs), {d.id: d for d in docs})
            return self._state

    def pairs(self) -> list[Pair]:
        """Every near-duplicate pair in the store, best first."""
        generation, docs, vocabulary, _ = self._current()
        with self._lock:
            if self._pairs is None or self._pairs[0] != generation:
                self._pairs = (generation, near_duplicate_pairs(docs, self.threshold, vocabulary))
            return self._pairs[1]

    def like_draft(self, draft: Doc, hidden: frozenset[str] = frozenset(), limit: int = 5) -> list[Pair]:
        """Items the draft nearly duplicates, leaving out `hidden` ones (those its writer may not see)."""
        _, docs, vocabulary, by_id = self._current()
        candidates = [d for d in docs if d.id not in hidden and d.id != draft.id and len(d.mean)]
        if not len(draft.mean) or not candidates:
            return []
        means = np.stack([d.mean for d in candidates])
        cosines = means @ draft.mean
        nearest = [i for i in np.argsort(-cosines)[:NEIGHBOURS] if cosines[i] >= MIN_MEAN]
        return most_like(draft, [candidates[i] for i in nearest], self.threshold, vocabulary, limit)
