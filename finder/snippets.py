"""The answering passage shown under a result: the sentences of the best chunk that match the query most,
as plain text (Markdown syntax removed), and the spans of it a page highlights."""

from __future__ import annotations

import re
from itertools import pairwise

from finder.terms import STOPWORDS, stem, words

_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
SNIPPET_CHARS = 320

# Markdown that reads as noise in a one-paragraph snippet. Applied per line, in this order.
_TABLE_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$")
_LIST_MARKER = re.compile(r"^\s*(?:[-*+]|\d{1,3}[.)])\s+(?:\[[ xX]\]\s+)?")
_QUOTE = re.compile(r"^\s*(?:>\s?)+")
_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]+)\]\((?:[^()]|\([^)]*\))*\)")
_REFERENCE_LINK = re.compile(r"\[([^\]]+)\]\[[^\]]*\]")
_AUTOLINK = re.compile(r"<((?:https?|mailto):[^>\s]+)>")
_CODE_FENCE = re.compile(r"^\s*(```|~~~)")
_EMPHASIS = re.compile(r"(\*{1,3}|_{1,3}|~~)(?=\S)(.+?)(?<=\S)\1(?!\w)")
_CODE = re.compile(r"`+([^`]+)`+")
_SPACES = re.compile(r"[ \t]{2,}")
_ENDS_SENTENCE = re.compile(r"[.!?:;…]['\")\]]*$")

# Words that may sit inside one highlighted phrase between two query words ("connect to the VPN").
_JOINERS = STOPWORDS
_MAX_JOINED = 2


def plain_text(markdown: str) -> str:
    """Markdown as readable plain text, one line per block: table rows become 'cell: cell' (or cells
    separated by '; ') and every block ends as a sentence; separators, heading hashes, list and quote markers, emphasis, code ticks and link
    syntax go. Not HTML: whatever shows it still escapes it."""
    lines = []
    for line in markdown.splitlines():
        if _TABLE_SEPARATOR.match(line) or _CODE_FENCE.match(line):
            continue
        heading = _HEADING.match(line)
        if heading:
            line = heading.group(1)
        stripped = line.strip()
        if stripped.startswith("|") or stripped.endswith("|") and "|" in stripped[:-1]:
            cells = [c.strip() for c in stripped.strip("|").split("|")]
            cells = [c for c in cells if c]
            line = ": ".join(cells) if len(cells) == 2 else "; ".join(cells)
        line = _QUOTE.sub("", line)
        line = _LIST_MARKER.sub("", line)
        line = _IMAGE.sub(r"\1", line)
        line = _LINK.sub(r"\1", line)
        line = _REFERENCE_LINK.sub(r"\1", line)
        line = _AUTOLINK.sub(r"\1", line)
        line = _CODE.sub(r"\1", line)
        for _ in range(2):  # **_nested_** emphasis
            line = _EMPHASIS.sub(r"\2", line)
        line = _SPACES.sub(" ", line).strip()
        if line:
            # A block ends a sentence: without its own full stop, joined lines would run together.
            lines.append(line if _ENDS_SENTENCE.search(line) else line + ".")
    return "\n".join(lines)


def best_window(text: str, stems: set[str], max_chars: int = SNIPPET_CHARS) -> str:
    """The run of consecutive sentences, up to `max_chars`, holding the most distinct query stems."""
    sentences = [s.strip() for s in _SENTENCE.split(plain_text(text)) if s.strip()]
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


_TOKEN = re.compile(r"\w+|[^\w]+", re.UNICODE)
_WORDLIKE = re.compile(r"\w", re.UNICODE)
_GLUE = re.compile(r"[ \t\-/'’]+")  # what may separate the words of one phrase (no sentence punctuation)


def highlight_spans(text: str, stems: set[str]) -> list[tuple[str, bool]]:
    """The text cut into (piece, highlighted) runs: query words next to each other, or joined by at most
    two function words ("connect to the VPN"), form one highlighted phrase instead of one mark per word.
    The pieces are raw text: the caller escapes each one (and wraps the highlighted ones in <mark>)."""
    tokens = _TOKEN.findall(text)
    hit = [_WORDLIKE.match(t) is not None and stem(t.lower()) in stems for t in tokens]
    marked = list(hit)
    hits = [n for n, h in enumerate(hit) if h]
    for a, b in pairwise(hits):
        between = tokens[a + 1: b]
        gaps = between[0::2]
        joiners = between[1::2]
        if (all(_GLUE.fullmatch(g) for g in gaps) and len(joiners) <= _MAX_JOINED
                and all(j.lower() in _JOINERS for j in joiners)):
            marked[a: b + 1] = [True] * (b + 1 - a)
    spans: list[tuple[str, bool]] = []
    for token, on in zip(tokens, marked):
        if spans and spans[-1][1] == on:
            spans[-1] = (spans[-1][0] + token, on)
        else:
            spans.append((token, on))
    return spans


def _clip(text: str, max_chars: int) -> str:
    if len(text) <= max_chars:
        return text
    cut = text.rfind(" ", 0, max_chars - 1)
    return text[: cut if cut > max_chars // 2 else max_chars - 1].rstrip(" ,;:") + "…"
