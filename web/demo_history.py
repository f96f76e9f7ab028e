"""The demo organisation's search history: a few weeks of its people asking, opening, reading, voting and
rating, made from the demo's own labelled questions, so L&D's first look at the dashboard, gaps and health
is not empty.

Every search goes through the real ask path (the finder decides `answered` and logs the query with its
vector), back-dated into the weeks before `now`; what the asker then does (opens a result, reads it, votes,
rates) is drawn from a fixed seed, so the same `now` gives the same history. It lives beside the CLI
because it drives both the finder and the store, as `knowhow demo` does."""

from __future__ import annotations

import json
import math
import random
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import numpy as np

from finder.search import Answer, Finder
from models.records import Audience, Feedback, utc_now
from web.demo_rewordings import REWORDINGS
from web.services import Services

SEED = 16
DAYS = 42
# Searches per person on a weekday, at the start and at the end of the period (the pilot catches on; the
# demo's 60 people ask about 9 a day at first and 22 by the end), and on a weekend day.
FIRST_WEEKDAY, LAST_WEEKDAY, WEEKEND = 0.15, 0.37, 0.02
BROWSING = 0.07  # pages opened per person on a weekday without a search (a link in chat, the browse page)
# Local hour of a search: most in the morning, a dip at lunch, a second smaller wave after it.
HOURS = {8: 5, 9: 10, 10: 11, 11: 9, 12: 4, 13: 3, 14: 6, 15: 6, 16: 4, 17: 2}
# Hours ahead of UTC of the demo's offices (winter time); anyone else is taken to be on UTC.
UTC_OFFSET = {"Madrid": 1, "Berlin": 1, "Austin": -6, "Toronto": -5, "Singapore": 8}


@dataclass(frozen=True)
class Need:
    """Something people want to know: its wordings (the labelled one first), the items that answer it
    (grade 2) or partly (1), and who is most likely to ask (the people of its area)."""

    key: str
    wordings: tuple[str, ...]
    relevant: dict[str, int] = field(default_factory=dict)
    askers: tuple[str, ...] = ()


@dataclass
class HistoryReport:
    searches: int = 0
    answered: int = 0
    opens: int = 0
    votes: int = 0
    ratings: int = 0
    views: int = 0
    seconds: float = 0.0  # how long writing the history took


@dataclass(order=True)
class _Search:
    at: datetime
    asker: str = field(compare=False)
    need: Need = field(compare=False)
    text: str = field(compare=False)


class _Encoded:
    """Every wording encoded in one batch before the first search: one at a time, the model would spend
    most of the history's time on per-call overhead."""

    def __init__(self, encoder, texts: list[str]):
        self.vectors = dict(zip(texts, encoder.encode(texts)))

    def encode_query(self, text: str) -> np.ndarray:
        return self.vectors[text]


def demo_needs(demo_dir: Path) -> list[Need]:
    """The labelled questions of each area (questions_<area>.jsonl) and their rewordings, asked mostly by
    the people of that area (people_<area>.jsonl)."""
    needs = []
    for path in sorted(demo_dir.glob("questions_*.jsonl")):
        area = path.stem.removeprefix("questions_")
        people = demo_dir / f"people_{area}.jsonl"
        askers = tuple(json.loads(line)["id"] for line in _lines(people)) if people.exists() else ()
        for line in _lines(path):
            question = json.loads(line)
            needs.append(Need(question["id"], (question["text"], *REWORDINGS.get(question["id"], [])),
                              question.get("relevant", {}), askers))
    return needs


def _lines(path: Path) -> list[str]:
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def write_history(services: Services, needs: list[Need], now: datetime | None = None, days: int = DAYS,
                  seed: int = SEED) -> HistoryReport:
    """Ask, read, vote and rate as the organisation's people would have over the `days` before `now`."""
    started = time.perf_counter()
    now = now or utc_now()
    rng = random.Random(seed)
    store = services.store
    people = store.people_by_ids(pid for pid, _ in store.person_names())
    if not people or not needs:
        return HistoryReport()
    searches = _searches(rng, needs, people, now, days)
    texts = sorted({s.text for s in searches})
    finder = Finder(store, services.indexes, _Encoded(services.embedder, texts), services.settings,
                    services.profile)
    report, opened = HistoryReport(), []
    with store.transaction():
        for search in searches:
            person = people[search.asker]
            answer = finder.ask(search.text, k=10, experts=5, source="web", asker=search.asker,
                                audience=Audience(team=person["team"]), asked_at=search.at)
            report.searches += 1
            report.answered += answer.answered
            opened += _react(rng, store, search, answer, now, report)
        _browse(rng, store, people, opened, now, days, report)
    report.seconds = round(time.perf_counter() - started, 1)
    return report


