"""The in-memory BM25 index: FTS5's tokens and scores, additions and removals, its file, and the change log."""

from __future__ import annotations

import sqlite3

import numpy as np
import pytest

from indexer.importer import import_files
from models import word_index
from models.word_index import WordIndex
from tests.factories import content, jsonl

PASSAGES = [
    (1, "Resetting your VPN token", "When the VPN client says the token expired, open the self-service portal."),
    (2, "Café opening hours", "The café on floor 2 opens at 8:00; the naïve espresso machine needs descaling."),
    (3, "Booking holidays", "Holiday requests go through the HR portal; managers approve them within a week."),
    (4, "CO₂ sensors", "Each meeting room has a CO₂ sensor; readings above 1000 ppm mean: open a window."),
    (5, "Relational databases", "Normalisation generalises relations; connecting tables by keys is relational."),
    (6, "Portal outage", "If the portal is down, ring the service desk; connected users keep their sessions."),
]
QUESTIONS = ["vpn token expired", "café hours", "holiday portal managers", "co₂ readings", "connecting relations",
             "portal", "generalization", "the service desk", "naive espresso", "nothing matches this"]


def _fts5(passages) -> sqlite3.Connection:
    """The FTS5 table the store keeps, with the same tokeniser and the same bm25() column weights."""
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE chunks_fts USING fts5(title, text, tokenize='porter unicode61')")
    db.executemany("INSERT INTO chunks_fts(rowid, title, text) VALUES (?, ?, ?)", passages)
    return db


def _fts5_search(db: sqlite3.Connection, words: list[str]) -> list[tuple[int, float]]:
    match = " OR ".join(f'"{w}"' for w in words)
    sql = ("SELECT rowid, -bm25(chunks_fts, 2.0, 1.0) AS s FROM chunks_fts WHERE chunks_fts MATCH ? "
           "ORDER BY s DESC, rowid LIMIT 100")
    return [tuple(row) for row in db.execute(sql, [match])]


def _index(passages=PASSAGES) -> WordIndex:
    index = WordIndex()
    index.add(passages)
    return index


@pytest.mark.parametrize("question", QUESTIONS)
def test_scores_are_fts5s_bm25(question):
    index, fts = _index(), _fts5(PASSAGES)
    words = question.split()
    ours = index.search(index.query_tokens(words), 100)
    theirs = _fts5_search(fts, words)
    assert [i for i, _ in ours] == [i for i, _ in theirs]
    assert np.allclose([s for _, s in ours], [s for _, s in theirs], rtol=1e-6)


def test_tokens_are_fts5s_porter_unicode61():
    text = " ".join(title + " " + body for _, title, body in PASSAGES) + " technology flexibly co_op µA"
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE t USING fts5(x, tokenize='porter unicode61')")
    db.execute("CREATE VIRTUAL TABLE v USING fts5vocab(t, 'row')")
    db.execute("INSERT INTO t(x) VALUES (?)", [text])
    assert sorted(set(WordIndex().tokeniser.tokens(text))) == [row[0] for row in db.execute("SELECT term FROM v")]


def test_removed_and_replaced_passages_leave_the_counts_and_a_merge_keeps_the_scores():
    index = _index()
    index.remove([3])
    index.add([(6, "Portal outage", "Ring the service desk.")])  # replaced: its old words are gone
    kept = [p for p in PASSAGES if p[0] != 3 and p[0] != 6] + [(6, "Portal outage", "Ring the service desk.")]
    fts = _fts5(kept)
    for words in (["portal"], ["holiday"], ["connected", "sessions"], ["desk", "vpn"]):
        before = index.search(index.query_tokens(words), 100)
        assert [i for i, _ in before] == [i for i, _ in _fts5_search(fts, words)]
        assert index.document_counts(index.query_tokens(words)) == {
            t: sum(t in index.tokeniser.tokens(f"{a} {b}") for _, a, b in kept) for t in index.query_tokens(words)}
    ranked = index.search(["portal", "desk"], 100)
    index.merge()
    assert index.search(["portal", "desk"], 100) == ranked
    assert index.count() == 5 and sorted(index.ids().tolist()) == [1, 2, 4, 5, 6]


