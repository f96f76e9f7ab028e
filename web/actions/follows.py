"""Following tags, people and topics (saved questions): what changed in them, the open questions waiting for
an expert and the gaps nobody could answer, on the Following page and in a weekly digest.

Anyone signed in follows for themselves; a follow is its party's alone (another's id is unknown). What a
follow shows is what its follower may see: the page asks as the viewer, the digest as the party's account.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import quote, urlencode

import numpy as np

from finder.gaps import GapTopic, period
from finder.search import clean_query
from finder.terms import term_stems
from models.errors import ConflictError, InvalidInputError, NotFoundError
from models.records import utc_now
from web.actions.inbox import party, quoted
from web.auth import Viewer
from web.services import Services

MAX_FOLLOWS = 100  # per party: past this a digest is a wall nobody reads
MAX_TAG = 60
WINDOWS = (7, 30, 90)  # days the Following page looks back over
WEEK = timedelta(days=7)
SHOWN = 10  # items, questions and gaps listed per follow
LATEST = 3
TOPIC_HITS = 10  # a topic's items: its saved search's top results
DIGEST_LINES = 30
OPEN = ("open",)  # questions nobody answered yet: waiting for an expert


@dataclass
class Followed:
    """One follow and what happened in it since a time."""

    follow: dict
    label: str
    link: str
    items: list[dict] = field(default_factory=list)  # content, each with "change": new or updated
    questions: list[dict] = field(default_factory=list)
    gaps: list[GapTopic] = field(default_factory=list)
    latest: list[dict] = field(default_factory=list)  # when nothing changed: its newest items from before

    @property
    def quiet(self) -> bool:
        return not (self.items or self.questions or self.gaps)


def follow(services: Services, viewer: Viewer, kind: str, target: str) -> tuple[dict, bool]:
    """Follow a tag, a person or a topic; following it again is not an error. Returns (follow, created)."""
    target = checked_target(services, kind, target)
    me = party(viewer)
    existing = services.store.follow_of(me, kind, target)
    if existing is None and len(services.store.follows_of(me)) >= MAX_FOLLOWS:
        raise ConflictError(f"you follow {MAX_FOLLOWS} things already: unfollow some first")
    row, created = services.store.add_follow(me, kind, target)
    return described(services, row), created


def checked_target(services: Services, kind: str, target: str) -> str:
    """The target as it is stored: a tag as tags are (lower case, single spaces), a person by an id in the
    directory, a topic as a cleaned question."""
    if kind == "tag":
        tag = " ".join((target or "").split()).lower().lstrip("#").strip()
        if not tag or len(tag) > MAX_TAG:
            raise InvalidInputError(f"a tag is 1 to {MAX_TAG} characters", field="target")
        return tag
    if kind == "person":
        if not target or services.store.get_person(target) is None:
            raise NotFoundError(f"no person with id {target!r}")
        return target
    if kind == "topic":
        return clean_query(target, services.settings.max_query_chars)
    raise InvalidInputError("kind must be one of tag, person, topic", field="kind")


def unfollow(services: Services, viewer: Viewer, follow_id: int) -> None:
    if not services.store.remove_follow(party(viewer), follow_id):
        raise NotFoundError(f"you follow nothing with id {follow_id}")


def unfollow_target(services: Services, viewer: Viewer, kind: str, target: str) -> None:
    """Stop following by what is followed (the buttons beside a tag, a person or a question know that)."""
    row = services.store.follow_of(party(viewer), kind, checked_target(services, kind, target))
    if row is None:
        raise NotFoundError(f"you do not follow that {kind}")
    services.store.remove_follow(party(viewer), row["id"])


def follows(services: Services, viewer: Viewer) -> list[dict]:
    return [described(services, row) for row in services.store.follows_of(party(viewer))]


def following_of(services: Services, viewer: Viewer, kind: str, target: str) -> dict | None:
    """The viewer's follow of this, if any: the Follow buttons show which way they go."""
    if not viewer.signed_in:
        return None
    try:
        target = checked_target(services, kind, target)
    except (InvalidInputError, NotFoundError):
        return None
    return services.store.follow_of(party(viewer), kind, target)


