"""The ask loop's read side: a question in, ranked knowledge with passages and the people who can help out."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

import numpy as np

from finder.answerability import Signals, confidence, signals
from finder.experts import Expert, ExpertRanker, ExpertWeights, strong
from finder.feedback import FeedbackModel
from finder.lifecycle import Standing
from finder.retrieval import Retrieval, Retriever
from finder.snippets import answer_snippet
from finder.terms import query_terms, stem, term_stems
from models.errors import InvalidInputError
from models.index_set import IndexSet
from models.model_profile import ModelProfile
from models.records import EVERYTHING, Audience, utc_now
from models.settings import Settings
from models.store import Store

MAX_K = 100


class QueryEncoder(Protocol):
    def encode_query(self, text: str) -> np.ndarray: ...


@dataclass
class Hit:
    id: str
    title: str
    snippet: str
    score: float
    authors: list[str]
    kind: str
    official: bool
    tags: list[str]
    created: str | None
    updated: str | None
    views: int
    dense: float
    lexical: float
    status: str = "current"
    replaced_by: str | None = None
    review_due: str | None = None
    review_overdue: bool = False
    passage: int = 0  # the best passage's position in the item: its anchor on the item's page is #p-N
    answer: tuple[int, int] = (0, 0)  # where in `snippet` the answering sentence(s) are; empty: none


@dataclass
class Answer:
    query_id: str | None
    query: str
    answered: bool
    top_similarity: float | None
    results: list[Hit]
    experts: list[Expert] = field(default_factory=list)
    confidence: float = 0.0
    """How likely some result answers the question (0-1); `answered` is confidence >= the profile's cut."""
    signals: Signals | None = None


@dataclass
class Verdict:
    answered: bool
    confidence: float
    top: float | None  # the best passage's cosine, logged with the query
    signals: Signals | None


def clean_query(text: str | None, max_chars: int) -> str:
    text = " ".join((text or "").split())
    if not text:
        raise InvalidInputError("the question is empty")
    if len(text) > max_chars:
        raise InvalidInputError(f"the question is longer than {max_chars} characters")
    return text


def check_k(k: int) -> int:
    if not 1 <= k <= MAX_K:
        raise InvalidInputError(f"k must be between 1 and {MAX_K}")
    return k


