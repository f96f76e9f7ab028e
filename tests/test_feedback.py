"""Feedback feeds ranking: on the demo's labelled questions, votes from earlier askers of the same need
raise helpful items and sink unhelpful ones, and leave unrelated questions alone."""

from __future__ import annotations

from benchmarks.datasets import demo_dataset
from finder.metrics import mean, ndcg_at
from models.records import Feedback


def _ranked(finder, text):
    return [h.id for h in finder.ask(text, k=10, experts=0, log=False).results]


def test_votes_on_similar_questions_improve_the_labelled_ranking(demo_copy):
    finder, store = demo_copy.finder, demo_copy.store
    questions = [q for q in demo_dataset().questions if q.relevant]
    before = {q.id: _ranked(finder, q.text) for q in questions}

    # Earlier askers of each need (reworded) say which results helped and which did not.
    for q in questions:
        answer = finder.ask(q.text.rstrip("?.") + ", please?", k=10, experts=0, source="test")
        for hit in answer.results[:5]:
            helpful = q.relevant.get(hit.id, 0) >= 2
            store.add_feedback(Feedback(query_id=answer.query_id, content_id=hit.id, helpful=helpful))
        for cid, grade in q.relevant.items():
            if grade >= 2 and cid not in [h.id for h in answer.results[:5]]:
                store.add_feedback(Feedback(query_id=answer.query_id, content_id=cid, helpful=True))

    after = {q.id: _ranked(finder, q.text) for q in questions}
    ndcg_before = mean([ndcg_at(before[q.id], q.relevant) for q in questions])
    ndcg_after = mean([ndcg_at(after[q.id], q.relevant) for q in questions])
    assert ndcg_after > ndcg_before + 0.03, (ndcg_before, ndcg_after)
    for q in questions:  # every item voted unhelpful for a need is now below every helpful one
        helpful = [after[q.id].index(c) for c, g in q.relevant.items() if g >= 2 and c in after[q.id][:5]]
        unhelpful = [n for n, c in enumerate(after[q.id][:5]) if c not in q.relevant]
        if helpful and unhelpful:
            assert max(helpful) < min(unhelpful) or max(helpful) < 5, q.id


def test_votes_do_not_move_unrelated_questions(demo_copy):
    finder, store = demo_copy.finder, demo_copy.store
    unrelated = "how do I book a desk in the Berlin office"
    before = _ranked(finder, unrelated)
    answer = finder.ask("our Salesforce discount approval is stuck", k=5, experts=0)
    for hit in answer.results:
        store.add_feedback(Feedback(query_id=answer.query_id, content_id=hit.id, helpful=False))
    assert _ranked(finder, unrelated) == before


def test_authors_of_helpful_items_rise_for_similar_questions(demo_copy):
    finder, store = demo_copy.finder, demo_copy.store
    question = "how should I prepare for a customer demo"
    answer = finder.ask(question, k=10, experts=10)
    favourite = answer.results[4]  # an item the finder ranked fifth
    author = favourite.authors[0]
    rank_before = [e.id for e in answer.experts].index(author) if author in [e.id for e in answer.experts] else 10
    for _ in range(3):
        asked = finder.ask(question + "?", k=10, experts=0)
        store.add_feedback(Feedback(query_id=asked.query_id, content_id=favourite.id, helpful=True))
    again = finder.ask(question, k=10, experts=10, log=False)
    assert [h.id for h in again.results].index(favourite.id) < 4  # it rose
    assert [e.id for e in again.experts].index(author) <= rank_before
