"""Content health for L&D: stale, poorly rated, never viewed, duplicated, and official items overdue
for review, each with the people to notify."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import faiss

from models.model_profile import DEFAULT
from models.store import Store

NEW_ITEM_GRACE_DAYS = 30  # an item this young is not yet "never viewed"


@dataclass
class HealthReport:
    stale: list[dict] = field(default_factory=list)
    low_rated: list[dict] = field(default_factory=list)
    never_viewed: list[dict] = field(default_factory=list)
    duplicates: list[dict] = field(default_factory=list)
    review_overdue: list[dict] = field(default_factory=list)

    def lists(self) -> dict[str, list[dict]]:
        return {"stale": self.stale, "low_rated": self.low_rated, "never_viewed": self.never_viewed,
                "duplicates": self.duplicates, "review_overdue": self.review_overdue}


def content_health(store: Store, stale_months: int = 12, now: datetime | None = None,
                   duplicate_similarity: float = DEFAULT.duplicate) -> HealthReport:
    """The health lists with owners; `duplicate_similarity` is the model profile's `duplicate` cosine
    (`Services.content_health` passes the configured model's; the default fits the packaged model)."""
    now = now or datetime.now(timezone.utc)
    cutoff = (now - timedelta(days=round(stale_months * 30.44))).isoformat()
    report = HealthReport(
        stale=store.stale_content(cutoff),
        low_rated=store.low_rated_content(max_stars=2.5, min_ratings=2),
        never_viewed=store.unviewed_content((now - timedelta(days=NEW_ITEM_GRACE_DAYS)).isoformat()),
        duplicates=near_duplicates(store, duplicate_similarity),
        review_overdue=store.official_past_review(now.isoformat(), cutoff),
    )
    _add_owners(store, report)
    return report


def near_duplicates(store: Store, threshold: float) -> list[dict]:
    """Pairs of items whose mean passage vectors nearly coincide, most similar first."""
    ids, vectors = store.item_vectors()
    if len(ids) < 2:
        return []
    index = faiss.IndexFlatIP(vectors.shape[1])
    index.add(vectors)
    scores, neighbours = index.search(vectors, min(6, len(ids)))
    pairs = {}
    for i, (row_scores, row_ids) in enumerate(zip(scores, neighbours)):
        for score, j in zip(row_scores, row_ids):
            if j > i and score >= threshold:
                pairs[(ids[i], ids[int(j)])] = float(score)
    titles = store.content_titles({cid for pair in pairs for cid in pair})
    return [
        {"id": a, "title": titles.get(a, ""), "duplicate_of": b, "duplicate_title": titles.get(b, ""),
         "similarity": round(score, 3)}
        for (a, b), score in sorted(pairs.items(), key=lambda kv: -kv[1])
    ]


def _add_owners(store: Store, report: HealthReport) -> None:
    """Whom to notify: the authors, or L&D for items nobody owns."""
    every = [row for rows in report.lists().values() for row in rows]
    authors = store.authors_of({row["id"] for row in every})
    people = store.people_by_ids({pid for names in authors.values() for pid in names})
    for row in every:
        owners = [people[pid] for pid in authors.get(row["id"], []) if pid in people]
        row["owners"] = [{"id": p["id"], "name": p["name"], "email": p["email"]} for p in owners] or [
            {"id": None, "name": "L&D", "email": None}
        ]
