"""The answering passage shown under a result: the best chunk's sentences as plain text (Markdown syntax
removed), cut around the sentence(s) that answer the question, which the card highlights."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise

from finder.terms import STOPWORDS, stem, words

_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
SNIPPET_CHARS = 320
# Passages whose sentences and word stems are kept (a few MB): every search makes ten snippets, and taking
# the passage's Markdown apart was a quarter of a served search's Python time under 50 users, for the same
# popular passages again and again.
PARSED_PASSAGES = 4096

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
_WRAPPED = 50  # characters: a line at least this long without a sentence end may be a wrapped paragraph
_ENDS_SENTENCE = re.compile(r"[.!?:;…]['\")\]]*$")

# Words that may sit inside one highlighted phrase between two query words ("connect to the VPN").
_JOINERS = STOPWORDS
_MAX_JOINED = 2


def plain_text(markdown: str) -> str:
    """Markdown as readable plain text, one line per block: table rows become 'cell: cell' (or cells
    separated by '; ') and every block ends as a sentence; separators, heading hashes, list and quote
    markers, emphasis, code ticks and link syntax go. A paragraph hard-wrapped over several lines stays
    one: a line that starts in lower case after a long one without a sentence end continues it (short
    lines are more often code, whose fences the chunks no longer have). Not HTML: whatever shows it still
    escapes it."""
    lines: list[str] = []
    runs_on = False  # whether the last line was prose that may continue on the next
    for line in markdown.splitlines():
        if _TABLE_SEPARATOR.match(line) or _CODE_FENCE.match(line):
            runs_on = False
            continue
        heading = _HEADING.match(line)
        if heading:
            line = heading.group(1)
        stripped = line.strip()
        row = stripped.startswith("|") or stripped.endswith("|") and "|" in stripped[:-1]
        if row:
            cells = [c.strip() for c in stripped.strip("|").split("|")]
            cells = [c for c in cells if c]
            line = ": ".join(cells) if len(cells) == 2 else "; ".join(cells)
        item = _QUOTE.match(line) or _LIST_MARKER.match(line)
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
        if not line:
            runs_on = False
        elif runs_on and not (heading or row or item) and line[0].islower():
            lines[-1] += " " + line
        else:
            lines.append(line)
        runs_on = len(line) >= _WRAPPED and not (heading or row) and not _ENDS_SENTENCE.search(line)
    # A block ends a sentence: without its own full stop, joined lines would run together.
    return "\n".join(line if _ENDS_SENTENCE.search(line) else line + "." for line in lines)


@dataclass(frozen=True)
class Snippet:
    """A card's passage as plain text, and where in it the sentence(s) answering the question are."""

    text: str
    answer: tuple[int, int] = (0, 0)  # [start, end) in `text`; empty when no sentence answers

    def spans(self) -> list[tuple[str, bool]]:
        """(piece, highlighted) runs, raw text: the caller escapes each piece and marks the answer."""
        start, end = self.answer
        pieces = [(self.text[:start], False), (self.text[start:end], True), (self.text[end:], False)]
        return [piece for piece in pieces if piece[0]]


def sentences(text: str) -> list[str]:
    """The passage's sentences as plain text: every Markdown block ends one (see `plain_text`)."""
    return list(_parsed(text)[0])


@lru_cache(maxsize=PARSED_PASSAGES)
def _parsed(text: str) -> tuple[tuple[str, ...], tuple[frozenset[str], ...]]:
    """A passage's sentences and each one's word stems: they depend on the text alone."""
    found = tuple(s.strip() for s in _SENTENCE.split(plain_text(text)) if s.strip())
    return found, tuple(_stems(sentence) for sentence in found)


def _stems(sentence: str) -> frozenset[str]:
    return frozenset(stem(w) for w in words(sentence))


def sentence_scores(found: list[str], stems: set[str]) -> list[float]:
    """How well each sentence answers the question, lexically: the distinct query words it holds, less a
    little per position (the earlier of equal sentences wins). A sentence that asks ("Q: ...", "...?")
    restates the question rather than answering it, so it counts for less (on the demo's labelled
    questions this takes the top passage's answering sentence from 16 to 22 of 34)."""
    return _scores(found, [_stems(sentence) for sentence in found], stems)


def _scores(found, stem_sets, stems: set[str]) -> list[float]:
    scores = []
    for position, (sentence, held) in enumerate(zip(found, stem_sets)):
        hits = len(held & stems)
        score = hits - POSITION_COST * position if hits else 0.0
        scores.append(score * QUESTION_WEIGHT if _ASKS.search(sentence) else score)
    return scores


POSITION_COST = 0.01
QUESTION_WEIGHT = 0.3
_ASKS = re.compile(r"^(?:q|question)\s*:|\?['\")\]]*$", re.IGNORECASE)
# A sentence that only announces the answer ("Any one of these is enough:") is answered by the next one.
_LEADS_ON = re.compile(r"[:?]['\")\]]*$")


def answer_range(found: list[str], scores: list[float]) -> tuple[int, int] | None:
    """The answering sentences as [first, last) indices: the best-scoring one, with the sentence after it
    when it ends in a colon or a question mark; None when no sentence scores above zero."""
    if not found or max(scores, default=0.0) <= 0:
        return None
    best = max(range(len(found)), key=lambda n: (scores[n], -n))
    last = best + 1
    if _LEADS_ON.search(found[best]) and last < len(found):
        last += 1
    return best, last


def answer_snippet(text: str, stems: set[str], scores: list[float] | None = None,
                   max_chars: int = SNIPPET_CHARS) -> Snippet:
    """The passage cut to `max_chars` around its answering sentence(s), which the snippet marks. The window
    opens on the answer and reads on; sentences before it fill what room is left. `scores` (one per
    sentence, higher is closer) replace the lexical `sentence_scores` when the caller has better ones."""
    found, stem_sets = _parsed(text)
    if not found:
        return Snippet("")
    chosen = answer_range(found, scores if scores is not None else _scores(found, stem_sets, stems))
    first, last = chosen or (0, 0)
    start, end = first, max(last, first + 1)
    length = sum(len(s) + 1 for s in found[start:end])
    while end < len(found) and length + len(found[end]) <= max_chars:
        length += len(found[end]) + 1
        end += 1
    while start > 0 and length + len(found[start - 1]) <= max_chars:
        start -= 1
        length += len(found[start]) + 1
    window = _clip(" ".join(found[start:end]), max_chars)
    if chosen is None:
        return Snippet(window)
    offset = sum(len(s) + 1 for s in found[start:first])
    answer_end = min(offset + len(" ".join(found[first:last])), len(window))
    if window.endswith("…") and answer_end >= len(window) - 1:
        answer_end = len(window)  # the clipped answer keeps its ellipsis inside the mark
    return Snippet(window, (offset, answer_end))


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
