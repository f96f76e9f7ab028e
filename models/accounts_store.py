"""Accounts, sessions, API tokens, the audit log and content versions (part of the Store).

Secrets never reach this module in the clear: it stores and looks up hashes made by the web layer.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import timedelta
from typing import Any

import sqlite_utils

from models.engines import PostgresEngine, SqliteEngine
from models.errors import ConflictError, NotFoundError
from models.records import utc_now

ROLES = ("employee", "contributor", "lnd")
TOKEN_USE_RESOLUTION = timedelta(minutes=1)  # how exactly a token's "last used" is kept


class AccountsStore:
    db: sqlite_utils.Database
    transaction: Callable[[], AbstractContextManager[sqlite_utils.Database]]  # from Store
    engine: SqliteEngine | PostgresEngine  # from Store

    # -- users --

    def create_user(self, username: str, password_hash: str | None, role: str, person_id: str | None = None) -> int:
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r}")
        if self.user_by_name(username) is not None:
            raise ConflictError(f"user {username!r} exists")
        return self.db["users"].insert(
            {"username": username, "password_hash": password_hash, "role": role, "person_id": person_id,
             "disabled": 0, "created": utc_now().isoformat()}
        ).last_pk

    def user_by_name(self, username: str) -> dict[str, Any] | None:
        rows = list(self.db.query("SELECT * FROM users WHERE username = ?", [username]))
        return rows[0] if rows else None

    def user(self, user_id: int) -> dict[str, Any] | None:
        rows = list(self.db.query("SELECT * FROM users WHERE id = ?", [user_id]))
        return rows[0] if rows else None

    def users(self) -> list[dict[str, Any]]:
        return list(self.db.query("SELECT id, username, role, person_id, disabled, created FROM users ORDER BY username"))

    def accounts(self, user_id: int | None = None) -> list[dict[str, Any]]:
        """Every account (or the one with `user_id`) for L&D's accounts screen: its person's name, when it last
        signed in with a password (from the audit log: no column to keep in step), its live API tokens and when
        one was last used."""
        return list(self.db.query(
            "SELECT u.id, u.username, u.role, u.person_id, u.disabled, u.created, p.name AS person_name, "
            "l.last_sign_in, coalesce(t.live_tokens, 0) AS live_tokens, t.last_token_use "
            "FROM users u LEFT JOIN people p ON p.id = u.person_id "
            "LEFT JOIN (SELECT target, max(at) AS last_sign_in FROM audit_log WHERE action = 'login' "
            "GROUP BY target) l ON l.target = u.username "
            "LEFT JOIN (SELECT user_id, sum(1 - revoked) AS live_tokens, max(last_used) AS last_token_use "
            "FROM api_tokens GROUP BY user_id) t ON t.user_id = u.id "
            "WHERE :id IS NULL OR u.id = :id ORDER BY u.username", {"id": user_id},
        ))

    def update_user(self, user_id: int, **fields: Any) -> None:
        if self.user(user_id) is None:
            raise NotFoundError(f"no user {user_id}")
        if "role" in fields and fields["role"] not in ROLES:
            raise ValueError(f"unknown role {fields['role']!r}")
        self.db["users"].update(user_id, fields)

    # -- sessions (server-side, so logout and password changes end them everywhere) --

    def create_session(self, token_hash: str, user_id: int, csrf: str, expires: str) -> None:
        self.db["sessions"].insert(
            {"token_hash": token_hash, "user_id": user_id, "csrf": csrf, "created": utc_now().isoformat(),
             "expires": expires}
        )

    def session(self, token_hash: str) -> dict[str, Any] | None:
        rows = list(self.db.query(
            "SELECT s.csrf, s.expires, u.* FROM sessions s JOIN users u ON u.id = s.user_id "
            "WHERE s.token_hash = ? AND s.expires > ? AND u.disabled = 0", [token_hash, utc_now().isoformat()],
        ))
        return rows[0] if rows else None

    def end_session(self, token_hash: str) -> None:
        self.db.execute("DELETE FROM sessions WHERE token_hash = ?", [token_hash])

    def end_sessions_of(self, user_id: int, keep: str | None = None) -> None:
        self.db.execute("DELETE FROM sessions WHERE user_id = ? AND token_hash IS NOT ?", [user_id, keep])

    # -- personal API tokens --

    def create_token(self, user_id: int, name: str, token_hash: str) -> int:
        return self.db["api_tokens"].insert(
            {"user_id": user_id, "name": name, "token_hash": token_hash, "created": utc_now().isoformat(),
             "last_used": None, "revoked": 0}
        ).last_pk

    def token_user(self, token_hash: str) -> dict[str, Any] | None:
        """The live account of a token, noting when it was used: at most once a minute, since every API
        request passes here and each note is a write (the write lock, a WAL frame) for a figure read in minutes."""
        rows = list(self.db.query(
            "SELECT t.id AS token_id, t.last_used AS token_last_used, u.* FROM api_tokens t "
            "JOIN users u ON u.id = t.user_id WHERE t.token_hash = ? AND t.revoked = 0 AND u.disabled = 0", [token_hash],
        ))
        if not rows:
            return None
        now = utc_now()
        if rows[0]["token_last_used"] is None or rows[0]["token_last_used"] < (now - TOKEN_USE_RESOLUTION).isoformat():
            self.db.execute("UPDATE api_tokens SET last_used = ? WHERE id = ?", [now.isoformat(), rows[0]["token_id"]])
        return {k: v for k, v in rows[0].items() if k != "token_last_used"}

    def tokens_of(self, user_id: int) -> list[dict[str, Any]]:
        sql = "SELECT id, name, created, last_used, revoked FROM api_tokens WHERE user_id = ? ORDER BY id DESC"
        return list(self.db.query(sql, [user_id]))

    def revoke_token(self, token_id: int, user_id: int) -> None:
        cursor = self.db.execute("UPDATE api_tokens SET revoked = 1 WHERE id = ? AND user_id = ?", [token_id, user_id])
        if cursor.rowcount == 0:
            raise NotFoundError(f"no token {token_id}")

    def revoke_tokens_of(self, user_id: int) -> int:
        """Revoke every live token of an account (a password change); returns how many."""
        sql = "UPDATE api_tokens SET revoked = 1 WHERE user_id = ? AND revoked = 0"
        return self.db.execute(sql, [user_id]).rowcount

    def secret(self, key: str) -> str:
        """A random server secret kept in meta, made on first use (INSERT OR IGNORE: concurrent first uses agree)."""
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
        if row is None:
            self.db.execute("INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)", [key, secrets.token_hex(32)])
            row = self.db.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
        return row[0]

    # -- audit log --

    def audit(self, actor: str | None, action: str, target: str = "", detail: str = "", ip: str | None = None) -> None:
        self.db["audit_log"].insert(
            {"at": utc_now().isoformat(), "actor": actor, "action": action, "target": target, "detail": detail,
             "ip": ip}
        )

    def claim_login_attempt(self, username: str, ip: str | None, since: str, known_since: str,
                            per_pair: int, per_address: int, per_user: int) -> int | None:
        """Record a sign-in attempt as failed *before* its password is checked, unless a limit is reached
        (then None): failures since `since` for this user from this address, from this address, or for this
        user from anywhere, the last not counted from an address the user signed in from since `known_since`.
        One INSERT ... SELECT in a transaction that runs alone (SQLite's write lock; on PostgreSQL an advisory
        lock) from the counts to the insert, so concurrent guesses cannot all slip under a limit.
        `login_succeeded` turns the row into a sign-in."""
        failures = "SELECT count(*) FROM audit_log WHERE action = 'login_failed' AND at > :since"
        with self.transaction():
            self.engine.serialise(self.db, "sign-in attempts")
            row = self.db.execute(
                "INSERT INTO audit_log (at, actor, action, target, detail, ip) "
                "SELECT :now, :user, 'login_failed', :user, '', :ip "
                f"WHERE ({failures} AND target = :user AND ip IS :ip) < :per_pair "
                f"AND ({failures} AND ip IS :ip) < :per_address "
                f"AND (({failures} AND target = :user) < :per_user OR EXISTS (SELECT 1 FROM audit_log "
                "WHERE action = 'login' AND target = :user AND ip IS :ip AND at > :known_since)) RETURNING id",
                {"now": utc_now().isoformat(), "user": username, "ip": ip, "since": since,
                 "known_since": known_since, "per_pair": per_pair, "per_address": per_address,
                 "per_user": per_user},
            ).fetchall()  # all: SQLite commits only once the statement is done
        return row[0][0] if row else None

    def login_succeeded(self, attempt_id: int) -> None:
        self.db.execute("UPDATE audit_log SET action = 'login' WHERE id = ?", [attempt_id])

    def person_by_email(self, email: str) -> dict[str, Any] | None:
        row = self.db.execute("SELECT id FROM people WHERE lower(email) = lower(?)", [email]).fetchone()
        return self.get_person(row[0]) if row else None

    def audit_entries(self, limit: int = 200, action: str | None = None) -> list[dict[str, Any]]:
        if action:
            return list(self.db.query("SELECT * FROM audit_log WHERE action = ? ORDER BY id DESC LIMIT ?", [action, limit]))
        return list(self.db.query("SELECT * FROM audit_log ORDER BY id DESC LIMIT ?", [limit]))

    # -- content versions: the previous state of an item is kept on every edit --

    def save_version(self, content_id: str, record: dict[str, Any], edited_by: str | None) -> int:
        row = self.db.execute(
            "SELECT coalesce(max(version), 0) + 1 FROM content_versions WHERE content_id = ?", [content_id]
        ).fetchone()
        self.db["content_versions"].insert(
            {"content_id": content_id, "version": row[0], "record": json.dumps(record, default=str),
             "edited_by": edited_by, "edited_at": utc_now().isoformat()}
        )
        return row[0]

    def versions(self, content_id: str) -> list[dict[str, Any]]:
        rows = self.db.query(
            "SELECT * FROM content_versions WHERE content_id = ? ORDER BY version DESC", [content_id]
        )
        return [dict(row, record=json.loads(row["record"])) for row in rows]

    def version(self, content_id: str, version: int) -> dict[str, Any]:
        rows = list(self.db.query(
            "SELECT * FROM content_versions WHERE content_id = ? AND version = ?", [content_id, version]
        ))
        if not rows:
            raise NotFoundError(f"item {content_id!r} has no version {version}")
        return dict(rows[0], record=json.loads(rows[0]["record"]))

    # -- visibility --

    def restricted_content(self) -> dict[str, set[str]]:
        """Items visible only to some teams, with those teams."""
        rows = self.db.execute("SELECT id, visible_teams FROM content WHERE visible_teams != '[]'")
        return {cid: set(json.loads(teams)) for cid, teams in rows}
