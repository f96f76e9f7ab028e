"""The L&D dashboard's figures for a period: usage, answer and helpful rates, who asks, what is read,
who contributes."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from models.store import Store


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 3) if whole else None


@dataclass
class Analytics:
    since: str
    until: str
    totals: dict
    daily: list[dict]
    by_team: list[dict]
    by_location: list[dict]
    top_questions: list[dict]
    top_content: list[dict]
    contributions: list[dict]
    top_contributors: list[dict]

    def tables(self) -> dict[str, list[dict]]:
        """Every table of the dashboard by name (each is exportable as CSV)."""
        return {
            "daily": self.daily, "by_team": self.by_team, "by_location": self.by_location,
            "top_questions": self.top_questions, "top_content": self.top_content,
            "contributions": self.contributions, "top_contributors": self.top_contributors,
        }


def analytics(store: Store, since: str, until: str) -> Analytics:
    """Each aggregate scans the period once; they run side by side (SQLite releases the GIL, and each
    thread has its own connection), so the page waits for the slowest, not for their sum."""
    with ThreadPoolExecutor(max_workers=4) as pool:
        jobs = {
            "totals": pool.submit(store.search_totals, since, until),
            "daily": pool.submit(store.daily_searches, since, until),
            "by_team": pool.submit(store.searches_by, "team", since, until),
            "by_location": pool.submit(store.searches_by, "location", since, until),
            "top_questions": pool.submit(store.top_questions, since, until),
            "top_content": pool.submit(store.top_content, since, until),
            "contributions": pool.submit(store.contributions_by_month, since, until),
            "top_contributors": pool.submit(store.top_contributors),
        }
        got = {name: job.result() for name, job in jobs.items()}
    totals = got["totals"]
    totals["answer_rate"] = _rate(totals["answered"], totals["searches"])
    totals["helpful_rate"] = _rate(totals["helpful_votes"], totals["votes"])
    for row in got["daily"] + got["by_team"] + got["by_location"]:
        row["answer_rate"] = _rate(row["answered"], row["searches"])
    return Analytics(since=since, until=until, **got)
