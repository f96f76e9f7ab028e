"""Routing a question to the people most likely to answer it, without asking the same few every time.

The expert ranker says who fits (`Expert.score`, on its absolute 0-1 scale). Routing keeps those at the
floor (`Expert.strong`: not the colleagues who only follow a covered question's lead), leaves out the
asker, people marked away and people already asked, and then prefers people who opted in to answering,
each one's fit discounted by the questions already waiting on them:

    rank = fit / (1 + LOAD_WEIGHT * waiting)

so an excellent expert with three open questions (rank = fit / 2.5) yields to a good one with none.
Nobody passing the floor means nobody is asked: the question goes to L&D, never to random colleagues.
"""

from __future__ import annotations

from dataclasses import dataclass

from finder.experts import Expert

LOAD_WEIGHT = 0.5
PER_ROUND = 3


@dataclass
class Candidate:
    expert: Expert
    opted_in: bool
    away: bool
    waiting: int

    @property
    def rank(self) -> float:
        return self.expert.score / (1 + LOAD_WEIGHT * self.waiting)


def choose_experts(candidates: list[Candidate], exclude: set[str], k: int = PER_ROUND) -> list[Expert]:
    """Up to `k` people to ask: at the floor (`Expert.strong`), not excluded or away; opted-in first, then by
    rank."""
    eligible = [c for c in candidates if c.expert.strong and c.expert.id not in exclude and not c.away]
    eligible.sort(key=lambda c: (not c.opted_in, -c.rank, c.expert.name))
    return [c.expert for c in eligible[:k]]
