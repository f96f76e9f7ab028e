"""Where an item is in its life decides where it ranks: what replaced it comes first, what is archived
comes last, and what nobody has confirmed lately drifts down.

A reader who asks how to file expenses must get the Navan how-to, not the Expensify one it replaced,
even when the old item's words match the question better (it has had years to collect them). So a
replaced item scores below its replacement whenever both are found, and finding the old one brings its
replacement in. Archived items are kept for the record: they show only after everything current. An item
flagged as needing review, or past its review date, loses a little: enough to let an equally good
confirmed item pass, not enough to hide the only answer there is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from finder.retrieval import ItemScore

# In fused-score units (0.7 * cosine + 0.3 * relative BM25 by default), where the best and tenth results
# of a question typically differ by 0.1-0.2.
REPLACED_PENALTY = 0.15
UNCONFIRMED_PENALTY = 0.03  # flagged as needing review, or past its review date
BELOW = 1e-4  # how far under its replacement a replaced item is put
LONGEST_CHAIN = 10  # replacements followed this deep (a cycle, which saving refuses, stops here too)


@dataclass(frozen=True)
class Standing:
    status: str  # current | needs_review | archived
    replaced_by: str | None
    overdue: bool  # its review date has passed


def replacements(content_ids: set[str], standings: dict[str, Standing]) -> set[str]:
    """The items that replace any of `content_ids`: candidates too, whatever their own words."""
    return {s.replaced_by for cid in content_ids if (s := standings.get(cid)) and s.replaced_by} - content_ids


def place(items: list[ItemScore], standings: dict[str, Standing]) -> list[ItemScore]:
    """The items re-scored and re-ordered by their standing: current first, each replaced item under its
    replacement, archived ones last."""
    if not standings:
        return items
    by_id = {item.content_id: item for item in items}
    for item in items:
        standing = standings.get(item.content_id)
        if standing is None:
            continue
        if standing.replaced_by:
            item.score -= REPLACED_PENALTY
        elif standing.status == "needs_review" or standing.overdue:
            item.score -= UNCONFIRMED_PENALTY
    # Under the replacement, along whole chains (a replaced by b replaced by c): newest first.
    for _ in range(LONGEST_CHAIN):
        moved = False
        for item in items:
            standing = standings.get(item.content_id)
            successor = by_id.get(standing.replaced_by) if standing and standing.replaced_by else None
            if successor is not None and item.score >= successor.score:
                item.score = successor.score - BELOW
                moved = True
        if not moved:
            break
    archived = {cid for cid, s in standings.items() if s.status == "archived"}
    return sorted(items, key=lambda item: (item.content_id in archived, -item.score, item.content_id))
