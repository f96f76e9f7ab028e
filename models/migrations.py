"""Registered schema migrations: each runs once, in a transaction, and is recorded in `_migrations`."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import sqlite_utils

from models.records import to_utc

Migration = Callable[[sqlite_utils.Database], None]
MIGRATIONS: list[tuple[str, Migration]] = []


def migration(fn: Migration) -> Migration:
    MIGRATIONS.append((fn.__name__, fn))
    return fn


@migration
def m001_initial(db: sqlite_utils.Database) -> None:
    db["people"].create(
        {
            "id": str, "name": str, "email": str, "title": str, "team": str, "location": str, "bio": str,
            "skills": str, "mentor": int, "extra": str, "created": str, "updated": str,
        },
        pk="id",
    )
    db["content"].create(
        {
            "id": str, "title": str, "body": str, "kind": str, "tags": str, "official": int,
            "extra": str, "created": str, "updated": str, "views": int,
        },
        pk="id",
        defaults={"views": 0},
    )
    db["content_authors"].create(
        {"content_id": str, "person_id": str, "position": int},
        pk=("content_id", "person_id"),
        foreign_keys=[("content_id", "content", "id"), ("person_id", "people", "id")],
    )
    db["content_authors"].create_index(["person_id"])
    # AUTOINCREMENT: a vector id is never reused, so a stale index entry can never alias a new passage.
    db.execute(
        """CREATE TABLE chunks (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            content_id TEXT NOT NULL REFERENCES content(id),
            position INTEGER NOT NULL,
            title TEXT NOT NULL,
            text TEXT NOT NULL,
            vector BLOB
        )"""
    )
    db["chunks"].create_index(["content_id"])
    db["chunks"].enable_fts(["title", "text"], create_triggers=True, tokenize="porter unicode61")
    db.execute(
        """CREATE TABLE profiles (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            person_id TEXT NOT NULL UNIQUE REFERENCES people(id),
            text TEXT NOT NULL,
            vector BLOB
        )"""
    )
    db["profiles"].enable_fts(["text"], create_triggers=True, tokenize="porter unicode61")
    db["queries"].create(
        {
            "id": str, "text": str, "kind": str, "answered": int, "top_score": float, "result_ids": str,
            "expert_ids": str, "source": str, "created": str,
        },
        pk="id",
    )
    db["queries"].create_index(["created"])
    db["feedback"].create(
        {"id": int, "query_id": str, "content_id": str, "helpful": int, "comment": str, "created": str},
        pk="id",
    )
    db["feedback"].create_index(["query_id"])
    db["meta"].create({"key": str, "value": str}, pk="key")


def apply_migrations(db: sqlite_utils.Database) -> list[str]:
    """Bring a store of any earlier version up to date; returns the names applied now.

    Two processes may open a store of an older version at once (`knowhow serve` and an import started after
    an upgrade): each migration takes the write lock first (BEGIN IMMEDIATE, where busy_timeout waits) and
    checks again under it, so the second process waits and then skips what the first applied. A deferred
    transaction would fail at once with "database is locked" when it turned from reading to writing."""
    db.execute("CREATE TABLE IF NOT EXISTS [_migrations] ([name] TEXT PRIMARY KEY, [applied_at] TEXT)")
    applied = []
    for name, fn in MIGRATIONS:
        if _applied(db, name):
            continue
        db.conn.execute("BEGIN IMMEDIATE")
        try:
            if not _applied(db, name):
                fn(db)
                db["_migrations"].insert({"name": name, "applied_at": _now()})
                applied.append(name)
        except BaseException:
            db.rollback()
            raise
        db.conn.execute("COMMIT")
    return applied


# The migrations PostgreSQL's schema (models.pg_schema) already holds: a PostgreSQL store starts there.
# A migration added after these needs its PostgreSQL form in POSTGRES_MIGRATIONS.
POSTGRES_BASELINE = "m023_no_full_text_tables"
POSTGRES_MIGRATIONS: dict[str, Callable[[Any], None]] = {}
_SCHEMA_LOCK = 72_231_001  # the advisory lock servers starting at once take to build or upgrade the schema


def apply_postgres_migrations(db: Any) -> list[str]:
    """Build the schema on an empty PostgreSQL database, or bring an older one up to date; returns the names
    applied now. Servers starting together take an advisory lock in turn: the first builds, the rest find
    it built."""
    from models import pg_schema
    from models.review_store import DEFAULT_INTERVALS

    names = [name for name, _ in MIGRATIONS]
    with db.atomic():
        db.execute("SELECT pg_advisory_xact_lock(?)", [_SCHEMA_LOCK])
        db.execute('CREATE TABLE IF NOT EXISTS _migrations (name TEXT COLLATE "C" PRIMARY KEY, applied_at TEXT)')
        done = {row[0] for row in db.execute("SELECT name FROM _migrations")}
        applied = []
        if not done:
            for statement in pg_schema.statements(DEFAULT_INTERVALS):
                db.execute(statement)
            applied = names[: names.index(POSTGRES_BASELINE) + 1]
        for name in names[names.index(POSTGRES_BASELINE) + 1 :]:
            if name not in done:
                if name not in POSTGRES_MIGRATIONS:
                    raise RuntimeError(f"migration {name} has no PostgreSQL form (models.migrations)")
                POSTGRES_MIGRATIONS[name](db)
                applied.append(name)
        db["_migrations"].insert_all([{"name": name, "applied_at": _now()} for name in applied])
    return applied


def _applied(db: sqlite_utils.Database, name: str) -> bool:
    return db.execute("SELECT 1 FROM [_migrations] WHERE name = ?", [name]).fetchone() is not None


def schema_version() -> int:
    return len(MIGRATIONS)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@migration
def m002_feedback_loop(db: sqlite_utils.Database) -> None:
    """Ratings, comments, kudos, usage events, gap requests; query vectors and askers for gap topics."""
    db["queries"].add_column("vector", bytes)
    db["queries"].add_column("asker", str)
    db["feedback"].add_column("person_id", str)
    db["content"].add_column("review_due", str)
    db["ratings"].create(
        {"content_id": str, "rater": str, "stars": int, "created": str},
        pk=("content_id", "rater"),
    )
    db["comments"].create(
        {"id": int, "content_id": str, "parent_id": int, "author": str, "body": str, "created": str},
        pk="id",
    )
    db["comments"].create_index(["content_id"])
    db["kudos"].create({"id": int, "content_id": str, "from_person": str, "created": str}, pk="id")
    db["kudos"].create_index(["content_id"])
    # view: a content page was shown; open: a search result was followed; dwell: seconds a page was visible.
    db["events"].create(
        {"id": int, "kind": str, "content_id": str, "query_id": str, "person_id": str, "seconds": float,
         "created": str},
        pk="id",
    )
    db["events"].create_index(["created"])
    db["events"].create_index(["query_id"])
    db["events"].create_index(["content_id"])
    db["gap_requests"].create(
        {"id": int, "label": str, "query_ids": str, "expert_id": str, "requested_by": str, "note": str,
         "status": str, "content_id": str, "created": str, "updated": str},
        pk="id",
    )
    db["gap_requests"].create_index(["expert_id"])


@migration
def m003_mentoring(db: sqlite_utils.Database) -> None:
    """Mentor availability and capacity, mentoring requests, and content requests from the ask page."""
    db["people"].add_column("availability", str, not_null_default="available")
    db["people"].add_column("mentee_capacity", int, not_null_default=2)
    db["mentoring_requests"].create(
        {"id": int, "mentor_id": str, "mentee_id": str, "goal": str, "message": str, "status": str,
         "created": str, "updated": str},
        pk="id",
    )
    db["mentoring_requests"].create_index(["mentor_id", "status"])
    db["mentoring_requests"].create_index(["mentee_id"])
    # What a reader asked for and did not find: the raw material of L&D's gap list.
    db["content_requests"].create(
        {"id": int, "query": str, "query_id": str, "note": str, "requested_by": str, "status": str,
         "created": str},
        pk="id",
    )
    db["content_requests"].create_index(["created"])


@migration
def m004_accounts(db: sqlite_utils.Database) -> None:
    """Accounts, server-side sessions, API tokens, the audit log, content versions and visibility."""
    db["users"].create(
        {"id": int, "username": str, "password_hash": str, "role": str, "person_id": str, "disabled": int,
         "created": str},
        pk="id", not_null={"username", "role"}, defaults={"disabled": 0},
    )
    db["users"].create_index(["username"], unique=True)
    # Session and API tokens are stored hashed: a copy of the database grants no access.
    db["sessions"].create(
        {"token_hash": str, "user_id": int, "csrf": str, "created": str, "expires": str}, pk="token_hash"
    )
    db["api_tokens"].create(
        {"id": int, "user_id": int, "name": str, "token_hash": str, "created": str, "last_used": str,
         "revoked": int},
        pk="id", defaults={"revoked": 0},
    )
    db["api_tokens"].create_index(["token_hash"], unique=True)
    db["audit_log"].create(
        {"id": int, "at": str, "actor": str, "action": str, "target": str, "detail": str, "ip": str}, pk="id"
    )
    db["audit_log"].create_index(["at"])
    db["content_versions"].create(
        {"content_id": str, "version": int, "record": str, "edited_by": str, "edited_at": str},
        pk=("content_id", "version"),
    )
    # Empty list: everyone may see the item; otherwise only members of the listed teams (and L&D).
    db["content"].add_column("visible_teams", str, not_null_default="[]")
    db["content"].add_column("created_by", str)


@migration
def m005_analytics_indexes(db: sqlite_utils.Database) -> None:
    """Covering indexes: the dashboard's per-period aggregates read these instead of the tables."""
    db["queries"].create_index(["kind", "created", "answered", "asker"], index_name="idx_queries_period")
    db["events"].create_index(["created", "kind", "content_id", "seconds"], index_name="idx_events_period")
    db["feedback"].create_index(["created", "helpful"], index_name="idx_feedback_period")


