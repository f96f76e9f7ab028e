"""Content health for L&D: stale, poorly rated, never viewed, duplicated, and items overdue for review
(or flagged by a reader), each with the people to notify."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from finder.duplicates import DuplicateFinder, Pair
from models.model_profile import DEFAULT
from models.store import Store

NEW_ITEM_GRACE_DAYS = 30  # an item this young is not yet "never viewed"
MAX_OVERDUE_LISTED = 10_000  # the reviews page pages through all of them


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
                   duplicates: DuplicateFinder | None = None) -> HealthReport:
    """The health lists with owners. `duplicates`: the finder that keeps the pairs between writes
    (`Services.duplicates`, with the configured model's `duplicate` score); one is made when not given."""
    now = now or datetime.now(timezone.utc)
    cutoff = (now - timedelta(days=round(stale_months * 30.44))).isoformat()
    report = HealthReport(
        stale=store.stale_content(cutoff),
        low_rated=store.low_rated_content(max_stars=2.5, min_ratings=2),
        never_viewed=store.unviewed_content((now - timedelta(days=NEW_ITEM_GRACE_DAYS)).isoformat()),
        duplicates=duplicate_rows(store, (duplicates or DuplicateFinder(store, DEFAULT.duplicate)).pairs()),
        review_overdue=store.overdue_reviews(now.isoformat(), limit=MAX_OVERDUE_LISTED)[0],
    )
    _add_owners(store, report)
    return report


def duplicate_rows(store: Store, pairs: list[Pair]) -> list[dict]:
    """Pairs as health rows: the older item first (`id`), the one that may replace it as `duplicate_of`;
    a pair already settled (one marked replaced by the other) says so and comes after the open ones."""
    ids = {cid for pair in pairs for cid in (pair.first, pair.second)}
    items = store.content_dates(ids)
    replaced = store.replacements_of(ids)
    rows = []
    for pair in pairs:
        first, second = sorted((pair.first, pair.second), key=lambda cid: (items.get(cid, {}).get("created") or "", cid))
        like = pair.likeness
        rows.append({
            "id": first, "title": items.get(first, {}).get("title", ""), "created": items.get(first, {}).get("created"),
            "duplicate_of": second, "duplicate_title": items.get(second, {}).get("title", ""),
            "duplicate_created": items.get(second, {}).get("created"),
            "score": like.score, "similarity": like.text, "tags": like.tags, "name": like.name,
            "same_kind": like.same_kind,
            "settled": replaced.get(first) == second or replaced.get(second) == first,
        })
    return sorted(rows, key=lambda row: row["settled"])


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
