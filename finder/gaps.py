"""Knowledge gaps: what people asked that the knowledge base could not answer, grouped into topics,
each with who asked, how it trends, the nearest content, and the experts best placed to fill it."""

from __future__ import annotations

import hashlib
import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime

import numpy as np

from finder.clustering import centroids, cluster
from finder.experts import Expert
from finder.search import Finder, Hit
from finder.terms import query_terms
from models.model_profile import ModelProfile
from models.store import Store

RECHECK = 3  # member questions re-run per topic to see whether new content answers them now
GAP_REQUESTS_READ = 5000  # newest gap requests matched to topics by their questions


@dataclass
class GapTopic:
    key: str
    label: str
    terms: list[str]
    asked: int
    askers: int
    first_asked: str
    last_asked: str
    weekly: list[tuple[str, int]]  # (ISO week "2026-W47", questions)
    questions: list[str]
    query_ids: list[str]
    closest: list[Hit] = field(default_factory=list)
    experts: list[Expert] = field(default_factory=list)
    addressed: bool = False
    answered_now: list[str] = field(default_factory=list)  # member questions the knowledge answers today
    answered_by_experts: list[str] = field(default_factory=list)  # member searches whose question was answered
    requests: list[dict] = field(default_factory=list)
    centre: np.ndarray | None = field(default=None, repr=False)  # the members' mean vector: what it is about


class GapFinder:
    def __init__(self, store: Store, finder: Finder, profile: ModelProfile):
        """`profile` gives the clustering's cosines (`gap`, `merge`), overrides applied."""
        self.store, self.finder = store, finder
        self.threshold, self.merge = profile.gap, profile.merge

    def topics(self, since: str, until: str, limit: int = 50, detail: int = 20) -> list[GapTopic]:
        """Gap topics of a period, asked by the most people first (then the most questions); the first
        `detail` get content, experts and re-checks."""
        records, vectors = self.store.gap_candidates(since, until)
        if not records:
            return []
        labels = cluster(vectors, self.threshold, self.merge)
        centres = centroids(vectors, labels)
        document_frequency = Counter()
        members_of: dict[int, list[int]] = {}
        for row, label in enumerate(labels.tolist()):
            members_of.setdefault(label, []).append(row)
        terms_of = {label: Counter(t for row in rows for t in set(query_terms(records[row]["text"])))
                    for label, rows in members_of.items()}
        for counts in terms_of.values():
            document_frequency.update(counts.keys())
        # Most people first: one person searching again and again is one person's need, not a bigger gap.
        askers = {label: _askers(records[row] for row in rows) for label, rows in members_of.items()}
        ordered = sorted(members_of, key=lambda label: (-askers[label], -len(members_of[label]), label))[:limit]
        requests = self.store.list_requests(kind="gap", limit=GAP_REQUESTS_READ)
        topics = []
        for rank, label in enumerate(ordered):
            rows = members_of[label]
            topic = self._topic(records, vectors, rows, centres[label], terms_of[label], document_frequency,
                                len(members_of))
            topic.requests = [r for r in requests if set(r["detail"].get("query_ids", [])) & set(topic.query_ids)]
            if rank < detail:
                first = {}  # a question's vector: any member asking it in those words has the same one
                for row in rows:
                    first.setdefault(records[row]["text"], row)
                self._detail(topic, centres[label], vectors[[first[q] for q in topic.questions[:RECHECK]]])
            # A question the experts answered (accepted or voted helpful) addresses the topic it came from.
            topic.answered_by_experts = sorted(self.store.done_queries(topic.query_ids))
            topic.addressed = topic.addressed or bool(topic.answered_by_experts)
            topics.append(topic)
        return topics

    def _topic(self, records, vectors, rows, centre, term_counts, document_frequency, clusters) -> GapTopic:
        members = [records[row] for row in rows]
        closeness = vectors[rows] @ centre
        representative = members[int(np.argmax(closeness))]["text"]
        # Key terms: frequent in this topic, rare in the others (tf-idf over topics).
        weights = {t: n * math.log(1 + clusters / document_frequency[t]) for t, n in term_counts.items()}
        terms = [t for t, _ in sorted(weights.items(), key=lambda kv: (-kv[1], kv[0]))[:5]]
        ids = [m["id"] for m in members]
        by_closeness = [members[i]["text"] for i in np.argsort(-closeness)]
        return GapTopic(
            key=hashlib.sha1(min(ids).encode()).hexdigest()[:12],
            label=representative,
            terms=terms,
            asked=len(members),
            askers=_askers(members),
            first_asked=members[0]["created"],
            last_asked=members[-1]["created"],
            weekly=_weekly(m["created"] for m in members),
            questions=list(dict.fromkeys(by_closeness))[:10],
            query_ids=ids,
            centre=centre,
        )

    def _detail(self, topic: GapTopic, centre: np.ndarray, question_vectors: np.ndarray) -> None:
        """`question_vectors`: those of the topic's first RECHECK distinct questions, in their order."""
        nearest = self.finder.nearest(centre, topic.terms, k=3, experts=3)
        topic.closest, topic.experts = nearest.results, nearest.experts
        # Re-run the askers' questions (their stored vectors) against today's knowledge.
        for text, vector in zip(topic.questions, question_vectors):
            if self._answered_now(text, vector):
                topic.answered_now.append(text)
        # Half the distinct wordings re-run (a topic asked 30 times in one wording has one to re-run).
        topic.addressed = bool(topic.answered_now) and len(topic.answered_now) >= len(question_vectors) / 2


    def _answered_now(self, text: str, vector: np.ndarray) -> bool:
        """Whether a search for these words would be answered today: with the votes on similar past
        questions, as the search counts them, so results voted unhelpful for them do not answer them."""
        adjust = self.finder.feedback.adjustments(vector)
        retrieval = self.finder.retriever.retrieve(vector, query_terms(text), adjust=adjust,
                                                   standings=self.finder.standings())
        return self.finder.is_answered(retrieval, adjust).answered


def _askers(members) -> int:
    """Distinct people among a topic's questions; each anonymous question counts as someone else."""
    return len({m["asker"] or f"anonymous:{m['id']}" for m in members})


def _weekly(created) -> list[tuple[str, int]]:
    counts = Counter()
    for stamp in created:
        year, week, _ = datetime.fromisoformat(stamp).isocalendar()
        counts[f"{year}-W{week:02d}"] += 1
    return sorted(counts.items())


def period(since: date | None, until: date | None, days: int = 90) -> tuple[str, str]:
    """ISO bounds for a date range; by default the last `days` days up to now."""
    from datetime import timedelta, timezone

    end = datetime.combine(until, datetime.min.time(), timezone.utc) + timedelta(days=1) if until else \
        datetime.now(timezone.utc) + timedelta(seconds=1)
    start = datetime.combine(since, datetime.min.time(), timezone.utc) if since else end - timedelta(days=days)
    return start.isoformat(timespec="seconds"), end.isoformat(timespec="seconds")
