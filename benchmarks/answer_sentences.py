"""Which sentence of a result's best passage answers the question: the lexical choice the cards use
(finder.snippets.sentence_scores) against encoding the passage's sentences and taking the one closest to
the question, on the demo organisation's labelled questions.

Reports, over the top result of each question (and the top 3 for agreement and cost):
- accuracy against hand labels (benchmarks/data/answer_sentences.jsonl: for 34 of the 48 questions, the
  opening of the question and pieces of the sentences that answer it in its top result's passage; the 14
  others' top passage does not answer them), for both choices;
- how often the two choices agree;
- what each costs per card (median), the encoding one on the machine it runs on;
- what a whole ask's snippets cost (answer_snippet for its 10 cards: plain text, sentences, choice, window).

Run: nice -n 19 .venv/bin/python -m benchmarks.answer_sentences [--data DIR] [--show]
(without --data the demo organisation is imported into a temporary folder first, a minute or two).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np  # noqa: E402

from finder.snippets import answer_range, answer_snippet, sentence_scores, sentences  # noqa: E402
from finder.terms import term_stems  # noqa: E402

LABELS = Path(__file__).resolve().parent / "data" / "answer_sentences.jsonl"
TOP = 3


def demo_questions() -> list[str]:
    from web.cli import DEMO_DIR

    found = []
    for path in sorted(DEMO_DIR.glob("questions_*.jsonl")):
        found += [json.loads(line)["text"] for line in path.read_text().splitlines() if line.strip()]
    return found


def load_labels() -> dict[str, list[str]]:
    """Question openings -> pieces of the sentences that answer them (any of them counts)."""
    rows = [json.loads(line) for line in LABELS.read_text().splitlines() if line.strip()]
    return {row["question"]: row["answer"] for row in rows}


def label_of(labels: dict[str, list[str]], question: str) -> list[str]:
    return next((answer for opening, answer in labels.items() if question.startswith(opening)), [])


def services_for(data: Path | None):
    from indexer.embedder import Embedder
    from indexer.importer import import_files
    from models.settings import Settings
    from web.cli import demo_files
    from web.services import Services

    if data is not None:
        return Services(Settings(data=data), Embedder())
    services = Services(Settings(data=Path(tempfile.mkdtemp(prefix="knowhow-answers-"))), Embedder())
    assert import_files(services.indexer, demo_files()).errors == []
    return services


def picked(found: list[str], scores: list[float]) -> set[int]:
    chosen = answer_range(found, scores)
    return set(range(*chosen)) if chosen else set()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, help="a data folder holding the demo organisation")
    parser.add_argument("--show", action="store_true", help="print each top passage's sentences and picks")
    args = parser.parse_args()
    services = services_for(args.data)
    finder, encoder = services.finder, services.finder.encoder
    labels = load_labels()
    right = {"lexical": 0, "encoded": 0}
    labelled = agree = cards = 0
    cost = {"lexical": [], "encoded": []}
    per_ask = []
    for question in demo_questions():
        vector, retrieval, _ = finder._retrieve(question)
        stems = term_stems(question)
        texts = {cid: row["text"] for cid, row in services.store.chunk_rows(
            item.chunk_id for item in retrieval.items[:max(10, TOP)]).items()}
        started = time.perf_counter()
        for item in retrieval.items[:10]:
            answer_snippet(texts.get(item.chunk_id, ""), stems)
        per_ask.append(time.perf_counter() - started)
        for rank, item in enumerate(retrieval.items[:TOP]):
            found = sentences(texts.get(item.chunk_id, ""))
            if not found:
                continue
            started = time.perf_counter()
            lexical = picked(found, sentence_scores(found, stems))
            cost["lexical"].append(time.perf_counter() - started)
            started = time.perf_counter()
            encoded = picked(found, list(np.asarray(encoder.encode(found)) @ vector))
            cost["encoded"].append(time.perf_counter() - started)
            cards += 1
            agree += lexical == encoded
            if rank:
                continue
            answer = label_of(labels, question)
            truth = {n for n, sentence in enumerate(found) for piece in answer if piece.lower() in sentence.lower()}
            if truth:  # a label whose sentence is not in the top passage (retrieval changed) is skipped
                labelled += 1
                right["lexical"] += bool(lexical & truth)
                right["encoded"] += bool(encoded & truth)
            if args.show:
                print(f"\n## {question}\n   [{item.content_id}] label: {answer!r}")
                for n, sentence in enumerate(found):
                    print(f"   {'L' if n in lexical else ' '}{'E' if n in encoded else ' '} {n:2} {sentence[:150]}")
    services.close()
    print(f"\n{cards} cards ({TOP} per question) on {len(demo_questions())} demo questions")
    if labelled:
        for name, count in right.items():
            print(f"{name:8} choice: the labelled answering sentence on {count}/{labelled} top results "
                  f"({count / labelled:.0%})")
    print(f"the two choices agree on {agree}/{cards} cards ({agree / cards:.0%})")
    for name, times in cost.items():
        print(f"{name:8} choice: median {statistics.median(times) * 1000:.2f} ms per card, "
              f"{sum(times) / len(times) * 1000:.2f} ms mean")
    print(f"an ask's 10 snippets (answer_snippet): median {statistics.median(per_ask) * 1000:.2f} ms")


if __name__ == "__main__":
    main()
