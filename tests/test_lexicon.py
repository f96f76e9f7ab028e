"""Which query terms the lexical side matches on (finder.lexicon): common terms leave large corpora only."""

from finder import lexicon
from finder.lexicon import COMMON_POSTINGS, informative
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


def test_search_counts_terms_in_the_word_index_and_leaves_common_ones_out(services, tmp_path, monkeypatch):
    items = [content(f"c{i}", title=f"Note {i}", body="Boundary layer flow. " + ("Nozzle design. " if i < 3 else ""))
             for i in range(10)]
    import_files(services.indexer, [jsonl(tmp_path / "org.jsonl", *items)])
    words = services.indexes.words
    tokens = words.query_tokens(["flows", "nozzle", "absent"])
    assert tokens == ["flow", "nozzl", "absent"]  # Porter: flows = flow
    assert words.document_counts(tokens) == {"flow": 10, "nozzl": 3, "absent": 0}
    answer = services.finder.ask("nozzle flows", log=False)
    assert {hit.id for hit in answer.results[:3]} == {"c0", "c1", "c2"}
    # With "flow" common (in every passage, over the bar), only the nozzle notes match by words.
    monkeypatch.setattr(lexicon, "COMMON_POSTINGS", 5)
    lexical = services.finder.ask("nozzle flows", mode="lexical", log=False)
    assert {hit.id for hit in lexical.results} == {"c0", "c1", "c2"}
