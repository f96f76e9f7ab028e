"""The L&D dashboard's figures for a period: usage, answer and helpful rates, who asks, what is read,
who contributes."""

from __future__ import annotations

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
    totals = store.search_totals(since, until)
    totals["answer_rate"] = _rate(totals["answered"], totals["searches"])
    totals["helpful_rate"] = _rate(totals["helpful_votes"], totals["votes"])
    daily = store.daily_searches(since, until)
    for row in daily:
        row["answer_rate"] = _rate(row["answered"], row["searches"])
    by_team, by_location = store.searches_by("team", since, until), store.searches_by("location", since, until)
    for row in by_team + by_location:
        row["answer_rate"] = _rate(row["answered"], row["searches"])
    return Analytics(
        since=since, until=until, totals=totals, daily=daily, by_team=by_team, by_location=by_location,
        top_questions=store.top_questions(since, until), top_content=store.top_content(since, until),
        contributions=store.contributions_by_month(since, until), top_contributors=store.top_contributors(),
    )
