"""Items like a draft that its writer may see: the contribute form's "This looks like" warning.

The draft is cut into passages and embedded as the indexer would store it, then scored against the
nearest items by the same rule as content health's near-duplicates. Items hidden from the writer (another
team's) are left out before scoring, so the warning can never reveal one.
"""

from __future__ import annotations

import numpy as np

from finder.duplicates import Doc
from indexer.chunking import chunk_markdown
from models.chunk_store import chunk_title
from web.auth import Viewer
from web.services import Services

MIN_WORDS = 5  # fewer words than this say too little to look like anything
MAX_CHARS = 20_000  # the part of a long draft that is compared: its opening is what names the subject


def draft_passages(services: Services, title: str, body: str) -> np.ndarray:
    """The draft's passage vectors, each embedded with its title as stored items' passages are."""
    settings = services.settings
    chunks = chunk_markdown("draft", body[:MAX_CHARS], settings.chunk_words, settings.chunk_overlap_words)
    texts = [f"{chunk_title(title, chunk.heading)}. {chunk.text}" for chunk in chunks] or [title]
    return services.embedder.encode(texts)


def like_draft(services: Services, viewer: Viewer, title: str, body: str, kind: str = "", tags: list[str] = (),
               limit: int = 3) -> list[dict]:
    """Existing items the draft nearly duplicates, best first, as {id, title, score, similarity, name}."""
    title, body = " ".join((title or "").split()), body or ""
    if len(f"{title} {body}".split()) < MIN_WORDS:
        return []
    draft = Doc("", title, body, kind, tags, draft_passages(services, title, body))
    hidden = services.finder.hidden_from(viewer.audience)
    pairs = services.duplicates.like_draft(draft, hidden, limit)
    titles = services.store.content_titles(p.second for p in pairs)
    return [{"id": p.second, "title": titles.get(p.second, ""), "score": p.likeness.score,
             "similarity": p.likeness.text, "name": p.likeness.name} for p in pairs if p.second in titles]
