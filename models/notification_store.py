"""In-app notifications (part of the Store): what happened that a person should act on or know about, and
the e-mail that carries it: each party's choice, the outgoing queue, daily digests and stale-item notices.

A recipient is a *party*: a person id, or "user:NAME" for an account without a person record (the same
convention reactions are signed with). Only people have e-mail addresses, so only people get e-mail.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from typing import Any

import sqlite_utils

from models.errors import InvalidInputError
from models.records import utc_now
from models.sql import batches

NOTIFICATION_KINDS = (
    "question_routed", "answer_posted", "answer_accepted", "question_escalated", "mentor_request",
    "mentor_decision", "gap_request", "content_request", "request_update", "request_expired", "thanks", "rating",
    "comment", "stale", "review_due", "review_flagged",
    "edit_suggested", "suggestion_decided",
    "follow_digest",
)
# Notifications that carry their own e-mail (the weekly digest of follows lists what changed), so no other
# mail repeats them.
OWN_MAIL_KINDS = ("follow_digest",)
EMAIL_MODES = ("immediate", "daily", "never")
# Calm by default: one mail a day at most, and only when something is unread. Mail on every thank and
# rating teaches people to filter Knowhow's mail away; nothing in the inbox needs an answer within hours.
DEFAULT_EMAIL_MODE = "daily"
DIGEST_LINES = 50  # a digest lists this many notifications, then says how many more wait in the inbox


class NotificationStore:
    db: sqlite_utils.Database
    transaction: Callable[[], AbstractContextManager[sqlite_utils.Database]]  # from Store

    def notify(self, recipients: Iterable[str | None], kind: str, text: str, link: str,
               actor: str | None = None) -> list[int]:
        """One notification per distinct recipient, never to the actor who caused it, and an e-mail queued
        for each recipient who chose immediate mail (unless the kind mails itself); all in the caller's
        transaction (or one of its own). Returns the new ids."""
        if kind not in NOTIFICATION_KINDS:
            raise ValueError(f"unknown notification kind {kind!r}")
        now = utc_now().isoformat()
        ids = []
        with self.transaction():
            for recipient in dict.fromkeys(r for r in recipients if r and r != actor):
                notification_id = self.db["notifications"].insert(
                    {"recipient": recipient, "kind": kind, "text": text, "link": link, "created": now, "read_at": None}
                ).last_pk
                ids.append(notification_id)
                address = self.email_address(recipient)
                if address and kind not in OWN_MAIL_KINDS and self.email_mode(recipient) == "immediate":
                    self.queue_mail(recipient, address, "notification", [{"kind": kind, "text": text, "link": link}],
                                  now, notification_id)
        return ids

    def notifications_of(self, recipient: str, limit: int = 50, unread_only: bool = False) -> list[dict[str, Any]]:
        unread = " AND read_at IS NULL" if unread_only else ""
        return list(self.db.query(
            f"SELECT * FROM notifications WHERE recipient = ?{unread} ORDER BY id DESC LIMIT ?", [recipient, limit]))

    def notification_of(self, recipient: str, notification_id: int) -> dict[str, Any] | None:
        """One notification, only if it is this recipient's."""
        rows = list(self.db.query("SELECT * FROM notifications WHERE id = ? AND recipient = ?",
                                  [notification_id, recipient]))
        return rows[0] if rows else None

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

    # -- e-mail choices --

    def email_address(self, party: str) -> str | None:
        """The person's e-mail address; accounts without a person ("user:NAME") have none."""
        row = self.db.execute("SELECT email FROM people WHERE id = ?", [party]).fetchone()
        return row[0] if row and row[0] else None

    def email_mode(self, party: str) -> str:
        row = self.db.execute("SELECT email_mode FROM notification_prefs WHERE party = ?", [party]).fetchone()
        return row[0] if row and row[0] else DEFAULT_EMAIL_MODE

    def set_email_mode(self, party: str, mode: str) -> None:
        """A party's choice. A changed choice starts from now: a later digest leaves out what came before
        (already mailed, or chosen not to be)."""
        if mode not in EMAIL_MODES:
            raise InvalidInputError(f"e-mail must be one of {', '.join(EMAIL_MODES)}", field="email")
        with self.transaction():
            if self.email_mode(party) == mode and self._has_prefs(party):
                return
            newest = self.db.execute("SELECT coalesce(max(id), 0) FROM notifications WHERE recipient = ?",
                                     [party]).fetchone()[0]
            self.db["notification_prefs"].upsert(
                {"party": party, "email_mode": mode, "digest_upto": newest, "updated": utc_now().isoformat()},
                pk="party")

    def _has_prefs(self, party: str) -> bool:
        return self.db.execute("SELECT 1 FROM notification_prefs WHERE party = ?", [party]).fetchone() is not None

    # -- the outgoing queue: claimed under a lease, marked sent only once the server took the message --

    def queue_mail(self, party: str, address: str, kind: str, lines: list[dict], now: str,
                   notification_id: int | None = None) -> int:
        """An e-mail to send: its kind (notification, digest, weekly) and lines, each a text and a link."""
        return self.db["email_queue"].insert(
            {"party": party, "to_addr": address, "kind": kind, "lines": json.dumps(lines),
             "notification_id": notification_id, "created": now, "attempts": 0}
        ).last_pk

    def claim_mail(self, now: str, lease_until: str, limit: int = 50) -> list[dict[str, Any]]:
        """Due messages, oldest first, each leased to this sender until `lease_until` so no other sender
        takes it meanwhile; a sender that dies leaves its rows to be claimed again when the lease ends."""
        with self.transaction():
            rows = list(self.db.query(
                "SELECT * FROM email_queue WHERE sent_at IS NULL AND failed_at IS NULL "
                "AND coalesce(next_attempt_at, '') <= ? AND coalesce(sending_until, '') <= ? ORDER BY id LIMIT ?",
                [now, now, limit]))
            for part in batches([row["id"] for row in rows]):
                self.db.execute(f"UPDATE email_queue SET sending_until = ? WHERE id IN ({','.join('?' * len(part))})",
                                [lease_until, *part])
        return [dict(row, lines=json.loads(row["lines"])) for row in rows]

    def mail_sent(self, mail_id: int, now: str) -> None:
        self.db.execute("UPDATE email_queue SET sent_at = ?, attempts = attempts + 1, sending_until = NULL, "
                        "last_error = NULL WHERE id = ?", [now, mail_id])

    def mail_retry(self, mail_id: int, error: str, next_attempt_at: str) -> None:
        """A failed try that may work later (server down, busy, a 4xx answer)."""
        self.db.execute("UPDATE email_queue SET attempts = attempts + 1, last_error = ?, next_attempt_at = ?, "
                        "sending_until = NULL WHERE id = ?", [error[:500], next_attempt_at, mail_id])

    def mail_failed(self, mail_id: int, error: str, now: str) -> None:
        """Given up: the server refused the message for good (a 5xx answer); retrying would not help."""
        self.db.execute("UPDATE email_queue SET attempts = attempts + 1, last_error = ?, failed_at = ?, "
                        "sending_until = NULL WHERE id = ?", [error[:500], now, mail_id])

    def drop_unsent_mail(self, reason: str, now: str) -> int:
        """Mark every unsent message failed (mail is switched off): nothing piles up to go out months later."""
        cursor = self.db.execute("UPDATE email_queue SET failed_at = ?, last_error = ? "
                                 "WHERE sent_at IS NULL AND failed_at IS NULL", [now, reason])
        return cursor.rowcount

    def mail_queue(self, limit: int = 1000) -> list[dict[str, Any]]:
        """The queue, newest first, to see what went out, what waits and why."""
        rows = self.db.query("SELECT * FROM email_queue ORDER BY id DESC LIMIT ?", [limit])
        return [dict(row, lines=json.loads(row["lines"])) for row in rows]

    def enqueue_digests(self, now: str) -> int:
        """One digest per person who chose the daily digest (or kept the default) and has unread
        notifications no digest listed yet; returns how many were queued. In one transaction, so a digest
        is queued exactly when its notifications are marked as covered."""
        sql = """
        SELECT n.id, n.recipient, n.kind, n.text, n.link, p.email FROM notifications n
        JOIN people p ON p.id = n.recipient
        LEFT JOIN notification_prefs s ON s.party = n.recipient
        WHERE n.read_at IS NULL AND n.id > coalesce(s.digest_upto, 0) AND n.kind NOT IN ({own_mail})
          AND coalesce(s.email_mode, ?) = 'daily' AND coalesce(p.email, '') != ''
        ORDER BY n.recipient, n.id DESC
        """.format(own_mail=", ".join(f"'{kind}'" for kind in OWN_MAIL_KINDS))
        with self.transaction():
            pending: dict[str, list[dict]] = {}
            for row in self.db.query(sql, [DEFAULT_EMAIL_MODE]):
                pending.setdefault(row["recipient"], []).append(row)
            for party, rows in pending.items():
                lines = [{"kind": r["kind"], "text": r["text"], "link": r["link"]} for r in rows[:DIGEST_LINES]]
                if len(rows) > DIGEST_LINES:
                    more = len(rows) - DIGEST_LINES
                    lines.append({"kind": "more", "text": f"and {more} more in your inbox", "link": "/inbox",
                                  "count": more})
                self.queue_mail(party, rows[0]["email"], "digest", lines, now)
                newest = max(r["id"] for r in rows)
                if self._has_prefs(party):
                    self.db.execute("UPDATE notification_prefs SET digest_upto = ? WHERE party = ?", [newest, party])
                else:
                    self.db["notification_prefs"].insert({"party": party, "email_mode": None, "digest_upto": newest,
                                                          "updated": now})
        return len(pending)

    # -- content going stale: told once per item and staleness period --

    def unnoticed_stale(self, updated_before: str) -> list[dict[str, Any]]:
        """Items with authors, not updated since `updated_before`, whose authors were not yet told about
        this staleness (an edit since the last notice starts a new period)."""
        sql = """
        SELECT c.id, c.title, c.updated FROM content c LEFT JOIN stale_notices s ON s.content_id = c.id
        WHERE c.updated < ? AND (s.content_id IS NULL OR s.updated IS NOT c.updated)
          AND EXISTS (SELECT 1 FROM content_authors a WHERE a.content_id = c.id)
        ORDER BY c.updated
        """
        return list(self.db.query(sql, [updated_before]))

    def record_stale_notices(self, items: list[tuple[str, str]], now: str) -> None:
        """(content id, its `updated`) of items whose authors were just told they went stale."""
        self.db.conn.executemany(
            "INSERT INTO stale_notices (content_id, updated, notified_at) VALUES (?, ?, ?) "
            "ON CONFLICT (content_id) DO UPDATE SET updated = excluded.updated, notified_at = excluded.notified_at",
            [(content_id, updated, now) for content_id, updated in items])