def described(services: Services, row: dict) -> dict:
    """A follow as the API and pages show it: what it is called and where it leads."""
    label, link = _label(services, row)
    return {key: row[key] for key in ("id", "kind", "target", "created")} | {"label": label, "link": link}


def label_of(services: Services, kind: str, target: str) -> str:
    """How the pages name a followed tag, person or topic."""
    return _label(services, {"kind": kind, "target": target})[0]


def _label(services: Services, row: dict) -> tuple[str, str]:
    if row["kind"] == "tag":
        return f"#{row['target']}", "/browse?" + urlencode({"tag": row["target"]})
    if row["kind"] == "person":
        person = services.store.get_person(row["target"])
        return (person["name"] if person else row["target"]), f"/people/{quote(row['target'], safe='')}"
    return row["target"], "/?" + urlencode({"q": row["target"]})


def updates(services: Services, viewer: Viewer, days: int = WINDOWS[0]) -> list[Followed]:
    """What happened in each of the viewer's follows in the last `days` days."""
    if days not in WINDOWS:
        raise InvalidInputError(f"days must be one of {', '.join(map(str, WINDOWS))}", field="days")
    since = (utc_now() - timedelta(days=days)).isoformat()
    return _updates(services, viewer, services.store.follows_of(party(viewer)), since)


@dataclass
class Waiting:
    """What every follow is matched against: the open questions with their vectors and the gap topics. Read
    once per page or digest run, not once per follower (the gaps are a clustering of 90 days of questions)."""

    questions: list[dict]
    vectors: np.ndarray
    gaps: list[GapTopic]

    @classmethod
    def read(cls, services: Services) -> Waiting:
        questions, vectors = services.store.question_vectors(OPEN)
        gaps = [t for t in services.gaps.topics(*period(None, None), limit=200, detail=0) if not t.addressed]
        return cls(questions, vectors, gaps)


def _updates(services: Services, viewer: Viewer, rows: list[dict], since: str, latest: bool = True,
             waiting: Waiting | None = None) -> list[Followed]:
    """`latest`: for a follow where nothing changed, its most recent items from before (the page's "Latest")."""
    if not rows:
        return []
    store = services.store
    waiting = waiting or Waiting.read(services)
    open_questions, question_vectors = waiting.questions, waiting.vectors
    asked_since = [i for i, q in enumerate(open_questions) if q["created"] >= since]
    gaps = [t for t in waiting.gaps if t.last_asked >= since]
    shown = []
    for row in rows:
        label, link = _label(services, row)
        entry = Followed(described(services, row), label, link)
        matching = _matching(services, viewer, row)
        entry.items = store.changed_content(since, viewer.audience, limit=SHOWN, **matching)
        for item in entry.items:
            item["change"] = "new" if (item.get("created") or "") >= since else "updated"
        if latest and not entry.items:
            entry.latest = store.changed_content("", viewer.audience, limit=LATEST, **matching)
        if row["kind"] == "tag":
            entry.questions = [open_questions[i] for i in asked_since if row["target"] in open_questions[i]["tags"]]
            stems = term_stems(row["target"])
            entry.gaps = [t for t in gaps if stems and stems <= term_stems(" ".join(t.questions))]
        elif row["kind"] == "topic":
            vector = services.embedder.encode_query(row["target"])  # cached: the topic's search encoded it
            if asked_since:  # as close as a question asked before in other words
                scores = (question_vectors[asked_since] @ vector).tolist()
                entry.questions = [open_questions[i] for i, s in zip(asked_since, scores) if s >= services.profile.feedback]
            entry.gaps = [t for t in gaps if t.centre is not None
                          and float(t.centre @ vector) >= services.profile.request_match]
        entry.questions, entry.gaps = entry.questions[:SHOWN], entry.gaps[:SHOWN]
        shown.append(entry)
    return shown


