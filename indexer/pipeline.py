"""Write path: records into SQLite, passages chunked, vectors embedded in batches, indexes updated.

Every step commits before the next starts, so a crash leaves SQLite consistent and the remaining work
visible (passages whose vector is NULL); `resume` finishes it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from uuid import uuid4

import numpy as np

from indexer.chunking import chunk_markdown
from indexer.embedder import Embedder
from models.chunk_store import chunk_title
from models.errors import InvalidInputError
from models.index_set import TABLES, IndexSet
from models.records import Content, Person, utc_now
from models.settings import Settings
from models.store import Store
from models.vector_index import VectorIndex

Progress = Callable[[str, int, int], None]
# How long a claim on passages being embedded holds: far longer than a batch takes (seconds), so only the
# claims of a process that died mid-batch run out, and its passages are embedded by another.
CLAIM_TIME = timedelta(minutes=2)


def no_progress(stage: str, done: int, total: int) -> None:
    return None


@dataclass
class Changes:
    people: list[Person]
    content: list[Content]
    deleted_people: list[str]
    deleted_content: list[str]
    # Imported files (rows of the store's `sources`) and files gone: stored with the items they made, in one
    # transaction, so a file is never recorded as imported without its item.
    sources: list[dict] = field(default_factory=list)
    gone_sources: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, people=(), content=(), deleted_people=(), deleted_content=()) -> Changes:
        return cls(list(people), list(content), list(deleted_people), list(deleted_content))


class Indexer:
    def __init__(self, store: Store, embedder: Embedder, indexes: IndexSet, settings: Settings,
                 claimant: str | None = None, alive: Callable[[str], bool] = lambda name: True):
        """`claimant`: this process's name on the passages it embeds; `alive` tells whether the process behind
        another name still runs (web.services: models.liveness), so a dead one's claims are taken at once
        rather than when they run out."""
        self.store, self.embedder, self.indexes, self.settings = store, embedder, indexes, settings
        self._embedding = threading.Lock()  # not the index lock: searches never wait on the model
        self.claimant, self.alive = claimant or uuid4().hex, alive

    def chunk(self, item: Content):
        return chunk_markdown(item.id, item.body, self.settings.chunk_words, self.settings.chunk_overlap_words)

    def apply(self, changes: Changes, progress: Progress = no_progress) -> None:
        """Store a batch of upserts and deletions in one transaction, then embed and index what changed."""
        with self.store.transaction():
            self._write(changes)
        self.resume(progress)

    def _write(self, changes: Changes) -> None:
        """The SQLite side of `apply`, inside the caller's transaction."""
        self.store.upsert_people(changes.people)
        self.store.upsert_content(changes.content)
        self.store.replace_chunks(dict(self._changed_chunks(changes.content)))
        self.store.delete_content(changes.deleted_content)
        self.store.delete_people(changes.deleted_people)
        self.store.delete_sources(changes.gone_sources)
        self.store.upsert_sources(changes.sources)
        self.store.bump_generation()

    def resume(self, progress: Progress = no_progress) -> int:
        """Embed every passage still without a vector, batch by batch, then bring the indexes in step.

        The model runs outside the index lock, which searches take: a long item embedding for a minute
        must not stall them. Embedding has its own lock instead, so two resumes (two writes at once)
        never embed the same passage twice; the second finds only what the first left. Across processes
        the passages' claims do the same (`_embed`).
        """
        embedded = 0
        with self._embedding:
            for table in TABLES:
                ids = self.store.passage_ids(table, pending_only=True)
                # Each committed batch reaches the live indexes through the change log, as every other
                # process's writes do: a passage deleted by another write meanwhile never enters them.
                embedded += self._embed(table, ids, lambda ids, vectors: self.indexes.refresh_if_stale(), progress)
        with self.indexes.lock:
            self.indexes.refresh_if_stale()  # deletions, and what other processes embedded meanwhile
            if embedded:
                self.indexes.save()
        return embedded

    def _embed(self, table: str, ids: list[int], add: Callable[[list[int], np.ndarray], None], progress: Progress,
               pending: bool = True) -> int:
        """Encode passages in batches; each batch commits its vectors before `add` puts them in an index,
        so work survives a crash. `pending` passages (those without a vector) are claimed batch by batch
        first: one that another process on this store (a second worker) is embedding stays its work.
        Returns how many this call embedded."""
        total, embedded = len(ids), 0
        if total:
            progress(table, 0, total)
        size = self.settings.index_batch_size
        for start in range(0, total, size):
            batch = ids[start : start + size]
            if pending:
                now = utc_now()
                batch = self.store.claim_passages(table, batch, self.claimant, now.isoformat(),
                                                  (now + CLAIM_TIME).isoformat(), self.alive)
            texts = self.store.passage_texts(table, batch)
            batch = [i for i in batch if i in texts]  # a passage deleted meanwhile is skipped
            vectors = self.embedder.encode([texts[i] for i in batch])
            with self.store.transaction():
                self.store.set_vectors(table, batch, vectors)
                if pending:
                    self.store.release_passages(table, batch, self.claimant)
                self.store.bump_generation()
            add(batch, vectors)
            embedded += len(batch)
            progress(table, min(start + size, total), total)
        if embedded and self.store.get_meta("vector_model") is None:
            self.store.set_meta("vector_model", self.embedder.name)
        return embedded

    def reindex(self, progress: Progress = no_progress) -> int:
        """Rebuild everything from SQLite: re-chunk what changed, re-embed all with the configured model.

        The old indexes keep answering until the new ones are complete, and stored vectors are
        overwritten batch by batch, so an interrupted reindex leaves a working service and can be re-run.
        """
        with self.store.transaction():
            self.store.replace_chunks(dict(self._changed_chunks(self._all_content())))
            self.store.upsert_people(self._all_people())
            self.store.bump_generation()
        fresh = {table: VectorIndex(self.embedder.dim, self.embedder.name) for table in TABLES}
        embedded = 0
        with self._embedding:
            for table in TABLES:
                ids = self.store.passage_ids(table, pending_only=False)
                embedded += self._embed(table, ids, fresh[table].add, progress, pending=False)
        with self.store.transaction():
            self.store.set_meta("vector_model", self.embedder.name)
        with self.indexes.lock:
            self.indexes.indexes.update(fresh)
            self.indexes.sync()
            self.indexes.save()
        return embedded

    def _changed_chunks(self, items: Iterable[Content]):
        """(id, (title, passages)) for items whose passages differ from the stored ones; unchanged
        items keep their passages and vectors, so re-importing the same data embeds nothing."""
        for item in items:
            chunks = self.chunk(item)
            new = [(c.position, chunk_title(item.title, c.heading), c.text) for c in chunks]
            if new != self.store.stored_chunks(item.id):
                yield item.id, (item.title, chunks)

    def _all_content(self) -> list[Content]:
        ids = self.store.all_content_ids()
        rows = self.store.content_by_ids(ids)
        return [Content(**record_fields(rows[i], Content)) for i in ids]

    def _all_people(self) -> list[Person]:
        ids = self.store.all_person_ids()
        rows = self.store.people_by_ids(ids)
        return [Person(**record_fields(rows[i], Person)) for i in ids]

    def save_content(self, item: Content, edited_by: str | None = None) -> None:
        """Store one item (from the API or a form) and make it findable by the next search.
        The state it replaces is kept as a version, in the same transaction as the item: a write that
        fails leaves neither behind."""
        with self.store.transaction():
            unknown = set(item.authors) - self.store.existing_person_ids(item.authors)
            if unknown:
                raise InvalidInputError(f"unknown author id(s): {', '.join(sorted(unknown))}")
            previous = self.store.get_content(item.id)
            if previous is not None:
                self.store.save_version(item.id, record_fields(previous, Content), edited_by)
            self._write(Changes.of(content=[item]))
        self._resume_now_or_soon()

    def _resume_now_or_soon(self) -> None:
        """Embed what a write left, before answering, unless it is long (a 500,000-character item is ~500
        passages, minutes of the model): then in the background, so the writer gets an answer at once; the
        item is found by words at once and by meaning as soon as its passages are embedded."""
        if len(self.store.passage_ids("chunks", pending_only=True)) <= self.settings.inline_embed_passages:
            self.resume()
            return
        threading.Thread(target=self.resume, name="embed-long-item", daemon=True).start()

    def restore_version(self, content_id: str, version: int, edited_by: str | None = None) -> None:
        """Bring back an earlier version (itself saved as a new version first, so nothing is lost). Whoever
        restores it has looked at it: its review clock restarts, as on any save through the app."""
        record = self.store.version(content_id, version)["record"]
        confirmed = {"verified": utc_now(), "verified_by": edited_by} if edited_by else {"verified": None}
        self.save_content(Content(**{**record, "updated": None, "review_due": None, **confirmed}), edited_by)

    def upsert_person(self, person: Person) -> None:
        self.apply(Changes.of(people=[person]))

    def delete_content(self, ids: Iterable[str], edited_by: str | None = None) -> None:
        """Remove items. With `edited_by` (a person deleting, not an import), each item's last state is kept
        as a version in the same transaction: it can be brought back, and a failed delete keeps nothing."""
        changes = Changes.of(deleted_content=ids)
        with self.store.transaction():
            if edited_by is not None:
                for row in self.store.content_by_ids(changes.deleted_content).values():
                    self.store.save_version(row["id"], record_fields(row, Content), edited_by)
            self._write(changes)
        self.resume()

    def delete_people(self, ids: Iterable[str]) -> None:
        self.apply(Changes.of(deleted_people=ids))


def record_fields(row: dict, record: type[Content | Person]) -> dict:
    """A stored row back to the fields of its record, unknown fields included; columns the app keeps beside
    a record (views, a person's availability, creation times of the row) are not part of it."""
    fields = {k: v for k, v in row.items() if k in record.model_fields}
    fields.update(row.get("extra") or {})
    return fields
