"""Times are stored in UTC whatever offset they were imported with, so string comparisons of stored
times (staleness, analytics windows) compare instants."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
import sqlite_utils

from finder.analytics import analytics
from indexer.importer import import_text
from models.migrations import apply_migrations
from tests.factories import content


def _stored_times(store, content_id: str) -> dict:
    row = store.db.execute("SELECT created, updated, review_due FROM content WHERE id = ?", [content_id]).fetchone()
    return dict(zip(("created", "updated", "review_due"), row))


def _import(services, *records: dict) -> None:
    report = import_text(services.indexer, "\n".join(json.dumps(r) for r in records))
    assert report.errors == []


def test_imported_times_are_stored_as_utc_instants(services):
    _import(services, content("c1", created="2026-03-01T22:30:00-05:00", updated="2026-03-02T08:00:00",
                              review_due="2026-06-01T00:00:00+02:00"))
    assert _stored_times(services.store, "c1") == {
        "created": "2026-03-02T03:30:00+00:00",  # the same instant as 22:30 in New York
        "updated": "2026-03-02T08:00:00+00:00",  # no offset: taken as UTC
        "review_due": "2026-05-31T22:00:00+00:00",
    }


def test_staleness_compares_instants_not_offsets(services):
    # 23:00 at -05:00 is 04:00 UTC the next day: after a 03:00 UTC cutoff, so not stale, though its
    # local text sorts before the cutoff; 02:00 UTC is before it.
    _import(services, content("late", updated="2025-01-01T23:00:00-05:00"),
            content("early", updated="2025-01-02T02:00:00+00:00"))
    cutoff = datetime(2025, 1, 2, 3, tzinfo=timezone.utc)
    now = cutoff + timedelta(days=round(12 * 30.44))
    stale = services.content_health(now=now).stale
    assert [row["id"] for row in stale] == ["early"]


def test_analytics_window_counts_an_item_in_its_utc_month(services):
    # Created on the evening of 28 February in New York: 1 March in UTC.
    _import(services, content("c1", created="2026-02-28T20:00:00-05:00"))
    march = analytics(services.store, "2026-03-01T00:00:00+00:00", "2026-04-01T00:00:00+00:00")
    february = analytics(services.store, "2026-02-01T00:00:00+00:00", "2026-03-01T00:00:00+00:00")
    assert march.contributions == [{"month": "2026-03", "items": 1}]
    assert february.contributions == []


@pytest.mark.sqlite_only("an SQLite migration (PostgreSQL starts after it)")
def test_migration_rewrites_stored_times_to_utc(services):
    db = services.store.db
    db["content"].insert({"id": "old", "title": "Old", "body": "b", "kind": "howto", "tags": "[]", "official": 0,
                          "extra": "{}", "created": "2024-05-01T09:00:00-05:00", "updated": "2024-05-01T09:00:00",
                          "review_due": "not a date"})
    db["_migrations"].delete("m006_content_times_utc")  # as if the store was written by the version before
    assert apply_migrations(db) == ["m006_content_times_utc"]
    assert _stored_times(services.store, "old") == {
        "created": "2024-05-01T14:00:00+00:00", "updated": "2024-05-01T09:00:00+00:00", "review_due": "not a date",
    }


def test_migration_on_a_fresh_store_is_harmless(tmp_path):
    db = sqlite_utils.Database(tmp_path / "fresh.db")
    assert "m006_content_times_utc" in apply_migrations(db)
    assert apply_migrations(db) == []