@migration
def m006_content_times_utc(db: sqlite_utils.Database) -> None:
    """Content times in UTC: items imported with an offset (`-05:00`) or none were stored as given, and
    times are compared as strings. Values that do not parse are left as they are."""
    columns = ("created", "updated", "review_due")
    for row in list(db.query("SELECT id, created, updated, review_due FROM content")):
        changes = {}
        for column in columns:
            try:
                value = to_utc(datetime.fromisoformat(row[column])).isoformat()
            except (TypeError, ValueError):
                continue
            if value != row[column]:
                changes[column] = value
        if changes:
            db["content"].update(row["id"], changes)


@migration
def m007_notifications(db: sqlite_utils.Database) -> None:
    """The in-app inbox: one row per notification and recipient (a person id or "user:NAME")."""
    db["notifications"].create(
        {"id": int, "recipient": str, "kind": str, "text": str, "link": str, "created": str, "read_at": str},
        pk="id",
    )
    db["notifications"].create_index(["recipient", "read_at"])


@migration
def m008_email_delivery(db: sqlite_utils.Database) -> None:
    """E-mail for notifications: each party's choice (immediate, daily digest, never), the outgoing queue a
    background sender drains with retries, and which stale items their authors were already told about."""
    db["notification_prefs"].create(
        # email_mode NULL: the default. digest_upto: the newest notification id a digest (or a change of
        # choice) already covered.
        {"party": str, "email_mode": str, "digest_upto": int, "updated": str},
        pk="party", defaults={"digest_upto": 0},
    )
    # `lines` is JSON [{"text", "link"}]; the sender renders subject and body (absolute links) when it sends.
    # sending_until: a claim's lease, so two senders never send one row at once and a crashed one's rows return.
    db["email_queue"].create(
        {"id": int, "party": str, "to_addr": str, "kind": str, "lines": str, "notification_id": int,
         "created": str, "attempts": int, "next_attempt_at": str, "sending_until": str, "last_error": str,
         "sent_at": str, "failed_at": str},
        pk="id", not_null={"to_addr", "kind", "lines", "created"}, defaults={"attempts": 0},
    )
    db.execute("CREATE INDEX idx_email_queue_due ON email_queue(next_attempt_at) "
               "WHERE sent_at IS NULL AND failed_at IS NULL")
    # The item's `updated` when its authors were told it went stale: an edit starts a new staleness period.
    db["stale_notices"].create({"content_id": str, "updated": str, "notified_at": str}, pk="content_id")


