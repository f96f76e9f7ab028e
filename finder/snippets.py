"""The answering passage shown under a result: the sentences of the best chunk that match the query most."""

from __future__ import annotations

import re

from finder.terms import stem, words

_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
SNIPPET_CHARS = 320


def best_window(text: str, stems: set[str], max_chars: int = SNIPPET_CHARS) -> str:
    """The run of consecutive sentences, up to `max_chars`, holding the most distinct query stems."""
    sentences = [s.strip() for s in _SENTENCE.split(text) if s.strip()]
    if not sentences:
        return ""
    best, best_score = 0, -1.0
    for start in range(len(sentences)):
        found, length, end = set(), 0, start
        while end < len(sentences) and (length == 0 or length + len(sentences[end]) <= max_chars):
            found |= {stem(w) for w in words(sentences[end])} & stems
            length += len(sentences[end]) + 1
            end += 1
        # Prefer windows nearer the start of the passage when they match as much.
        score = len(found) - start * 1e-3
        if score > best_score:
            best, best_score = start, score
    return _clip(" ".join(sentences[best:]), max_chars)


def _clip(text: str, max_chars: int) -> str:
    if len(text) <= max_chars:
        return text
    cut = text.rfind(" ", 0, max_chars - 1)
    return text[: cut if cut > max_chars // 2 else max_chars - 1].rstrip(" ,;:") + "…"
