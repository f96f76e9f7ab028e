"""In-app notifications, each person's delivery choice, and the e-mail queue (part of the Store)."""

from __future__ import annotations

import sqlite_utils


class NotificationStore:
    db: sqlite_utils.Database