@migration
def m009_questions(db: sqlite_utils.Database) -> None:
    """Questions to experts: where each was routed, its answers (content items of kind answer) and votes;
    each person's answering preference (unset: the default) and whether they are away."""
    db["questions"].create(
        {"id": str, "title": str, "details": str, "tags": str, "asker": str, "query_id": str, "status": str,
         "accepted_answer": str, "lnd_queue": int, "round": int, "escalate_at": str, "created": str,
         "updated": str, "vector": bytes},
        pk="id",
    )
    db["questions"].create_index(["asker"])
    db["questions"].create_index(["status", "escalate_at"])
    db["questions"].create_index(["query_id"])
    db["question_routes"].create(
        {"question_id": str, "person_id": str, "round": int, "routed_by": str, "routed_at": str, "waiting": int},
        pk=("question_id", "person_id"),
    )
    db["question_routes"].create_index(["person_id", "waiting"])
    db["question_answers"].create(
        {"content_id": str, "question_id": str, "author": str, "created": str}, pk="content_id")
    db["question_answers"].create_index(["question_id"])
    db["answer_votes"].create({"content_id": str, "voter": str, "created": str}, pk=("content_id", "voter"))
    db["people"].add_column("answers_questions", int)
    db["people"].add_column("away", int, not_null_default=0)


