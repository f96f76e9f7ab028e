"""L&D dashboard on a large log: time to compute the analytics and to render the /lnd page for 90 days
over about 1,000,000 logged events (searches, page views, result opens, reading time, feedback).

    python -m benchmarks.dashboard [--events 1000000]

The log is synthetic (written straight into SQLite) over the demo organisation's people and content;
no model is needed.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from fastapi.testclient import TestClient

from finder.analytics import analytics
from finder.gaps import period
from indexer.importer import _Parsed, parse_lines
from models.settings import Settings
from web.app import create_app
from web.auth import issue_api_token
from web.cli import demo_files
from web.services import Services

DAYS = 90


def load_demo_records(services: Services) -> tuple[list[str], list[str]]:
    """The demo's people and items as rows (their passages are not needed here)."""
    parsed, errors = _Parsed(), []
    for path in demo_files():
        with open(path, encoding="utf-8") as handle:
            parse_lines(handle, str(path), parsed, errors)
    with services.store.transaction():
        services.store.upsert_people(p for p, _, _ in parsed.people.values())
        services.store.upsert_content(c for c, _, _ in parsed.content.values())
    return list(parsed.people), list(parsed.content)


def write_log(services: Services, people: list[str], items: list[str], total: int, seed: int = 1) -> dict[str, int]:
    """About 55% searches, 35% usage events, 10% feedback, spread over the last DAYS days."""
    rng = random.Random(seed)
    now = datetime.now(timezone.utc)
    questions = [f"how do I {verb} the {thing}" for verb in ("set up", "reset", "book", "request", "fix", "find")
                 for thing in ("vpn", "expense report", "badge", "laptop", "demo kit", "purchase order", "wiki")]

    def moment() -> str:
        return (now - timedelta(seconds=rng.randrange(DAYS * 86400))).isoformat()

    n_queries, n_events = int(total * 0.55), int(total * 0.35)
    n_feedback = total - n_queries - n_events
    db = services.store.db
    with services.store.transaction():
        db.conn.executemany(
            "INSERT INTO queries (id, text, kind, answered, top_score, result_ids, expert_ids, source, created, asker) "
            "VALUES (?, ?, 'search', ?, ?, '[]', '[]', 'web', ?, ?)",
            ((f"q{i}", rng.choice(questions), int(rng.random() < 0.8), rng.random(), moment(), rng.choice(people))
             for i in range(n_queries)),
        )
        db.conn.executemany(
            "INSERT INTO events (kind, content_id, query_id, person_id, seconds, created) VALUES (?, ?, ?, ?, ?, ?)",
            ((kind, rng.choice(items), f"q{rng.randrange(n_queries)}", rng.choice(people),
              rng.uniform(5, 300) if kind == "dwell" else None, moment())
             for kind in (rng.choice(("view", "view", "open", "dwell")) for _ in range(n_events))),
        )
        db.conn.executemany(
            "INSERT INTO feedback (query_id, content_id, helpful, comment, created, person_id) VALUES (?, ?, ?, '', ?, ?)",
            ((f"q{rng.randrange(n_queries)}", rng.choice(items), int(rng.random() < 0.7), moment(), rng.choice(people))
             for _ in range(n_feedback)),
        )
    return {"queries": n_queries, "events": n_events, "feedback": n_feedback}


def timed(fn, runs: int = 3) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="knowhow-dashboard-") as folder:
        services = Services(Settings(data=Path(folder)))
        people, items = load_demo_records(services)
        started = time.perf_counter()
        counts = write_log(services, people, items, args.events)
        print(f"wrote {sum(counts.values()):,} logged events {json.dumps(counts)} in {time.perf_counter() - started:.1f} s")

        since, until = period(None, None, DAYS)
        compute, result = timed(lambda: analytics(services.store, since, until))
        print(f"analytics for {DAYS} days: {compute * 1000:.0f} ms (median of 3); "
              f"{result.totals['searches']:,} searches, answer rate {result.totals['answer_rate']}")

        user_id = services.store.create_user("bench-lnd", None, "lnd")
        token = issue_api_token(services.store, user_id, "benchmark")
        with TestClient(create_app(services)) as client:
            headers = {"Authorization": f"Bearer {token}"}
            page, response = timed(lambda: client.get("/lnd", headers=headers))
            assert response.status_code == 200, response.status_code
            api, _ = timed(lambda: client.get("/api/analytics", headers=headers))
        print(f"/lnd dashboard page: {page * 1000:.0f} ms (median of 3, {len(response.content) / 1024:.0f} KB); "
              f"/api/analytics: {api * 1000:.0f} ms")
        services.close()


if __name__ == "__main__":
    main()
