"""Writes never stall searches: a long item embeds outside the index lock, two writes at once embed each
passage once, and an over-limit body is refused with 413 however it is sent."""

from __future__ import annotations

import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from indexer.importer import import_files
from indexer.pipeline import Indexer
from models.records import Content
from tests.factories import ANA, VPN, jsonl

THREE_MB = 3_000_000  # over the default 2,000,000-byte request limit


class HeldEmbedder:
    """The real model, held at the door: `encode` (the write path) waits until `release` is set, so a
    test can act while an embedding is in progress for as long as it needs. Queries are not held."""

    def __init__(self, real):
        self.real, self.name, self.dim = real, real.name, real.dim
        self.entered, self.release = threading.Event(), threading.Event()
        self.encoded: list[str] = []

    def encode(self, texts: list[str]):
        self.entered.set()
        self.release.wait()
        self.encoded += texts
        return self.real.encode(texts)

    def encode_query(self, text: str):
        return self.real.encode_query(text)


def _long_item(cid: str, topic: str, sections: int = 8) -> Content:
    body = "\n\n".join(f"## {topic} part {n}\n" + f"Step {n} of the {topic} procedure, explained at length. " * 12
                       for n in range(sections))
    return Content(id=cid, title=f"The {topic} handbook", body=body)


def test_a_search_answers_while_a_long_item_is_embedding(services, tmp_path):
    import_files(services.indexer, [jsonl(tmp_path / "x.jsonl", ANA, VPN)])
    held = HeldEmbedder(services.embedder)
    indexer = Indexer(services.store, held, services.indexes, services.settings)
    saving = threading.Thread(target=indexer.save_content, args=(_long_item("c-long", "warehouse forklift"),))
    saving.start()
    with ThreadPoolExecutor(1) as pool:
        try:
            assert held.entered.wait(60)
            search = pool.submit(services.finder.ask, "my VPN token expired", k=3)
            answer = search.result(timeout=60)  # before the fix this waited for the whole embedding
            assert not held.release.is_set() and saving.is_alive()  # the embedding was still in progress
        finally:
            held.release.set()
            saving.join()
    assert answer.results[0].id == "c-vpn"
    assert services.finder.ask("forklift procedure handbook", k=1, log=False).results[0].id == "c-long"
    assert services.store.stats()["chunks_pending"] == 0


def test_two_writes_at_once_embed_each_passage_once(services):
    held = HeldEmbedder(services.embedder)
    indexer = Indexer(services.store, held, services.indexes, services.settings)
    first = threading.Thread(target=indexer.save_content, args=(_long_item("c-a", "payroll"),))
    second = threading.Thread(target=indexer.save_content, args=(_long_item("c-b", "onboarding"),))
    first.start()
    try:
        assert held.entered.wait(60)
        second.start()  # its passages are stored while the first write's are still embedding
        second.join(timeout=0.5)  # time to reach its own embedding step, where it must wait its turn
    finally:
        held.release.set()
        first.join()
        second.join()
    stored = services.store.passage_texts("chunks", services.store.passage_ids("chunks", pending_only=False))
    assert Counter(held.encoded) == Counter(stored.values())  # every passage embedded exactly once
    assert services.store.stats()["chunks_pending"] == 0
    assert services.indexes.counts()["chunks"] == len(stored)


def _json_body(size: int):
    """A content item of about `size` bytes, sent in pieces without a Content-Length (chunked)."""
    yield b'{"title": "Big", "body": "'
    for _ in range(size // 65536):
        yield b"a" * 65536
    yield b'"}'


def _form_body(size: int):
    yield b"username=ana&password="
    for _ in range(size // 65536):
        yield b"a" * 65536


def test_a_chunked_body_over_the_limit_gets_413_with_a_json_reason(http):
    too_big = http.put("/api/content/c-big", content=_json_body(THREE_MB), headers={"content-type": "application/json"})
    assert (too_big.status_code, too_big.json()) == (413, {"detail": "request body larger than 2,000,000 bytes"})
    form = http.post("/login", content=_form_body(THREE_MB),
                     headers={"content-type": "application/x-www-form-urlencoded"})
    assert (form.status_code, form.json()) == (413, {"detail": "request body larger than 2,000,000 bytes"})
    assert http.get("/api/content/c-big").status_code == 404


def test_a_chunked_body_under_the_limit_is_read_whole(http):
    fits = http.put("/api/content/c-fits", content=_json_body(300_000), headers={"content-type": "application/json"})
    assert fits.status_code == 201, fits.text
    assert len(fits.json()["body"]) == 300_000 // 65536 * 65536


def test_a_long_item_answers_at_once_and_embeds_in_the_background(make_services):
    """Hole 10's other half: the writer of a long item is not kept waiting for the model either."""
    services = make_services(inline_embed_passages=2)
    held = HeldEmbedder(services.embedder)
    indexer = Indexer(services.store, held, services.indexes, services.settings)
    try:
        indexer.save_content(_long_item("c-long", "warehouse forklift"))  # returns while the model is held
        assert not held.release.is_set() and services.store.stats()["chunks_pending"] > 2
        by_words = services.finder.ask("forklift procedure handbook", k=1, mode="lexical", log=False)
        assert by_words.results[0].id == "c-long"
    finally:
        held.release.set()
    deadline = time.monotonic() + 120
    while services.store.stats()["chunks_pending"] and time.monotonic() < deadline:
        time.sleep(0.1)
    assert services.store.stats()["chunks_pending"] == 0
    assert services.finder.ask("forklift procedure handbook", k=1, log=False).results[0].id == "c-long"
