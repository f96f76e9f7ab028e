"""Verification of content (part of the Store): review intervals per kind, each item's next review date,
confirming an item still holds, and the items whose review is overdue.

As in Guru, trust comes from someone having looked recently: every item has a review date computed from
when it was last confirmed (a save through the app confirms it) and its kind's interval, shorter for
official content. An item whose record fixes a date (an import's `review_due`) keeps that date until
someone confirms it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

import sqlite_utils

from models.errors import InvalidInputError
from models.records import KINDS, to_utc, utc_now
from models.sql import select_in

OFFICIAL = "official"  # the interval that caps every official item's, whatever its kind
DEFAULT = "default"  # for kinds the table does not name (the import format allows any kind)
MAX_INTERVAL_DAYS = 3650
# Days between reviews; 0: never reviewed. How-tos and policies break when tools and rules change; an
# anecdote tells what happened and does not go out of date.
DEFAULT_INTERVALS = {
    "howto": 180, "policy": 180, "course": 365, "best_practice": 365, "answer": 365, "article": 365,
    "anecdote": 0, OFFICIAL: 90, DEFAULT: 365,
}
INTERVAL_KEYS = (*KINDS, OFFICIAL, DEFAULT)


def interval_days(kind: str, official: bool, intervals: dict[str, int]) -> int:
    """The item's review interval in days (0: never): its kind's, capped by the official one."""
    days = intervals.get(kind, intervals.get(DEFAULT, 0))
    if official and intervals.get(OFFICIAL):
        days = min(days, intervals[OFFICIAL]) if days else intervals[OFFICIAL]
    return days


def due_date(kind: str, official: bool, verified: str | datetime, intervals: dict[str, int]) -> str | None:
    """When an item confirmed at `verified` is next due for review (ISO, UTC), or None if never."""
    days = interval_days(kind, official, intervals)
    if not days:
        return None
    start = verified if isinstance(verified, datetime) else datetime.fromisoformat(verified)
    return (to_utc(start) + timedelta(days=days)).isoformat()


def checked_intervals(changes: dict[str, Any]) -> dict[str, int]:
    """Interval changes as whole days from 0 to ten years, for known keys only; else a clear error."""
    checked = {}
    for key, days in changes.items():
        if key not in INTERVAL_KEYS:
            raise InvalidInputError(f"no review interval is called {key!r}; they are: {', '.join(INTERVAL_KEYS)}",
                                    field=key)
        if isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= MAX_INTERVAL_DAYS:
            raise InvalidInputError(f"the {key} interval must be a whole number of days from 0 (never) "
                                    f"to {MAX_INTERVAL_DAYS}", field=key)
        checked[key] = days
    return checked


class ReviewStore:
    db: sqlite_utils.Database
    get_meta: Any  # from Store
    bump_counter: Any

    def standings_version(self) -> int:
        """Bumped by every change of status or review date that is not a content write (those bump the
        store's generation), so ranking knows to read the items' standings again."""
        return int(self.get_meta("standings") or 0)

    def _bump_standings(self) -> None:
        self.bump_counter("standings")

    def review_intervals(self) -> dict[str, int]:
        stored = dict(self.db.execute("SELECT kind, days FROM review_intervals"))
        return {key: stored.get(key, DEFAULT_INTERVALS[key]) for key in INTERVAL_KEYS}

    def set_review_intervals(self, changes: dict[str, int]) -> int:
        """Store new intervals and move every computed review date with them (fixed dates stay); in the
        caller's transaction. Returns how many items' dates were recomputed."""
        self.db["review_intervals"].upsert_all([{"kind": k, "days": d} for k, d in changes.items()], pk="kind")
        intervals = self.review_intervals()
        rows = list(self.db.execute("SELECT id, kind, official, verified FROM content WHERE review_fixed = 0"))
        self.db.conn.executemany(
            "UPDATE content SET review_due = ? WHERE id = ?",
            [(due_date(kind, bool(official), verified or utc_now(), intervals), cid)
             for cid, kind, official, verified in rows],
        )
        self._bump_standings()
        return len(rows)

    def mark_verified(self, content_id: str, verified_by: str, when: datetime | None = None) -> str | None:
        """Confirmed correct now: the review clock restarts, a "needs review" flag is lifted, and the next
        overdue reminder is a new one. Returns the next review date."""
        when = when or utc_now()
        kind, official = self.db.execute("SELECT kind, official FROM content WHERE id = ?", [content_id]).fetchone()
        due = due_date(kind, bool(official), when, self.review_intervals())
        self.db.execute(
            "UPDATE content SET verified = ?, verified_by = ?, review_due = ?, review_fixed = 0, review_noticed = NULL,"
            " status = CASE status WHEN 'needs_review' THEN 'current' ELSE status END WHERE id = ?",
            [when.isoformat(), verified_by, due, content_id],
        )
        self._bump_standings()
        return due

    def set_replaced_by(self, content_id: str, replacement: str | None) -> None:
        self.db.execute("UPDATE content SET replaced_by = ? WHERE id = ?", [replacement, content_id])
        self._bump_standings()

    def set_content_status(self, content_id: str, status: str) -> None:
        self.db.execute("UPDATE content SET status = ? WHERE id = ?", [status, content_id])
        self._bump_standings()

    def overdue_reviews(self, now: str, limit: int = 50, offset: int = 0,
                        owner: str | None = None) -> tuple[list[dict[str, Any]], int]:
        """Items whose review date passed or that someone flagged, flagged first, then oldest due; archived
        and replaced items are out of service and need no review. `owner`: only the items that person
        keeps (as owner, or as first author of an item without one)."""
        where = ("status != 'archived' AND replaced_by IS NULL"
                 " AND (status = 'needs_review' OR review_due < ?)")
        params: list[Any] = [now]
        if owner is not None:
            where += (" AND (owner = ? OR (owner IS NULL AND id IN"
                      " (SELECT content_id FROM content_authors WHERE person_id = ? AND position = 0)))")
            params += [owner, owner]
        total = self.db.execute(f"SELECT count(*) FROM content WHERE {where}", params).fetchone()[0]
        rows = self.db.query(
            "SELECT id, title, kind, official, status, owner, verified, verified_by, review_due, updated,"
            f" visible_teams FROM content WHERE {where}"
            " ORDER BY status = 'needs_review' DESC, review_due, id LIMIT ? OFFSET ?",
            [*params, limit, offset],
        )
        return [{**row, "visible_teams": json.loads(row["visible_teams"] or "[]")} for row in rows], total

    def unnoticed_reviews(self, now: str) -> list[str]:
        """Ids of overdue items whose owner was not yet told about this review date."""
        sql = ("SELECT id FROM content WHERE status != 'archived' AND replaced_by IS NULL AND review_due < ?"
               " AND (review_noticed IS NULL OR review_noticed != review_due) ORDER BY review_due")
        return [row[0] for row in self.db.execute(sql, [now])]

    def record_review_notice(self, content_id: str) -> None:
        self.db.execute("UPDATE content SET review_noticed = review_due WHERE id = ?", [content_id])

    def content_standings(self, now: str) -> dict[str, tuple[str, str | None, bool]]:
        """(status, replaced_by, overdue) of every item that is not simply current and reviewed: what
        ranking needs to place them."""
        sql = ("SELECT id, status, replaced_by, review_due < ? FROM content"
               " WHERE status != 'current' OR replaced_by IS NOT NULL OR review_due < ?")
        return {cid: (status, replaced_by, bool(overdue)) for cid, status, replaced_by, overdue
                in self.db.execute(sql, [now, now])}

    def replacement_chain(self, content_id: str, limit: int = 50) -> list[str]:
        """The items `content_id` is replaced by, in order (to refuse a cycle before it is stored)."""
        chain, current = [], content_id
        while len(chain) < limit:
            row = self.db.execute("SELECT replaced_by FROM content WHERE id = ?", [current]).fetchone()
            if row is None or row[0] is None or row[0] in chain:
                break
            chain.append(row[0])
            current = row[0]
        return chain

    def replacements_of(self, ids: Iterable[str]) -> dict[str, str]:
        """The replacement of each of `ids` that has one."""
        sql = "SELECT id, replaced_by FROM content WHERE replaced_by IS NOT NULL AND id IN ({ids})"
        return dict(select_in(self.db, sql, ids))
