"""Search behaviour: hybrid beats each side on the demo's labelled questions, reindex changes nothing,
experts carry their evidence, and `answered` separates answerable from unanswerable questions."""

from __future__ import annotations

from benchmarks.datasets import demo_dataset
from benchmarks.quality import answered_accuracy, expert_scores, search_scores
from indexer.importer import import_files
from tests.factories import ANA, BO, PAYROLL, VPN, content, jsonl

QUESTIONS = ["my vpn token stopped working", "when do salaries get paid", "firewall rules", "payday weekend"]


def _results(finder):
    return [[(h.id, round(h.score, 3)) for h in finder.ask(q, k=5, log=False).results] for q in QUESTIONS]


# Gates: the figures benchmarks/README.md records for the demo (`python -m benchmarks.quality`), less about
# 0.03. Measured: dense nDCG@10 0.836, lexical 0.761, fused 0.869 (MRR@10 0.960); experts P@1 0.897
# (35 of 39 questions; 34 of 39 still passes), nDCG@10 0.851.
SEARCH_GATES = {"dense": 0.80, "lexical": 0.73, "hybrid": 0.84}


def test_hybrid_beats_dense_and_lexical_alone_on_the_demo_questions(demo_services):
    dataset = demo_dataset()
    scores = {method: search_scores(demo_services.finder, dataset, method) for method in SEARCH_GATES}
    ndcg = {method: round(found["nDCG@10"], 3) for method, found in scores.items()}
    assert ndcg["hybrid"] > ndcg["dense"] and ndcg["hybrid"] > ndcg["lexical"], ndcg
    assert all(ndcg[method] > gate for method, gate in SEARCH_GATES.items()), ndcg
    assert scores["hybrid"]["MRR@10"] > 0.93, scores["hybrid"]


def test_expert_ranking_finds_the_labelled_experts(demo_services):
    scores = expert_scores(demo_services.finder, demo_dataset())
    assert scores["P@1"] > 0.86 and scores["nDCG@10"] > 0.82, scores


def test_answered_decision_on_the_demo_questions(demo_services):
    # Calibrated for balanced accuracy across collections (issue 11): on the demo 27/39 answerable questions
    # are answered and 9/9 unanswerable ones not (the old cosine rule: 39/39 and 8/9, but near chance on
    # Cranfield's leave-out split). See `python -m benchmarks.quality --only answerability`.
    accuracy = answered_accuracy(demo_services.finder, demo_dataset())
    balanced = (accuracy["answerable marked answered"] + accuracy["unanswerable marked unanswered"]) / 2
    assert balanced > 0.8 and accuracy["answerable marked answered"] > 0.65, accuracy
    assert accuracy["unanswerable marked unanswered"] > 0.85, accuracy


def test_reindex_gives_the_same_results_as_incremental_updates(services, tmp_path):
    import_files(services.indexer, [jsonl(tmp_path / "1.jsonl", ANA, BO, VPN, PAYROLL, content("c-old", body="Obsolete."))])
    long_body = "\n\n".join(f"## Part {n}\n" + " ".join(["Firewall rule review step."] * 40) for n in range(4))
    import_files(services.indexer, [jsonl(
        tmp_path / "2.jsonl",
        content("c-fw", title="Firewall rules", body=long_body, authors=["p-ana"]),
        dict(PAYROLL, body=PAYROLL["body"] + " Bonuses are paid in March."),
        {"type": "content", "id": "c-old", "deleted": True},
    )])
    incremental = _results(services.finder)
    assert services.store.stats()["chunks"] > 3  # the long item was split

    services.rebuilding_indexer().reindex()
    assert _results(services.finder) == incremental
    assert services.indexes.counts() == {"chunks": services.store.stats()["chunks"], "profiles": 2}


def test_expert_why_names_items_and_skills(services, tmp_path):
    import_files(services.indexer, [jsonl(tmp_path / "x.jsonl", ANA, BO, VPN, PAYROLL)])
    experts = services.finder.experts("payroll: is payday moved when the 25th is a Sunday?", k=2, log=False)
    assert experts[0].id == "p-bo"
    assert experts[0].why == ["wrote 'When is payday?'", "skill: payroll"]
    assert experts[0].evidence == ["c-pay"]


def test_nobody_is_an_expert_on_a_topic_nothing_covers(services, tmp_path):
    import_files(services.indexer, [jsonl(tmp_path / "x.jsonl", ANA, BO, VPN, PAYROLL)])
    answer = services.finder.ask("how do I repot an orchid", k=3, log=False)
    assert answer.answered is False
    assert all(e.score < 0.2 for e in answer.experts)


def test_long_paragraph_questions_work(services, tmp_path):
    import_files(services.indexer, [jsonl(tmp_path / "x.jsonl", ANA, BO, VPN, PAYROLL)])
    question = (
        "I'm working from home this week and since this morning the remote access client keeps rejecting me. "
        "It shows a message that my one-time token is no longer valid. I already restarted my laptop twice and "
        "checked that my password has not expired, but nothing changed. My manager says there is some portal "
        "where you can get a fresh code but I can't find it. What should I do to get connected again?"
    )
    answer = services.finder.ask(question, k=2, log=False)
    assert answer.results[0].id == "c-vpn" and answer.answered
