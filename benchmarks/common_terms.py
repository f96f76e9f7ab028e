"""What leaving common terms out of the lexical match costs in quality (finder.lexicon).

    python -m benchmarks.common_terms

The rule only acts on corpora of 100,000 passages and more, where no labelled collection exists here, so
its cost is measured by applying it in proportion on the labelled ones: without the absolute floor
(COMMON_POSTINGS = 0), a term in more than a given share of the passages is left out. Fused nDCG@10 per
collection and share; "off" is the ranking the collections get with the shipped setting (nothing left out
below 100,000 passages).
"""

from __future__ import annotations

import os

from benchmarks.datasets import all_datasets, devset, loaded
from benchmarks.quality import search_scores
from finder import lexicon

SHARES = (0.2, 0.1, 0.05, 0.02)


def main() -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    datasets = [*all_datasets(), devset("se_cardano")]
    embedder = None
    shipped = (lexicon.COMMON_SHARE, lexicon.COMMON_POSTINGS)
    print(f"Fused nDCG@10 when terms in more than a share of the passages are left out (shipped: share "
          f"{shipped[0]}, and more than {shipped[1]:,} passages)")
    print(f"   {'collection':<12}{'passages':>9}{'off':>8}" + "".join(f"{share:>8}" for share in SHARES))
    for dataset in [d for d in datasets if d is not None and any(q.relevant for q in d.questions)]:
        services = loaded(dataset, embedder)
        embedder = services.embedder
        row = [search_scores(services.finder, dataset)["nDCG@10"]]
        lexicon.COMMON_POSTINGS = 0
        for share in SHARES:
            lexicon.COMMON_SHARE = share
            row.append(search_scores(services.finder, dataset)["nDCG@10"])
        lexicon.COMMON_SHARE, lexicon.COMMON_POSTINGS = shipped
        passages = services.store.passage_count("chunks")
        print(f"   {dataset.name:<12}{passages:>9,}" + "".join(f"{v:>8.3f}" for v in row))
        services.close()


if __name__ == "__main__":
    main()
