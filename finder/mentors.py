"""Ranking mentors for a goal so the same few people are not asked for everything.

The finder says who fits a goal (`Expert.score`, on an absolute 0-1 scale). Among opted-in mentors this
re-ranks by fit and by how much room each one has:

    rank = fit * AVAILABILITY[availability] * (1 - LOAD_WEIGHT * min(accepted / capacity, 1))

- `availability` is what the mentor set on their profile: "available" 1.0, "limited" 0.6; "not_now"
  mentors are left out (they asked not to be approached).
- `accepted / capacity` is the share of their mentee places already taken by accepted requests; a full
  mentor (or one with capacity 0) keeps 1 - LOAD_WEIGHT = 40 % of their fit, so an excellent but busy
  mentor can still appear, below a good mentor with room.
"""

from __future__ import annotations

from dataclasses import dataclass

from finder.experts import Expert, strong

AVAILABILITY = {"available": 1.0, "limited": 0.6, "not_now": 0.0}
LOAD_WEIGHT = 0.6


@dataclass
class MentorMatch:
    expert: Expert
    rank: float
    availability: str
    accepted: int
    capacity: int

    @property
    def full(self) -> bool:
        return self.accepted >= self.capacity


def load_factor(accepted: int, capacity: int) -> float:
    used = 1.0 if capacity <= 0 else min(accepted / capacity, 1.0)
    return 1.0 - LOAD_WEIGHT * used


def rank_mentors(
    experts: list[Expert],
    people: dict[str, dict],
    accepted: dict[str, int],
    team: str = "",
    location: str = "",
    k: int = 10,
) -> list[MentorMatch]:
    """Opted-in, approachable mentors matching the filters, best rank first (ties: better fit, then name)."""
    matches = []
    for expert in strong(experts):
        person = people.get(expert.id)
        if person is None or not person["mentor"]:
            continue
        if team and person["team"].casefold() != team.casefold():
            continue
        if location and person["location"].casefold() != location.casefold():
            continue
        availability = person.get("availability") or "available"
        weight = AVAILABILITY.get(availability, 0.0)
        if weight <= 0:
            continue
        capacity = int(person.get("mentee_capacity", 2))
        taken = accepted.get(expert.id, 0)
        rank = expert.score * weight * load_factor(taken, capacity)
        matches.append(MentorMatch(expert, round(rank, 4), availability, taken, capacity))
    matches.sort(key=lambda m: (-m.rank, -m.expert.score, m.expert.name))
    return matches[:k]