@migration
def m010_requests(db: sqlite_utils.Database) -> None:
    """One requests model: content requests, gap requests, questions to experts and mentoring requests move
    into `requests`, with one set of states and one way of naming the requester (a person id, or
    "user:NAME" for an account without a profile). Questions keep only what is theirs (routing rounds,
    tags, the accepted answer, the title's vector) and point at their request."""
    db["requests"].create(
        {"id": int, "kind": str, "requester": str, "assignee": str, "subject": str, "note": str, "status": str,
         "query_id": str, "content_id": str, "detail": str, "created": str, "updated": str},
        pk="id", not_null={"kind", "requester", "status", "created", "updated"},
        defaults={"note": "", "detail": "{}"},
    )
    db["requests"].create_index(["kind", "status"])
    db["requests"].create_index(["requester"])
    db["requests"].create_index(["assignee", "status"])
    person_ids = {row[0] for row in db.execute("SELECT id FROM people")}

    def party(name: str | None) -> str:
        """Requesters were stored as a person id, "user:NAME" or (gap requests) a bare user name."""
        if not name:
            return "user:unknown"
        return name if name in person_ids or name.startswith("user:") else f"user:{name}"

    def add(rows: list[dict]) -> None:
        db["requests"].insert_all(rows)

    add([{"kind": "content", "requester": party(r["requested_by"]), "subject": r["query"], "note": r["note"] or "",
          "status": "done" if r["status"] == "addressed" else r["status"], "query_id": r["query_id"],
          "created": r["created"], "updated": r["created"]} for r in db.query("SELECT * FROM content_requests")])
    add([{"kind": "gap", "requester": party(r["requested_by"]), "assignee": r["expert_id"], "subject": r["label"],
          "note": r["note"] or "", "status": "done" if r["status"] == "addressed" else r["status"],
          "content_id": r["content_id"], "detail": json.dumps({"query_ids": json.loads(r["query_ids"] or "[]")}),
          "created": r["created"], "updated": r["updated"]} for r in db.query("SELECT * FROM gap_requests")])
    mentoring_states = {"pending": "open", "accepted": "in_progress"}
    add([{"kind": "mentoring", "requester": r["mentee_id"], "assignee": r["mentor_id"], "subject": r["goal"] or "",
          "note": r["message"] or "", "status": mentoring_states.get(r["status"], r["status"]),
          "created": r["created"], "updated": r["updated"]} for r in db.query("SELECT * FROM mentoring_requests")])
    db.execute("ALTER TABLE questions ADD COLUMN request_id INTEGER")
    for q in list(db.query("SELECT id, title, details, asker, query_id, status, created, updated FROM questions")):
        request_id = db["requests"].insert(
            {"kind": "question", "requester": party(q["asker"]), "subject": q["title"], "note": q["details"] or "",
             "status": q["status"], "query_id": q["query_id"], "created": q["created"], "updated": q["updated"]}
        ).last_pk
        db.execute("UPDATE questions SET request_id = ? WHERE id = ?", [request_id, q["id"]])
    # Rebuild `questions` without the columns that now live in `requests` (one source of truth each).
    db.execute("""CREATE TABLE questions_new (
        id TEXT PRIMARY KEY, request_id INTEGER NOT NULL UNIQUE REFERENCES requests(id), tags TEXT,
        accepted_answer TEXT, lnd_queue INTEGER, round INTEGER, escalate_at TEXT, vector BLOB)""")
    db.execute("INSERT INTO questions_new SELECT id, request_id, tags, accepted_answer, lnd_queue, round, "
               "escalate_at, vector FROM questions")
    db.execute("DROP TABLE questions")
    db.execute("ALTER TABLE questions_new RENAME TO questions")
    db.execute("CREATE INDEX idx_questions_escalate_at ON questions(escalate_at)")
    for table in ("content_requests", "gap_requests", "mentoring_requests"):
        db.execute(f"DROP TABLE {table}")


