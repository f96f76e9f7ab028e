"""The answered decision's signals on hand-made retrievals: what each margin measures, without the model."""

from __future__ import annotations


import numpy as np
import pytest

from finder.answerability import REST, Signals, agreed, confidence, leaders_margin, signals
from finder.retrieval import ItemScore, Retrieval
from models.model_profile import MINILM


def retrieval(*scores: tuple[float, float]) -> Retrieval:
    """Items in the given (first result first) order, each with its (cosine, BM25)."""
    items = [ItemScore(f"c{n}", 1.0 - n / 100, dense, lexical, n) for n, (dense, lexical) in enumerate(scores)]
    return Retrieval(items)


def test_one_standout_leads_by_its_own_margin():
    background = [(0.3, 1.0)] * REST
    found = signals(retrieval((0.7, 10.0), *background))
    assert found == Signals(cosine=0.7, dense_margin=pytest.approx(0.4), lexical_margin=pytest.approx(0.9),
                            feedback=0.0)


def test_several_answers_lead_together():
    # Three answers at 0.7 hide each other's lead; as a group they stand 0.4 above the rest.
    scores = [0.7, 0.7, 0.7] + [0.3] * REST
    assert leaders_margin(sorted_desc(scores)) == pytest.approx(0.4)
    assert leaders_margin(sorted_desc(scores)) > scores[0] - sum(scores[1:REST + 1]) / REST + 0.04


def test_a_group_needs_a_full_background():
    # Three items: the mean of all of them must not pass for a lead, so only the first's own lead counts.
    assert leaders_margin(sorted_desc([0.7, 0.69, 0.3])) == pytest.approx(0.7 - (0.69 + 0.3) / 2)
    assert leaders_margin(sorted_desc([0.7])) == pytest.approx(0.7)


def test_the_lexical_margin_is_that_of_the_item_both_sides_agree_on():
    background = [(0.3, 1.0)] * REST
    agreeing = signals(retrieval((0.6, 10.0), (0.1, 2.0), *background))
    # The same scores, but the keyword standout means something else (cosine 0.1): the best match by
    # meaning barely shares a word with the question, and that is what counts.
    disagreeing = signals(retrieval((0.6, 2.0), (0.1, 10.0), *background))
    assert agreeing.lexical_margin > 0.8
    assert disagreeing.lexical_margin < 0.1
    assert confidence(MINILM.answer_model, disagreeing) < confidence(MINILM.answer_model, agreeing)


def test_the_agreed_item_weighs_meaning_over_words_as_fusion_does():
    meaning, words = retrieval((0.6, 2.0), (0.1, 10.0)).items
    assert agreed([meaning, words], 10.0) is meaning
    meaning, words = retrieval((0.6, 2.0), (0.5, 10.0)).items  # close by meaning too: now the words count
    assert agreed([meaning, words], 10.0) is words


def test_no_word_matched_gives_no_lexical_margin_and_nothing_retrieved_no_signals():
    assert signals(retrieval((0.5, 0.0), (0.2, 0.0))).lexical_margin == 0.0
    assert signals(retrieval()) is None
    assert confidence(MINILM.answer_model, None) == 0.0


def test_feedback_on_the_first_result_is_its_share_of_the_score():
    found = signals(retrieval((0.5, 1.0), (0.2, 0.5)), adjust={"c0": 10.0, "c1": -10.0})
    assert found.feedback == 1.0



def sorted_desc(scores: list[float]) -> np.ndarray:
    return np.sort(np.array(scores))[::-1]
