"""Questions posted to experts, where they were routed, and the answers they got (part of the Store)."""

from __future__ import annotations

import sqlite_utils


class QuestionStore:
    db: sqlite_utils.Database
