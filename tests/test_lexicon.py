"""Which query terms the lexical side matches on (finder.lexicon): common terms leave large corpora only."""

from finder.lexicon import COMMON_POSTINGS, TermCounts, informative
from indexer.importer import import_files
from tests.factories import content, jsonl

BIG = 1_000_000


def test_common_terms_are_left_out_of_large_corpora_only():
    counts = {"flow": 400_000, "nozzle": 1_200, "ablation": 30}
    assert informative(["flow", "nozzle", "ablation"], counts, BIG) == ["nozzle", "ablation"]
    # Below COMMON_POSTINGS a term is kept however large its share: small collections keep every term.
    assert informative(["flow", "nozzle"], {"flow": 900, "nozzle": 3}, 1_000) == ["flow", "nozzle"]
    # A share under COMMON_SHARE is kept however long its list.
    assert informative(["flow"], {"flow": COMMON_POSTINGS * 2}, BIG) == ["flow"]


def test_a_query_of_common_terms_keeps_the_rarest_and_terms_in_no_passage_go():
    counts = {"flow": 400_000, "pressure": 300_000, "zzz": 0}
    assert informative(["flow", "pressure", "zzz"], counts, BIG) == ["pressure"]
    assert informative(["zzz"], counts, BIG) == []
    assert informative([], counts, BIG) == []


def test_term_counts_come_from_the_full_text_index_and_are_cached(services, tmp_path):
    items = [content(f"c{i}", title=f"Note {i}", body="Boundary layer flow. " + ("Nozzle design. " if i < 3 else ""))
             for i in range(10)]
    import_files(services.indexer, [jsonl(tmp_path / "org.jsonl", *items)])
    counts = TermCounts(services.store)
    assert counts.informative(["flows", "nozzle", "absent"], 10) == ["flows", "nozzle"]  # Porter: flows = flow
    assert dict(counts._counts) == {"flows": 10, "nozzle": 3, "absent": 0}
    services.store.db.execute("DELETE FROM chunks_fts")  # a cached count is not taken again ...
    assert counts.informative(["nozzle"], 10) == ["nozzle"]
    assert counts.informative(["nozzle"], 12) == []  # ... until the corpus changed size by a tenth