@migration
def m011_lifecycle(db: sqlite_utils.Database) -> None:
    """Content lifecycle and verification: a status (current, needs_review, archived), the item that
    replaces one, an owner, when and by whom it was last confirmed correct, and review intervals per kind
    that L&D sets. `review_due` becomes every item's next review date: computed from the intervals unless
    the record fixed it (`review_fixed`), so overdue items are one indexed comparison. Existing items start
    their review clock now, as imported ones do: nobody has confirmed them yet, and a backlog of reminders
    on the first day after an upgrade would teach owners to ignore them."""
    from models.review_store import DEFAULT_INTERVALS, due_date

    content = db["content"]
    content.add_column("status", str, not_null_default="current")
    for column in ("replaced_by", "owner", "verified", "verified_by", "review_noticed"):
        content.add_column(column, str)
    content.add_column("review_fixed", int, not_null_default=0)
    db["review_intervals"].create({"kind": str, "days": int}, pk="kind")
    db["review_intervals"].insert_all([{"kind": k, "days": d} for k, d in DEFAULT_INTERVALS.items()])
    now = _now()
    for row in list(db.query("SELECT id, kind, official, review_due FROM content")):
        fixed = row["review_due"] is not None
        due = row["review_due"] if fixed else due_date(row["kind"], bool(row["official"]), now, DEFAULT_INTERVALS)
        db.execute("UPDATE content SET verified = ?, review_due = ?, review_fixed = ? WHERE id = ?",
                   [now, due, int(fixed), row["id"]])
    content.create_index(["review_due"])
    content.create_index(["replaced_by"])


