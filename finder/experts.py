"""Expert ranking: who can help with this question, and why.

Document-centric evidence (Balog et al. 2006, Model 2): each of the top retrieved items is evidence for its
authors, in proportion to how closely it matches the question and shared among co-authors, and so is the
person's own profile (title, bio, skills). Added to it: the profile's match again, as its own share of the
score, all scaled by a prior for how much they contributed.

Item evidence uses the item's fused retrieval score and profiles their cosine, each mapped to [0, 1]
between the model profile's `expert_unrelated` and `expert_related` bounds and then squared: a close match
says far more than a loose one (Model 2's p(q|d) grows exponentially with the retrieval score), while the
many loose matches of someone who answers a lot in the area still add up, as plain document voting counts
them. Nothing is divided by the best candidate, so when nothing relevant exists nobody scores high just
for being the least bad. The fused score's lexical share is relative (BM25 over the best candidate's
BM25), so the best keyword match of any question gets it in full: an item's evidence is therefore held to
at most `expert_lexical_margin` above its cosine. Nobody is suggested unless the best person
reaches the profile's `expert_floor`: a question nothing covers gets nobody, not the colleagues whose job
title is the least far from it. Once someone does, the others follow down to `expert_others_floor`, so a
covered question also lists the colleagues with some evidence of their own.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field

import numpy as np

from finder.retrieval import ItemScore
from finder.terms import stem, words
from models.index_set import IndexSet
from models.model_profile import ModelProfile
from models.records import EVERYTHING, Audience
from models.store import Store

MAX_WHY = 5
MAX_CACHED_AUDIENCES = 64  # one per team and L&D: more means teams came and went


@dataclass
class ExpertWeights:
    """Measured with `python -m benchmarks.experts` on the demo, se_coffee and se_cardano together (the
    figures are in benchmarks/README.md)."""
    documents: float = 0.8
    profile: float = 0.2
    # Share of the score that depends on how much a person contributed. Less than 0.3 costs se_coffee and
    # se_cardano (people who answer a lot answer the next questions too); 0.5 costs the demo.
    prior: float = 0.3
    # How much a person's own profile counts among their documents (0: not at all). At 2.5 a profile that
    # names the subject (cosine ~0.42: "Security engineer, skills: phishing" for "suspicious phishing
    # email") passes the floor with nothing written; a job title of cosine ~0.36 does not.
    profile_evidence: float = 2.5
    saturation: float = 0.5  # evidence summed over a person's items approaches 1 as it passes this
    power: float = 2.0  # evidence grows as the match's strength to this power (1: linearly)
    doc_depth: int = 100  # how many top items count as evidence (Model 2 baselines vote over 100 too)
    profile_depth: int = 50  # how many nearest profiles are candidates


@dataclass
class Expert:
    id: str
    name: str
    score: float
    mentor: bool
    why: list[str]
    title: str = ""
    team: str = ""
    location: str = ""
    email: str | None = None
    evidence: list[str] = field(default_factory=list)  # ids of the items behind the score
    strong: bool = True
    """Whether their score reaches the floor, so they would be suggested alone; the colleagues who follow a
    covered question's lead with less are not, and the ask page shows them apart."""


def strong(people: list[Expert]) -> list[Expert]:
    """The people whose score reaches the floor: those recommended on their own (question routing, mentors,
    gap topics, "who else knows", the query log), without the colleagues who only follow a covered
    question's lead. They come first in a ranking, so this keeps its top."""
    return [person for person in people if person.strong]


@dataclass(frozen=True)
class Scoring:
    """The ranker's arithmetic, apart from the store and the indexes: scores of texts in, a person's 0-1
    score out (so it can be checked on hand-made evidence)."""
    unrelated: float
    related: float
    weights: ExpertWeights

    def strength(self, score: float) -> float:
        """How much a score says about the question: 0 up to `unrelated`, 1 from `related`, and between them
        the linear position raised to the weights' `power` (so a loose match counts a little, not nothing)."""
        position = min(max((score - self.unrelated) / (self.related - self.unrelated), 0.0), 1.0)
        return position ** self.weights.power

    def documents(self, strengths: float, profile_cosine: float) -> float:
        """A person's written evidence (the summed strengths of their items, each already shared among its
        co-authors) with their own profile counted among it, saturating towards 1. The profile is one more
        text about what they know: a strong match (a skill or a bio saying so) lets someone who wrote
        nothing on it yet pass the floor; a job title near the question does not (profiles are short, so
        their cosines stay low unless they say the thing)."""
        w = self.weights
        total = strengths + w.profile_evidence * self.strength(profile_cosine)
        return 1 - math.exp(-total / w.saturation)

    def score(self, strengths: float, profile_cosine: float, contributed: int, most: int) -> float:
        """The person's score: documents and profile, scaled by their share of contributions (log-scaled
        against the most anyone contributed), which only moves people whose evidence is close."""
        w = self.weights
        prior = math.log1p(contributed) / math.log1p(most) if most else 0.0
        match = w.documents * self.documents(strengths, profile_cosine) + w.profile * self.strength(profile_cosine)
        return match * (1 - w.prior + w.prior * prior)