def _matching(services: Services, viewer: Viewer, row: dict) -> dict:
    """Which items a follow is about, as `changed_content` selects them: a tag's, a person's, or for a topic
    its search's top results that are about it at all (scored above what expert finding counts as no
    evidence: a new item unrelated to a rare topic must not ride in on an empty result list)."""
    if row["kind"] == "tag":
        return {"tags": [row["target"]]}
    if row["kind"] == "person":
        return {"authors": [row["target"]]}
    answer = services.finder.ask(row["target"], k=TOPIC_HITS, experts=0, log=False, audience=viewer.audience)
    return {"ids": [hit.id for hit in answer.results if hit.score > services.profile.expert_unrelated]}


def weekly_digests(services: Services, now: datetime | None = None) -> int:
    """Each follower's weekly digest, a week after the last (or after they first followed): one inbox
    notification leading to the Following page and, for people who take e-mail, a mail listing what
    changed. Nothing to tell, no digest (the week still counts). Returns how many were sent."""
    store = services.store
    now = now or utc_now()
    sent = 0
    waiting = None
    for follower, first_followed in store.followers():
        last = store.last_follow_digest(follower) or first_followed
        if now - datetime.fromisoformat(last) < WEEK:
            continue
        viewer = viewer_of(services, follower)
        if viewer is not None and waiting is None:
            waiting = Waiting.read(services)
        entries = [] if viewer is None else _updates(services, viewer, store.follows_of(follower), last, latest=False,
                                                     waiting=waiting)
        with store.transaction():
            if any(not entry.quiet for entry in entries):
                _send_digest(services, follower, entries, now.isoformat())
                sent += 1
            store.record_follow_digest(follower, now.isoformat())
    return sent


def _send_digest(services: Services, follower: str, entries: list[Followed], now: str) -> None:
    items = {item["id"]: item for entry in entries for item in entry.items}
    questions = {q["id"]: q for entry in entries for q in entry.questions}
    gaps = {g.key: g for entry in entries for g in entry.gaps}
    counts = [_count(len(items), "new or updated item"), _count(len(questions), "open question"),
              _count(len(gaps), "unanswered topic")]
    summary = "This week in what you follow: " + ", ".join(c for c in counts if c)
    services.store.notify([follower], "follow_digest", summary, "/following")
    address = services.store.email_address(follower)
    if address and services.settings.smtp_url is not None and services.store.email_mode(follower) != "never":
        lines = [{"kind": "item", "text": f"{item['change'].capitalize()}: {quoted(item['title'])}",
                  "link": f"/content/{item['id']}"} for item in items.values()]
        lines += [{"kind": "question", "text": f"Waiting for an expert: {quoted(q['title'])}",
                   "link": f"/questions/{q['id']}"} for q in questions.values()]
        lines += [{"kind": "gap", "text": f"Nobody could answer: {quoted(g.label)}", "link": "/following"}
                  for g in gaps.values()]
        if len(lines) > DIGEST_LINES:
            lines = lines[:DIGEST_LINES] + [{"kind": "more", "text": f"and {len(lines) - DIGEST_LINES} more",
                                             "link": "/following"}]
        services.store.queue_mail(follower, address, "weekly", [{"kind": "summary", "text": summary,
                                                                  "link": "/following"}, *lines], now)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}" if n else ""


def viewer_of(services: Services, follower: str) -> Viewer | None:
    """Whom a digest is written for, to see what they may see: the party's live account (L&D's sees
    everything), or a person without an account by their team. None: the account is gone or disabled."""
    users = services.store.users()
    if follower.startswith("user:"):
        account = next((u for u in users if u["username"] == follower[5:] and not u["disabled"]), None)
        return None if account is None else Viewer(role=account["role"], username=account["username"])
    person = services.store.get_person(follower)
    if person is None:
        return None
    accounts = [u for u in users if u["person_id"] == follower and not u["disabled"]]
    role = "lnd" if any(u["role"] == "lnd" for u in accounts) else "employee"
    return Viewer(role=role, person_id=follower, team=person["team"])