@migration
def m012_sources(db: sqlite_utils.Database) -> None:
    """Where imported files came from: one row per file (its absolute location, the folder it was imported
    from, its path inside that folder, a checksum of its bytes), naming the item it made (none for a people
    CSV). A re-run compares checksums to re-read only new and changed files, finds the item a file made
    whatever folder it is imported from next, and knows which items lost their file. `unresolved`: the
    authors the file named that matched nobody, retried when they may match someone now."""
    db["sources"].create(
        {"location": str, "root": str, "path": str, "checksum": str, "content_id": str, "unresolved": str,
         "imported": str},
        pk="location", not_null={"root", "path", "checksum", "imported"}, defaults={"unresolved": "[]"},
        foreign_keys=[("content_id", "content", "id")],
    )
    db["sources"].create_index(["content_id"], unique=True)


@migration
def m013_import_runs(db: sqlite_utils.Database) -> None:
    """Imports started from the web (uploads): who started one, what was uploaded, where it stands (stage and
    counts, updated as it goes), when it started and finished, and its summary (JSON) or why it failed. The
    partial unique index lets one run at a time be `running`, whoever starts it: a second start is refused
    by the database itself. `worker` names the server running it, so a run a stopped server left behind shows
    as interrupted."""
    db["import_runs"].create(
        {"id": int, "status": str, "started_by": str, "uploads": str, "delete_missing": int, "stage": str,
         "done": int, "total": int, "started": str, "finished": str, "summary": str, "failure": str, "worker": str},
        pk="id", not_null={"status", "uploads", "started", "worker"},
        defaults={"uploads": "[]", "delete_missing": 0, "done": 0, "total": 0},
    )
    db.execute("CREATE UNIQUE INDEX idx_import_runs_one_running ON import_runs(status) WHERE status = 'running'")


@migration
def m014_courses(db: sqlite_utils.Database) -> None:
    """Short courses. A course is a content item of kind `course` (so search, chunking and expert evidence
    apply to it as to any item); these tables hold its structure: ordered steps (Markdown written for the
    course, or an existing item), each with check questions (options and right answers as JSON lists, an
    explanation); per learner (a person id, or `user:NAME`) when they started and finished the course and
    each step, and every answer with whether it was right and the learner's first try. Everything goes
    with its course (ON DELETE CASCADE): a deleted course leaves no orphan answers behind."""
    db.execute("""CREATE TABLE course_steps (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        course_id TEXT NOT NULL REFERENCES content(id) ON DELETE CASCADE,
        position INTEGER NOT NULL, title TEXT NOT NULL, body TEXT NOT NULL DEFAULT '', item_id TEXT)""")
    db.execute("CREATE INDEX idx_course_steps_course ON course_steps(course_id, position)")
    db.execute("""CREATE TABLE course_questions (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        step_id INTEGER NOT NULL REFERENCES course_steps(id) ON DELETE CASCADE,
        position INTEGER NOT NULL, prompt TEXT NOT NULL, options TEXT NOT NULL, correct TEXT NOT NULL,
        multiple INTEGER NOT NULL DEFAULT 0, explanation TEXT NOT NULL DEFAULT '')""")
    db.execute("CREATE INDEX idx_course_questions_step ON course_questions(step_id, position)")
    db.execute("""CREATE TABLE course_learners (
        course_id TEXT NOT NULL REFERENCES content(id) ON DELETE CASCADE,
        learner TEXT NOT NULL, started TEXT NOT NULL, completed TEXT,
        PRIMARY KEY (course_id, learner))""")
    db.execute("""CREATE TABLE course_step_learners (
        step_id INTEGER NOT NULL REFERENCES course_steps(id) ON DELETE CASCADE,
        learner TEXT NOT NULL, opened TEXT, completed TEXT,
        PRIMARY KEY (step_id, learner))""")
    db.execute("""CREATE TABLE course_answers (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        question_id INTEGER NOT NULL REFERENCES course_questions(id) ON DELETE CASCADE,
        learner TEXT NOT NULL, chosen TEXT NOT NULL, correct INTEGER NOT NULL, first INTEGER NOT NULL,
        created TEXT NOT NULL)""")
    db.execute("CREATE INDEX idx_course_answers_question ON course_answers(question_id, learner)")