class ExpertRanker:
    def __init__(self, store: Store, indexes: IndexSet, profile: ModelProfile, weights: ExpertWeights | None = None):
        self.store, self.indexes = store, indexes
        self.margin, self.floor = profile.expert_lexical_margin, profile.expert_floor
        self.others_floor = min(profile.expert_others_floor, profile.expert_floor)
        self.weights = weights or ExpertWeights()
        self.scoring = Scoring(profile.expert_unrelated, profile.expert_related, self.weights)
        self._counts: dict[Audience, tuple[int, dict[str, int]]] = {}
        self._counts_lock = threading.Lock()

    def contribution_counts(self, audience: Audience) -> dict[str, int]:
        """Items per author as `audience` sees them, counted once per store generation (a write moves it):
        the count runs over every authorship row, 40 % of a search's time at 20,000 items, and changes
        only when content does."""
        generation = self.store.generation()
        with self._counts_lock:
            cached = self._counts.get(audience)
        if cached is not None and cached[0] == generation:
            return cached[1]
        counts = self.store.contribution_counts(audience=audience)
        with self._counts_lock:
            if len(self._counts) > MAX_CACHED_AUDIENCES:
                self._counts.clear()
            self._counts[audience] = (generation, counts)
        return counts

    def rank(
        self, vector: np.ndarray, stems: set[str], items: list[ItemScore], k: int, mentor_only: bool = False,
        audience: Audience = EVERYTHING, adjust: dict[str, float] | None = None,
    ) -> list[Expert]:
        """Up to `k` people for a question, best first: none unless the first reaches the floor, then everyone
        down to the others' floor.
        The contribution prior counts only items `audience` may see (so a hidden item never lifts, and so
        reveals, its author); `adjust` is the feedback already added to the items' scores."""
        evidence, voted_items = self._document_evidence(items[: self.weights.doc_depth], adjust or {})
        profile = self._profile_scores(vector, set(evidence))
        candidates = set(evidence) | set(profile)
        if not candidates:
            return []
        people = self.store.people_by_ids(candidates)
        if mentor_only:
            people = {pid: p for pid, p in people.items() if p["mentor"]}
        counts = self.contribution_counts(audience)
        most = max(counts.values(), default=0)
        scored = []
        for pid in people:
            score = self.scoring.score(evidence.get(pid, 0.0), profile.get(pid, 0.0), counts.get(pid, 0), most)
            if score >= self.others_floor:
                scored.append((score, pid))
        scored.sort(key=lambda pair: (-pair[0], pair[1]))
        if not scored or scored[0][0] < self.floor:
            return []
        top = scored[:k]
        titles = self.store.content_titles({cid for pid in (p for _, p in top) for cid in voted_items.get(pid, [])})
        return [self._expert(people[pid], score, voted_items.get(pid, []), titles, stems, score >= self.floor)
                for score, pid in top]

    def evidence(self, item: ItemScore, adjust: float = 0.0) -> float:
        """How strongly an item speaks to the question: its fused score, but at most `margin` above its
        cosine (a keyword match alone never makes an item strong evidence); feedback moves it as it moved
        the item, so the authors of items voted helpful for similar questions rise with them."""
        return min(item.score - adjust, item.dense + self.margin) + adjust

    def _document_evidence(self, items: list[ItemScore],
                           adjust: dict[str, float]) -> tuple[dict[str, float], dict[str, list[str]]]:
        """Per author, the summed strengths of their items (each shared among co-authors), and the items.
        The sum saturates in `rank`: more relevant items raise it, with diminishing returns, never past 1."""
        total: dict[str, float] = {}
        voted: dict[str, list[str]] = {}
        authors = self.store.authors_of(item.content_id for item in items)
        for item in items:
            names = authors.get(item.content_id, [])
            strength = self.scoring.strength(self.evidence(item, adjust.get(item.content_id, 0.0)))
            if strength <= 0:
                continue
            for person_id in names:
                total[person_id] = total.get(person_id, 0.0) + strength / len(names)
                voted.setdefault(person_id, []).append(item.content_id)
        return total, voted

    def _profile_scores(self, vector: np.ndarray, also: set[str]) -> dict[str, float]:
        """Cosine of the question to each nearby profile, and to the profiles of everyone with votes."""
        with self.indexes.lock:
            scores, ids = self.indexes["profiles"].search(vector, self.weights.profile_depth)
        owner = self.store.profile_owner(int(i) for i in ids[0] if i >= 0)
        result = {owner[int(i)]: float(s) for s, i in zip(scores[0], ids[0]) if int(i) in owner}
        missing = self.store.profile_ids_of(also - set(result))
        for ids_, matrix in self.store.iter_vectors("profiles", list(missing)):
            for profile_id, cosine in zip(ids_.tolist(), (matrix @ vector).tolist()):
                result[missing[profile_id]] = cosine
        return result

    def _expert(self, person, score, item_ids, titles, stems, strong: bool) -> Expert:
        why = [f"wrote '{titles[cid]}'" for cid in item_ids[:3] if cid in titles]
        why += [f"skill: {skill}" for skill in person["skills"] if {stem(w) for w in words(skill)} & stems]
        if not why and person["title"]:
            why.append(f"profile: {person['title']}" + (f", {person['team']}" if person["team"] else ""))
        return Expert(
            id=person["id"],
            name=person["name"],
            score=round(score, 4),
            mentor=person["mentor"],
            why=why[:MAX_WHY],
            title=person["title"] or "",
            team=person["team"] or "",
            location=person["location"] or "",
            email=person["email"],
            evidence=item_ids,
            strong=strong,
        )
