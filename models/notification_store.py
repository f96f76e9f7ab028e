"""In-app notifications (part of the Store): what happened that a person should act on or know about.

A recipient is a *party*: a person id, or "user:NAME" for an account without a person record (the same
convention reactions are signed with).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlite_utils

from models.records import utc_now
from models.sql import batches

NOTIFICATION_KINDS = (
    "question_routed", "answer_posted", "answer_accepted", "question_escalated", "mentor_request",
    "mentor_decision", "gap_request", "content_request", "thanks", "rating", "comment", "stale",
)


class NotificationStore:
    db: sqlite_utils.Database

    def notify(self, recipients: Iterable[str | None], kind: str, text: str, link: str,
               actor: str | None = None) -> list[int]:
        """One notification per distinct recipient, never to the actor who caused it; in the caller's
        transaction. Returns the new ids."""
        if kind not in NOTIFICATION_KINDS:
            raise ValueError(f"unknown notification kind {kind!r}")
        now = utc_now().isoformat()
        ids = []
        for recipient in dict.fromkeys(r for r in recipients if r and r != actor):
            ids.append(self.db["notifications"].insert(
                {"recipient": recipient, "kind": kind, "text": text, "link": link, "created": now, "read_at": None}
            ).last_pk)
        return ids

    def notifications_of(self, recipient: str, limit: int = 50, unread_only: bool = False) -> list[dict[str, Any]]:
        unread = " AND read_at IS NULL" if unread_only else ""
        return list(self.db.query(
            f"SELECT * FROM notifications WHERE recipient = ?{unread} ORDER BY id DESC LIMIT ?", [recipient, limit]))

    def unread_count(self, recipient: str) -> int:
        sql = "SELECT count(*) FROM notifications WHERE recipient = ? AND read_at IS NULL"
        return self.db.execute(sql, [recipient]).fetchone()[0]

    def mark_read(self, recipient: str, ids: Iterable[int] | None = None) -> None:
        """Mark some (or, with None, all) of a recipient's notifications read; others' ids are ignored."""
        now = utc_now().isoformat()
        if ids is None:
            self.db.execute("UPDATE notifications SET read_at = ? WHERE recipient = ? AND read_at IS NULL",
                            [now, recipient])
            return
        for part in batches(ids):
            self.db.execute("UPDATE notifications SET read_at = ? WHERE recipient = ? AND read_at IS NULL "
                            f"AND id IN ({','.join('?' * len(part))})", [now, recipient, *part])