@migration
def m015_writing_templates(db: sqlite_utils.Database) -> None:
    """L&D's edits of the writing templates, one row per kind (skeleton and guidance, who and when). A kind
    without a row uses the default that ships in code; resetting a kind deletes its row."""
    db["writing_templates"].create(
        {"kind": str, "skeleton": str, "guidance": str, "updated": str, "updated_by": str},
        pk="kind", not_null={"skeleton", "guidance", "updated"},
    )


@migration
def m016_suggested_edits(db: sqlite_utils.Database) -> None:
    """Suggested changes to official content, which L&D keeps: who suggested one (a party: a person id or
    `user:NAME`, and the account), the proposed fields (JSON: title, body, tags, kind), why, the item's
    `updated` it was written against, and where it stands (pending, approved, rejected, withdrawn: who
    decided, when, and a rejection's reason). A deleted item takes its suggestions with it."""
    db.execute("""CREATE TABLE suggested_edits (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        content_id TEXT NOT NULL REFERENCES content(id) ON DELETE CASCADE,
        suggester TEXT NOT NULL, username TEXT, proposed TEXT NOT NULL, note TEXT NOT NULL DEFAULT '',
        based_on TEXT, status TEXT NOT NULL DEFAULT 'pending', decided_by TEXT, decided_at TEXT, reason TEXT,
        created TEXT NOT NULL)""")
    db.execute("CREATE INDEX idx_suggested_edits_status ON suggested_edits(status, id)")
    db.execute("CREATE INDEX idx_suggested_edits_content ON suggested_edits(content_id, suggester)")
    db.execute("CREATE INDEX idx_suggested_edits_suggester ON suggested_edits(suggester, id)")


@migration
def m017_follows(db: sqlite_utils.Database) -> None:
    """What each party follows (a tag, a person, or a topic: a saved question), and when their last weekly
    digest of it went out. One follow per party, kind and target."""
    db.execute("""CREATE TABLE follows (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        party TEXT NOT NULL, kind TEXT NOT NULL, target TEXT NOT NULL, created TEXT NOT NULL,
        UNIQUE (party, kind, target))""")
    db["follow_digests"].create({"party": str, "sent_at": str}, pk="party", not_null={"sent_at"})



@migration
def m018_embedding_claims(db: sqlite_utils.Database) -> None:
    """Passages a server process is embedding now, and until when its claim holds: several processes on one
    store (`knowhow serve --workers N`) never embed the same passage twice, and a process killed mid-batch
    leaves claims that expire instead of passages nobody may take."""
    db.execute("""CREATE TABLE embedding_claims (
        passage_table TEXT NOT NULL, passage_id INTEGER NOT NULL, claimant TEXT NOT NULL, until TEXT NOT NULL,
        PRIMARY KEY (passage_table, passage_id))""")
    db.execute("CREATE INDEX idx_embedding_claims_until ON embedding_claims(until)")


@migration
def m019_vector_changes(db: sqlite_utils.Database) -> None:
    """Every change to the stored vectors, in order: a passage's vector set (added 1) or gone (added 0, its
    row deleted or its vector cleared). Written by triggers, so no write path can forget it. Each server
    process's vector index applies the changes it has not seen (models.index_set) instead of comparing
    every stored id with its own after each write, which cost a scan of the whole table per write."""
    db.execute("""CREATE TABLE vector_changes (
        seq INTEGER PRIMARY KEY AUTOINCREMENT, passage_table TEXT NOT NULL, passage_id INTEGER NOT NULL,
        added INTEGER NOT NULL)""")
    for table in ("chunks", "profiles"):
        log = f"INSERT INTO vector_changes(passage_table, passage_id, added) VALUES ('{table}'"
        db.execute(f"""CREATE TRIGGER {table}_vector_set AFTER UPDATE OF vector ON {table}
            WHEN NEW.vector IS NOT NULL BEGIN {log}, NEW.id, 1); END""")
        db.execute(f"""CREATE TRIGGER {table}_vector_cleared AFTER UPDATE OF vector ON {table}
            WHEN NEW.vector IS NULL AND OLD.vector IS NOT NULL BEGIN {log}, OLD.id, 0); END""")
        db.execute(f"""CREATE TRIGGER {table}_vector_inserted AFTER INSERT ON {table}
            WHEN NEW.vector IS NOT NULL BEGIN {log}, NEW.id, 1); END""")
        db.execute(f"""CREATE TRIGGER {table}_vector_deleted AFTER DELETE ON {table}
            WHEN OLD.vector IS NOT NULL BEGIN {log}, OLD.id, 0); END""")


