"""The expert ranker's arithmetic on hand-made evidence (no model, no store): how item and profile scores
become a person's score, with the weights and bounds the product ships."""

from __future__ import annotations

import pytest

from finder.experts import ExpertWeights, Scoring
from models.model_profile import MINILM

SCORING = Scoring(MINILM.expert_unrelated, MINILM.expert_related, ExpertWeights())
FLOOR = MINILM.expert_floor


def written(*scores: float) -> float:
    """The summed strengths of a person's items scoring `scores` (each written alone)."""
    return sum(SCORING.strength(s) for s in scores)


def test_strength_is_nothing_below_the_lower_bound_full_above_the_upper_and_squared_between():
    low, high = MINILM.expert_unrelated, MINILM.expert_related
    middle = (low + high) / 2
    assert [SCORING.strength(s) for s in (low - 0.1, low, middle, high, high + 0.1)] == pytest.approx(
        [0.0, 0.0, 0.25, 1.0, 1.0])


def test_one_close_match_outweighs_several_loose_ones():
    assert SCORING.score(written(0.75), 0.0, 5, 20) > SCORING.score(written(0.35, 0.35, 0.35), 0.0, 5, 20)


def test_many_loose_matches_add_up_as_document_voting_counts_them():
    assert SCORING.score(written(*[0.45] * 10), 0.0, 10, 20) > SCORING.score(written(0.6), 0.0, 10, 20)


def test_contributions_break_near_ties_but_never_beat_clearly_stronger_evidence():
    assert SCORING.score(written(0.6), 0.0, 40, 50) > SCORING.score(written(0.6), 0.0, 2, 50)
    assert SCORING.score(written(0.7), 0.0, 1, 50) > SCORING.score(written(0.55), 0.0, 50, 50)


def test_the_floor_needs_real_evidence():
    nothing_close = SCORING.score(written(0.25, 0.25, 0.3), 0.3, 50, 50)
    job_title_near = SCORING.score(0.0, 0.36, 0, 50)
    profile_names_it = SCORING.score(0.0, 0.42, 0, 50)
    one_good_item = SCORING.score(written(0.5), 0.0, 5, 50)
    assert nothing_close < FLOOR and job_title_near < FLOOR
    assert profile_names_it >= FLOOR and one_good_item >= FLOOR


def test_scores_stay_between_zero_and_one():
    assert SCORING.score(0.0, 0.0, 0, 0) == 0.0
    assert 0.9 < SCORING.score(written(*[0.95] * 30), 0.95, 50, 50) <= 1.0