class Finder:
    def __init__(self, store: Store, indexes: IndexSet, encoder: QueryEncoder, settings: Settings,
                 profile: ModelProfile, expert_weights: ExpertWeights | None = None):
        """`profile`: the encoder's calibrated thresholds, with the settings' overrides applied."""
        self.store, self.indexes, self.encoder, self.settings = store, indexes, encoder, settings
        self.answered_threshold = profile.answered
        self.answer_model = profile.answer_model
        self.retriever = Retriever(store, indexes, settings.fusion, settings.fusion_alpha, settings.candidates)
        self.ranker = ExpertRanker(store, indexes, profile, expert_weights)
        self.feedback = FeedbackModel(store, profile.feedback)
        self._restricted: tuple[int, dict[str, set[str]]] = (-1, {})
        self._standings: tuple[tuple, dict[str, Standing]] = ((), {})
        # The searches this process works on at once (settings.searches_at_once says why few): taken by each
        # public search below around its work, never around a write and never twice by one search.
        self._turns = threading.BoundedSemaphore(settings.searches_at_once)

    def hidden_from(self, audience: Audience) -> frozenset[str]:
        """Items the audience must not see, anywhere: results, snippets, related items, expert evidence."""
        if audience.everything:
            return frozenset()
        generation = self.store.generation()
        if self._restricted[0] != generation:
            self._restricted = (generation, self.store.restricted_content())
        return frozenset(cid for cid, teams in self._restricted[1].items() if not audience.sees(teams))

    def standings(self) -> dict[str, Standing]:
        """Items not simply current and confirmed (finder.lifecycle), read again after any write that
        could change them and once an hour (review dates pass by themselves)."""
        now = utc_now().isoformat()
        key = (self.store.generation(), self.store.standings_version(), now[:13])
        if self._standings[0] != key:
            rows = self.store.content_standings(now)
            self._standings = (key, {cid: Standing(*row) for cid, row in rows.items()})
        return self._standings[1]

    def _retrieve(self, text: str, mode: str = "hybrid",
                  audience: Audience = EVERYTHING) -> tuple[np.ndarray, Retrieval, dict[str, float]]:
        """The question's vector, its retrieval, and the feedback adjustments in the items' scores."""
        self.indexes.refresh_if_stale()
        vector = self.encoder.encode_query(text)
        adjust = self.feedback.adjustments(vector) if mode == "hybrid" else {}
        retrieval = self.retriever.retrieve(vector, query_terms(text), mode, adjust, self.hidden_from(audience),
                                            self.standings())
        return vector, retrieval, adjust

    def nearest(self, vector: np.ndarray, terms: list[str], k: int = 5, experts: int = 5,
                audience: Audience = EVERYTHING) -> Answer:
        """Knowledge and people closest to a vector (e.g. the centre of a gap topic); not logged."""
        with self._turns:
            self.indexes.refresh_if_stale()
            retrieval = self.retriever.retrieve(vector, terms, hidden=self.hidden_from(audience),
                                                standings=self.standings())
            stems = {stem(term) for term in terms}
            verdict = self.is_answered(retrieval)
            people = strong(self.ranker.rank(vector, stems, retrieval.items, experts, audience=audience)
                            if experts else [])
            hits = self._hits(retrieval, k, stems)
        return Answer(None, " ".join(terms), verdict.answered, verdict.top, hits, people, verdict.confidence,
                      verdict.signals)

    def is_answered(self, retrieval: Retrieval, adjust: dict[str, float] | None = None) -> Verdict:
        """Answered when the calibrated confidence reaches the profile's cut (finder.answerability says why
        a single cosine threshold is not enough)."""
        found = signals(retrieval, adjust)
        sure = confidence(self.answer_model, found)
        top = round(found.cosine, 4) if found else None
        return Verdict(sure >= self.answered_threshold, round(sure, 4), top, found)

    def ask(self, text: str, k: int = 10, experts: int = 5, mentor_only: bool = False,
            source: str = "api", mode: str = "hybrid", log: bool = True, asker: str | None = None,
            audience: Audience = EVERYTHING, asked_at: datetime | None = None) -> Answer:
        """Search knowledge and people for one question; logs it with the answered decision (at `asked_at`:
        the demo's back-dated history; now by default)."""
        text = clean_query(text, self.settings.max_query_chars)
        check_k(k)
        with self._turns:
            vector, retrieval, adjust = self._retrieve(text, mode, audience)
            stems = term_stems(text)
            hits = self._hits(retrieval, k, stems)
            people = (self.ranker.rank(vector, stems, retrieval.items, experts, mentor_only, audience, adjust)
                      if experts else [])
            verdict = self.is_answered(retrieval, adjust)
        query_id = None
        if log:
            query_id = self.store.log_query(
                text, "search", verdict.answered, verdict.top, [h.id for h in hits], [p.id for p in strong(people)],
                source, vector, asker, asked_at,
            )
        return Answer(query_id, text, verdict.answered, verdict.top, hits, people, verdict.confidence,
                      verdict.signals)

    def experts(self, text: str, k: int = 10, mentor_only: bool = False, source: str = "api",
                log: bool = True, asker: str | None = None, audience: Audience = EVERYTHING) -> list[Expert]:
        text = clean_query(text, self.settings.max_query_chars)
        check_k(k)
        with self._turns:
            vector, retrieval, adjust = self._retrieve(text, audience=audience)
            people = self.ranker.rank(vector, term_stems(text), retrieval.items, k, mentor_only, audience, adjust)
        if log:
            verdict = self.is_answered(retrieval, adjust)
            self.store.log_query(text, "experts", verdict.answered, verdict.top, [], [p.id for p in strong(people)],
                                 source, vector, asker)
        return people

    def _hits(self, retrieval: Retrieval, k: int, stems: set[str]) -> list[Hit]:
        top = retrieval.items[:k]
        rows = self.store.content_by_ids(item.content_id for item in top)
        passages = self.store.chunk_rows(item.chunk_id for item in top)
        now = utc_now().isoformat()
        hits = []
        for item in top:
            row = rows.get(item.content_id)
            if row is None:  # deleted between retrieval and lookup
                continue
            passage = passages.get(item.chunk_id)  # None if re-chunked since: the item's start, no snippet
            snippet = answer_snippet(passage["text"] if passage else "", stems)
            hits.append(
                Hit(
                    id=row["id"],
                    title=row["title"],
                    snippet=snippet.text,
                    score=round(item.score, 4),
                    authors=row["authors"],
                    kind=row["kind"],
                    official=row["official"],
                    tags=row["tags"],
                    created=row["created"],
                    updated=row["updated"],
                    views=row["views"] or 0,
                    dense=round(item.dense, 4),
                    lexical=round(item.lexical, 4),
                    status=row["status"],
                    replaced_by=row["replaced_by"],
                    review_due=row["review_due"],
                    review_overdue=row["review_due"] is not None and row["review_due"] < now,
                    passage=passage["position"] if passage else 0,
                    answer=snippet.answer,
                )
            )
        return hits

    def related(self, content_id: str, k: int = 5, audience: Audience = EVERYTHING) -> tuple[list[Hit], list[Expert]]:
        """Items and people close to an item: its title and opening used as the question."""
        row = self.store.get_content(content_id)
        if row is None:
            return [], []
        text = f"{row['title']}. {row['body'][:1000]}"
        with self._turns:
            vector, retrieval, adjust = self._retrieve(text, audience=audience)
            retrieval.items = [item for item in retrieval.items if item.content_id != content_id]
            stems = term_stems(text)
            hits = self._hits(retrieval, k, stems)
            people = strong(self.ranker.rank(vector, stems, retrieval.items, k, audience=audience, adjust=adjust))
        return hits, people