@migration
def m020_fts_follows_text_only(db: sqlite_utils.Database) -> None:
    """The full-text indexes re-index a passage when its title or text changes, not on every update: storing a
    passage's vector (every passage of every import) deleted and re-inserted its words in FTS5."""
    for table, columns in (("chunks", ("title", "text")), ("profiles", ("text",))):
        named = ", ".join(f'"{c}"' for c in columns)
        old = ", ".join(f'old."{c}"' for c in columns)
        new = ", ".join(f'new."{c}"' for c in columns)
        db.execute(f'DROP TRIGGER IF EXISTS "{table}_au"')
        db.execute(f"""CREATE TRIGGER "{table}_au" AFTER UPDATE OF {", ".join(columns)} ON "{table}" BEGIN
            INSERT INTO "{table}_fts" ("{table}_fts", rowid, {named}) VALUES('delete', old.rowid, {old});
            INSERT INTO "{table}_fts" (rowid, {named}) VALUES (new.rowid, {new});
            END""")


@migration
def m021_pending_passages_index(db: sqlite_utils.Database) -> None:
    """The passages still without a vector, indexed: every save, every resume and the server's minutely look
    for leftovers asked for them by scanning the whole table (178 ms at 100,000 passages, seconds at a
    million) to find a handful."""
    for table in ("chunks", "profiles"):
        db.execute(f"CREATE INDEX idx_{table}_pending ON {table}(id) WHERE vector IS NULL")


@migration
def m022_passage_word_changes(db: sqlite_utils.Database) -> None:
    """Every change to a passage's words, in the same log as its vector's (passage_table 'words'): each server
    process's word index (models.word_index) follows it as its vector index follows the vector changes. A
    passage is searchable by its words as soon as it is saved, before the model has embedded it (a long item,
    embedded in the background, is found by its words at once)."""
    log = "INSERT INTO vector_changes(passage_table, passage_id, added) VALUES ('words'"
    db.execute(f"CREATE TRIGGER chunks_words_inserted AFTER INSERT ON chunks BEGIN {log}, NEW.id, 1); END")
    db.execute(f"""CREATE TRIGGER chunks_words_changed AFTER UPDATE OF title, text ON chunks
        BEGIN {log}, NEW.id, 1); END""")
    db.execute(f"CREATE TRIGGER chunks_words_deleted AFTER DELETE ON chunks BEGIN {log}, OLD.id, 0); END")


@migration
def m023_no_full_text_tables(db: sqlite_utils.Database) -> None:
    """The FTS5 tables go: searches read the word index (models.word_index), which follows the passages
    through the change log, and nothing reads FTS5 any more. Keeping them cost every write: inserting 21,070
    passages took 4.1 s with them and 0.55 s without (deleting them 1.0 against 0.4 s), all of it under the
    write lock, and the database held a second copy of every passage's words."""
    for table in ("chunks", "profiles"):
        for trigger in ("ai", "ad", "au"):
            db.execute(f'DROP TRIGGER IF EXISTS "{table}_{trigger}"')
        db.execute(f'DROP TABLE IF EXISTS "{table}_fts"')
