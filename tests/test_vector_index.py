"""The FAISS interface: exact and HNSW behave alike; files are checked; drift with SQLite is repaired."""

from __future__ import annotations

import numpy as np
import pytest

from indexer.importer import import_files
from models.errors import IndexMismatchError
from models.vector_index import VectorIndex
from tests.factories import ANA, BO, PAYROLL, VPN, jsonl


def _unit(n: int, dim: int = 16, seed: int = 0) -> np.ndarray:
    vectors = np.random.default_rng(seed).normal(size=(n, dim)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


@pytest.mark.parametrize("kind", ["flat", "hnsw"])
def test_add_search_remove_and_reload(kind, tmp_path):
    vectors = _unit(200)
    ids = np.arange(1000, 1200, dtype=np.int64)
    index = VectorIndex(16, "m", kind)
    index.add(ids, vectors)
    scores, found = index.search(vectors[:3], 1)
    assert found[:, 0].tolist() == [1000, 1001, 1002]
    assert np.allclose(scores[:, 0], 1.0, atol=1e-5 if kind == "flat" else 1e-3)  # HNSW: 16-bit floats

    index.remove([1000, 1001])
    assert index.count() == 198
    _, found = index.search(vectors[:2], 5)
    assert 1000 not in found and 1001 not in found

    index.save(tmp_path / "x")
    loaded = VectorIndex.load(tmp_path / "x", "m", 16)
    assert loaded.kind == kind and loaded.count() == 198
    assert sorted(loaded.ids().tolist()) == list(range(1002, 1200))


@pytest.mark.parametrize("kind", ["flat", "hnsw"])
def test_stored_vectors_are_read_back_by_id_through_removals_compaction_and_reload(kind, tmp_path, monkeypatch):
    """Searches rescore their candidates with vectors read from the index, not the database."""
    vectors = _unit(60, seed=3)
    index = VectorIndex(16, "m", kind)
    index.add(np.arange(100, 150), vectors[:50])
    index.remove([100, 101, 120])
    index.add([102], vectors[50:51])  # replaced
    ids, found = index.vectors([102, 103, 120, 999, 149])
    assert ids.tolist() == [102, 103, 149]
    # HNSW gives back what its 16-bit floats hold: close to the vectors, and the same ever after.
    same = np.array_equal if kind == "flat" else lambda a, b: np.allclose(a, b, atol=1e-3)
    assert same(found, vectors[[50, 3, 49]])
    before = index.vectors(range(100, 150))[1]
    monkeypatch.setattr("models.vector_index.TOMBSTONE_REBUILD_SHARE", 0.0)
    index.remove([104])  # HNSW: compacts now
    index.save(tmp_path / "x")
    kept = np.r_[0:2, 3:47]  # the rows of `before` but 104's
    for held in (index, VectorIndex.load(tmp_path / "x", "m", 16)):
        ids, found = held.vectors(range(100, 150))
        assert ids.tolist() == [102, 103] + list(range(105, 120)) + list(range(121, 150))
        assert same(found, np.vstack([vectors[50], vectors[3], vectors[5:20], vectors[21:50]]))
        assert np.array_equal(found, before[kept])
    assert index.vectors([])[1].shape == (0, 16)


@pytest.mark.parametrize("kind", ["flat", "hnsw"])
def test_readding_an_id_replaces_it_also_after_it_was_removed_and_reloaded(kind, tmp_path):
    """HNSW hides removed vectors instead of deleting them: hiding by id hid the new copy of an id added
    again (the change log replays adds an index may hold already), so the passage was never found."""
    index = VectorIndex(16, "m", kind)
    vectors = _unit(40, seed=1)
    index.add(np.arange(30), vectors[:30])
    index.add([7], vectors[30:31])
    assert index.count() == 30
    assert index.search(vectors[30:31], 1)[1][0, 0] == 7
    assert 7 not in index.search(vectors[7:8], 2)[1][0]  # the old vector of 7 is gone
    index.remove([8])
    index.add([8], vectors[31:32])
    assert index.search(vectors[31:32], 1)[1][0, 0] == 8 and index.count() == 30
    index.save(tmp_path / "x")
    loaded = VectorIndex.load(tmp_path / "x", "m", 16)
    loaded.add([9], vectors[32:33])
    assert [loaded.search(vectors[n:n + 1], 1)[1][0, 0] for n in (30, 31, 32)] == [7, 8, 9]
    assert sorted(loaded.ids().tolist()) == list(range(30)) and loaded.count() == 30


def test_search_on_empty_index_returns_no_ids():
    scores, ids = VectorIndex(16, "m").search(_unit(1), 3)
    assert ids.tolist() == [[-1, -1, -1]]


def test_load_refuses_another_model(tmp_path):
    index = VectorIndex(16, "model-a")
    index.add([1], _unit(1))
    index.save(tmp_path / "x")
    with pytest.raises(IndexMismatchError, match="run `knowhow reindex`"):
        VectorIndex.load(tmp_path / "x", "model-b", 16)


def test_torn_files_are_ignored_and_rebuilt_from_sqlite(services, make_services, tmp_path):
    import_files(services.indexer, [jsonl(tmp_path / "x.jsonl", ANA, BO, VPN, PAYROLL)])
    (services.settings.index_dir / "chunks.faiss").write_bytes(b"garbage")
    restarted = make_services(services.settings.data)
    assert restarted.indexes.counts() == {"chunks": 2, "profiles": 2}
    assert restarted.finder.ask("vpn token expired", k=1, log=False).results[0].id == "c-vpn"


def test_start_up_repairs_drift_between_index_and_store(services, make_services, tmp_path):
    import_files(services.indexer, [jsonl(tmp_path / "x.jsonl", ANA, BO, VPN)])
    saved = services.settings.index_dir / "chunks.faiss"
    stale = saved.read_bytes(), (services.settings.index_dir / "chunks.json").read_text()
    # A second write whose index save is 'lost', as if the process died right after its commit.
    import_files(services.indexer, [jsonl(tmp_path / "y.jsonl", PAYROLL, {"type": "content", "id": "c-vpn", "deleted": True})])
    saved.write_bytes(stale[0])
    (services.settings.index_dir / "chunks.json").write_text(stale[1])

    restarted = make_services(services.settings.data)
    assert restarted.indexes["chunks"].ids().tolist() == restarted.store.vector_ids("chunks").tolist()
    assert [h.id for h in restarted.finder.ask("when do we get paid", k=5, log=False).results] == ["c-pay"]


def test_stored_vectors_of_another_model_are_refused_until_reindex(services, make_services, tmp_path):
    import_files(services.indexer, [jsonl(tmp_path / "x.jsonl", ANA, VPN)])
    services.store.set_meta("vector_model", "some-other-model")
    with pytest.raises(IndexMismatchError, match="reindex"):
        make_services(services.settings.data).indexes


def test_another_process_writes_are_applied_from_the_change_log_not_a_table_scan(services, make_services, tmp_path):
    """Two processes on one store (two workers): what one embeds or deletes, the other's indexes take from the
    log of vector changes before its next search; a writer far ahead is caught up by comparing tables."""
    import_files(services.indexer, [jsonl(tmp_path / "x.jsonl", ANA, BO, VPN)])
    other = make_services(services.settings.data)
    assert other.finder.ask("vpn token expired", k=1, log=False).results[0].id == "c-vpn"
    scans = []
    vector_ids = other.store.vector_ids
    other.store.vector_ids = lambda table: scans.append(table) or vector_ids(table)

    import_files(services.indexer, [jsonl(tmp_path / "y.jsonl", PAYROLL, {"type": "content", "id": "c-vpn", "deleted": True})])
    assert [h.id for h in other.finder.ask("when do we get paid", k=5, log=False).results] == ["c-pay"]
    assert scans == []
    assert sorted(other.indexes["chunks"].ids().tolist()) == sorted(services.store.vector_ids("chunks").tolist())
    assert other.indexes.applied == services.store.latest_vector_change()

    import_files(services.indexer, [jsonl(tmp_path / "z.jsonl", VPN)])
    services.store.prune_vector_changes(keep=0)  # a replica behind what the log still holds compares tables
    assert other.finder.ask("vpn token expired", k=1, log=False).results[0].id == "c-vpn"
    assert scans == ["chunks", "profiles"]


@pytest.mark.sqlite_only("SQLite's change counters (PostgreSQL: tests/test_postgres.py)")
def test_storing_a_vector_logs_no_word_change_and_a_text_change_logs_one(services, tmp_path):
    import_files(services.indexer, [jsonl(tmp_path / "x.jsonl", ANA, VPN)])
    db = services.store.db
    chunk_id = db.execute("SELECT id FROM chunks").fetchone()[0]
    changes = lambda: db.execute("SELECT total_changes()").fetchone()[0]  # noqa: E731
    before = changes()
    with services.store.transaction():
        services.store.set_vectors("chunks", [chunk_id], _unit(1, 384))
    assert changes() - before == 2  # the row and its entry in the vector change log: no words to re-index
    assert not db.execute("SELECT name FROM sqlite_master WHERE name LIKE '%_fts%'").fetchall()  # m023
    db.execute("UPDATE chunks SET text = 'printer toner replacement' WHERE id = ?", [chunk_id])
    services.indexes.refresh_if_stale()
    words = services.indexes.words
    assert [i for i, _ in words.search(["toner"], 5)] == [chunk_id]
    assert chunk_id not in [i for i, _ in words.search(["portal"], 5)]  # the old text's words are gone


@pytest.mark.sqlite_only("SQLite's query plan")
def test_the_passages_left_to_embed_are_found_through_their_own_index_not_a_scan(services):
    """Every save and resume asks for the passages without a vector; a scan of the whole table took 178 ms
    at 100,000 passages."""
    for table in ("chunks", "profiles"):
        plan = " ".join(row[-1] for row in services.store.db.execute(
            f"EXPLAIN QUERY PLAN SELECT id FROM {table} WHERE vector IS NULL ORDER BY length(text), id"))
        assert f"idx_{table}_pending" in plan, plan


def test_an_hnsw_file_of_32_bit_floats_is_not_loaded_so_it_is_rebuilt_in_16_bits(tmp_path):
    """Files saved before HNSW kept 16-bit floats: loading one would give back an index whose vectors the
    code reads as 16-bit, so it is refused and the caller rebuilds it from the database."""
    import faiss

    old = faiss.IndexIDMap2(faiss.IndexHNSWFlat(16, 8, faiss.METRIC_INNER_PRODUCT))
    old.add_with_ids(_unit(20), np.arange(20, dtype=np.int64))
    faiss.write_index(old, str(tmp_path / "x.faiss"))
    (tmp_path / "x.json").write_text('{"model": "m", "dim": 16, "kind": "hnsw", "ntotal": 20}')
    assert VectorIndex.load(tmp_path / "x", "m", 16) is None