def _searches(rng: random.Random, needs: list[Need], people: dict[str, dict], now: datetime,
              days: int) -> list[_Search]:
    """Who asked what and when, oldest first: busy weekdays, quiet weekends, mornings; some people search a
    lot and some never; the questions nothing answers are asked again, often by someone else."""
    everyone = sorted(people)
    activity = {pid: (0.0 if rng.random() < 0.12 else rng.lognormvariate(0, 0.8)) for pid in everyone}
    popularity = [(3.0 if not need.relevant else rng.lognormvariate(0, 0.7)) for need in needs]
    found: list[_Search] = []
    for day_back in range(days, -1, -1):
        day = (now - timedelta(days=day_back)).date()
        progress = 1 - day_back / max(days, 1)
        rate = FIRST_WEEKDAY + (LAST_WEEKDAY - FIRST_WEEKDAY) * progress if day.weekday() < 5 else WEEKEND
        mean = rate * len(everyone)
        for _ in range(max(0, round(rng.gauss(mean, mean * 0.25)))):
            need = rng.choices(needs, popularity)[0]
            pool = [p for p in need.askers if p in people] if rng.random() < 0.75 else everyone
            pool = pool or everyone
            asker = rng.choices(pool, [activity[p] + 0.01 for p in pool])[0]
            text = need.wordings[0] if rng.random() < 0.3 else rng.choice(need.wordings)
            at = _local_time(rng, day, people[asker].get("location"))
            found.append(_Search(at, asker, need, text))
            if not need.relevant and rng.random() < 0.35:  # no luck: try other words a few minutes later
                found.append(_Search(at + timedelta(minutes=rng.randint(1, 6)), asker, need,
                                     rng.choice(need.wordings)))
    return sorted(s for s in found if s.at < now)


def _local_time(rng: random.Random, day: date, location: str | None) -> datetime:
    hour = rng.choices(list(HOURS), list(HOURS.values()))[0]
    local = datetime(day.year, day.month, day.day, hour, rng.randrange(60), rng.randrange(60), tzinfo=timezone.utc)
    return local - timedelta(hours=UTC_OFFSET.get(location or "", 0))


def _react(rng: random.Random, store, search: _Search, answer: Answer, now: datetime,
           report: HistoryReport) -> list[str]:
    """What the asker does with the results: opens the one that answers (or, less often, the first one),
    reads it for a while, sometimes says whether it helped, now and then rates it. Returns what was opened."""
    ids = [hit.id for hit in answer.results]
    good = [cid for cid in ids[:5] if search.need.relevant.get(cid) == 2] or \
           [cid for cid in ids[:5] if search.need.relevant.get(cid) == 1]
    if good and rng.random() < 0.9:
        opened = good[0]
    elif ids and answer.answered and rng.random() < 0.5:
        opened = ids[0]
    else:
        if not answer.answered and rng.random() < 0.2:  # "this did not help" on the search as a whole
            _vote(store, answer.query_id, None, False, search, search.at + timedelta(seconds=40), now, report)
        return []
    at = search.at + timedelta(seconds=rng.randint(4, 40))
    if at >= now:
        return []
    store.record_event("open", opened, answer.query_id, search.asker, created=at)
    report.opens += 1
    if store.record_event("view", opened, None, search.asker, created=at):
        report.views += 1
    seconds = round(min(900.0, rng.lognormvariate(math.log(90), 0.7)), 1)
    done = at + timedelta(seconds=seconds)
    if done >= now:
        return [opened]
    store.record_event("dwell", opened, answer.query_id, search.asker, seconds, created=done)
    helped = search.need.relevant.get(opened, 0) > 0
    if rng.random() < (0.3 if helped else 0.45):
        _vote(store, answer.query_id, opened, helped, search, done, now, report)
    if rng.random() < 0.08 and not store.is_author_of(search.asker, opened):
        stars = rng.choice([4, 5, 5]) if helped else rng.choice([1, 2, 2, 3])
        store.rate(opened, search.asker, stars, created=done)
        report.ratings += 1
    return [opened]


def _vote(store, query_id: str | None, content_id: str | None, helpful: bool, search: _Search, at: datetime,
          now: datetime, report: HistoryReport) -> None:
    if at < now:
        store.add_feedback(Feedback(query_id=query_id, content_id=content_id, helpful=helpful,
                                    person_id=search.asker), created=at)
        report.votes += 1


def _browse(rng: random.Random, store, people: dict[str, dict], read: list[str], now: datetime, days: int,
            report: HistoryReport) -> None:
    """Pages read without a search: mostly what searches found (`read`, once per opening: colleagues pass
    on links), sometimes anything (the browse page); and old bookmarks that land on replaced items, which
    their readers rate low."""
    items = sorted(store.list_content(limit=1_000_000)[0], key=lambda item: item["id"])
    everything = [item["id"] for item in items]
    outdated = [item["id"] for item in items if item.get("replaced_by")]
    everyone = sorted(people)
    for day_back in range(days, -1, -1):
        day = (now - timedelta(days=day_back)).date()
        if day.weekday() >= 5 or not everything:
            continue
        mean = BROWSING * len(everyone)
        visits = [rng.choice(read) if read and rng.random() < 0.75 else rng.choice(everything)
                  for _ in range(max(0, round(rng.gauss(mean, mean * 0.3))))]
        if outdated and rng.random() < 0.5:
            visits.append(rng.choice(outdated))
        for content_id in visits:
            reader = rng.choice(everyone)
            at = _local_time(rng, day, people[reader].get("location"))
            if at >= now or not store.record_event("view", content_id, None, reader, created=at):
                continue  # an author reading their own item is not readership
            report.views += 1
            seconds = round(min(900.0, rng.lognormvariate(math.log(60), 0.8)), 1)
            store.record_event("dwell", content_id, None, reader, seconds, created=at + timedelta(seconds=seconds))
            if content_id in outdated and rng.random() < 0.6:
                store.rate(content_id, reader, rng.choice([1, 2, 2]), created=at + timedelta(seconds=seconds))
                report.ratings += 1