def test_the_limit_keeps_the_best_and_ties_go_to_the_lower_id():
    index = _index([(n, "Same", "identical words here") for n in range(10, 0, -1)])
    assert [i for i, _ in index.search(["ident"], 3)] == [1, 2, 3]
    assert index.search(["ident"], 0) == [] and WordIndex().search(["ident"], 5) == []


def test_many_additions_merge_on_their_own(monkeypatch):
    monkeypatch.setattr(word_index, "MERGE_AT_LEAST", 20)
    index = _index([(n, f"Note {n}", f"shared words and token{n}") for n in range(200)])
    assert index._recent_count <= 20 and len(index._rows) > 0
    assert index.document_counts(["share", "token7"]) == {"share": 200, "token7": 1}
    assert [i for i, _ in index.search(["token7"], 5)] == [7]


def test_saved_and_loaded_alike_and_a_torn_or_foreign_file_is_rebuilt(tmp_path, monkeypatch):
    index = _index()
    index.remove([2])
    index.save(tmp_path / "chunks")
    loaded = WordIndex.load(tmp_path / "chunks")
    assert loaded.count() == 5
    for question in QUESTIONS:
        tokens = index.query_tokens(question.split())
        assert loaded.search(tokens, 100) == index.search(tokens, 100)
    path = tmp_path / "chunks.words.npz"
    path.write_bytes(path.read_bytes()[:200])
    assert WordIndex.load(tmp_path / "chunks") is None
    assert WordIndex.load(tmp_path / "missing") is None
    index.save(tmp_path / "chunks")
    monkeypatch.setattr(word_index, "TOKENISER", "another")
    assert WordIndex.load(tmp_path / "chunks") is None


def test_a_snapshot_saves_recent_postings_and_removals_without_merging_and_only_when_changed(tmp_path):
    index = _index()
    index.merge()
    index.add([(7, "Kettle descaling", "Vinegar descales the office kettle.")])  # recent, not merged
    index.remove([3])
    assert index._recent_count > 0
    index.save(tmp_path / "chunks")
    assert index._recent_count > 0  # saving did not merge
    loaded = WordIndex.load(tmp_path / "chunks")
    assert sorted(loaded.ids().tolist()) == [1, 2, 4, 5, 6, 7]
    for words in (["kettle"], ["holiday"], ["portal", "descal"], ["vpn", "token"]):
        tokens = index.query_tokens(words)
        assert loaded.search(tokens, 100) == index.search(tokens, 100)
        assert loaded.document_counts(tokens) == index.document_counts(tokens)
    assert index.snapshot() is None and loaded.snapshot() is None  # nothing changed since
    loaded.add([(8, "Kettle", "kettle")])
    assert loaded.snapshot() is not None


def test_the_live_index_follows_the_store_and_starts_from_its_file(make_services, tmp_path):
    services = make_services()
    first = content("c-a", title="Descaling the espresso machine", body="Run the descaling programme monthly.")
    import_files(services.indexer, [jsonl(tmp_path / "a.jsonl", first)])
    words = services.indexes.words
    assert [services.store.content_of_chunks([i])[i] for i, _ in words.search(["descal"], 5)] == ["c-a"]
    # A second process on the same folder writes; this one's words follow the change log before a search.
    other = make_services()
    second = content("c-b", title="Descaling kettles", body="Vinegar descales kettles.")
    import_files(other.indexer, [jsonl(tmp_path / "b.jsonl", second)])
    services.indexes.refresh_if_stale()
    assert {services.store.content_of_chunks([i])[i] for i, _ in words.search(["descal"], 5)} == {"c-a", "c-b"}
    services.indexes.save()
    restarted = make_services()
    assert sorted(restarted.indexes.words.ids().tolist()) == sorted(words.ids().tolist())
