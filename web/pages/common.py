"""Small lookups several pages share: people's names for author ids, page arithmetic."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from models.store import Store


def author_names(store: Store, author_lists: Iterable[Iterable[str]]) -> dict[str, str]:
    """Name per person id over many author lists, in one query (a removed person shows by id)."""
    ids = {pid for authors in author_lists for pid in authors}
    people = store.people_by_ids(ids)
    return {pid: people[pid]["name"] if pid in people else pid for pid in ids}


@dataclass
class Pager:
    page: int
    size: int
    total: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.size

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def previous(self) -> int | None:
        return self.page - 1 if self.page > 1 else None

    @property
    def next(self) -> int | None:
        return self.page + 1 if self.page < self.pages else None


def reactor_names(store: Store, signatures: Iterable[str]) -> dict[str, str]:
    """Display names for reaction signatures: a person id, or "user:NAME" for an account without one."""
    signatures = set(signatures)
    names = author_names(store, [[s for s in signatures if not s.startswith("user:")]])
    return {s: names.get(s) or s.removeprefix("user:") for s in signatures}


def as_sentence(message: str) -> str:
    """A domain error's message ("the question is empty") as a sentence for a page."""
    return message[:1].upper() + message[1:] + ("" if message.endswith(".") else ".")
