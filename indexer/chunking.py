"""Split Markdown into passages the model can read whole: heading-aware, paragraph-packed, overlapping."""

from __future__ import annotations

import re
from dataclasses import dataclass

from models.records import Chunk

_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_FENCE = re.compile(r"^\s{0,3}(```|~~~)")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(\[])")
_LINK = re.compile(r"!?\[([^\]]*)\]\((?:[^()]|\([^)]*\))*\)")  # images too; a target may hold one level of brackets
_EMPHASIS = re.compile(r"(\*\*|__|(?<!\w)[*_](?=\S)|(?<=\S)[*_](?!\w)|`)")
_HTML_TAG = re.compile(r"<[^>\n]{1,200}>")


@dataclass
class _Block:
    heading: str
    text: str

    @property
    def words(self) -> int:
        return len(self.text.split())


def plain_text(markdown: str) -> str:
    """Markdown without link targets, emphasis marks or tags: what a reader (and the model) sees."""
    text = _LINK.sub(r"\1", markdown)
    text = _HTML_TAG.sub(" ", text)
    text = _EMPHASIS.sub("", text)
    text = re.sub(r"^\s{0,3}(?:[-*+]|\d+[.)])\s+", "- ", text, flags=re.M)
    text = re.sub(r"^\s{0,3}>\s?", "", text, flags=re.M)
    text = re.sub(r"^\s*\|?[\s:|-]+\|[\s:|-]*$", "", text, flags=re.M)  # table separator rows
    return text


def _blocks(markdown: str) -> list[_Block]:
    """Paragraphs, lists and code blocks, each labelled with the heading it sits under."""
    blocks: list[_Block] = []
    heading, lines, in_fence = "", [], False

    def flush() -> None:
        text = plain_text("\n".join(lines)).strip()
        if text:
            blocks.append(_Block(heading, text))
        lines.clear()

    for line in markdown.replace("\r\n", "\n").split("\n"):
        if _FENCE.match(line):
            in_fence = not in_fence
            if not in_fence:
                continue
            flush()
            continue
        if in_fence:
            lines.append(line)
            continue
        match = _HEADING.match(line)
        if match:
            flush()
            heading = plain_text(match.group(2)).strip()
            continue
        if not line.strip():
            flush()
            continue
        lines.append(line)
    flush()
    return blocks


def _split_long(block: _Block, limit: int) -> list[_Block]:
    """A paragraph longer than a chunk is cut at sentence ends (or at word counts when there are none)."""
    if block.words <= limit:
        return [block]
    pieces, current = [], []
    for sentence in _SENTENCE_END.split(block.text):
        words = sentence.split()
        while len(words) > limit:
            if current:
                pieces.append(" ".join(current))
                current = []
            pieces.append(" ".join(words[:limit]))
            words = words[limit:]
        if len(current) + len(words) > limit and current:
            pieces.append(" ".join(current))
            current = []
        current += words
    if current:
        pieces.append(" ".join(current))
    return [_Block(block.heading, piece) for piece in pieces]


def _tail(texts: list[str], overlap: int) -> list[str]:
    """The last whole sentences of a chunk, up to `overlap` words, to repeat at the start of the next."""
    if overlap <= 0 or not texts:
        return []
    sentences = _SENTENCE_END.split(" ".join(texts))
    kept: list[str] = []
    count = 0
    for sentence in reversed(sentences):
        n = len(sentence.split())
        if count + n > overlap:
            break
        kept.insert(0, sentence)
        count += n
    return [" ".join(kept)] if kept else []


def chunk_markdown(content_id: str, markdown: str, max_words: int = 150, overlap_words: int = 30) -> list[Chunk]:
    """Short items stay whole; long ones become heading-aligned passages of about `max_words` words."""
    # Long paragraphs are cut short enough that the overlap carried in still fits in one chunk.
    piece_limit = max(max_words - overlap_words, max_words // 2)
    blocks = [piece for block in _blocks(markdown) for piece in _split_long(block, piece_limit)]
    if not blocks:
        return [Chunk(content_id=content_id, position=0, heading="", text=markdown.strip()[:2000] or "-")]
    total = sum(block.words for block in blocks)
    if total <= max_words * 1.2:
        text = "\n".join(block.text for block in blocks)
        return [Chunk(content_id=content_id, position=0, heading="", text=text)]

    chunks: list[Chunk] = []
    texts: list[str] = []
    heading = blocks[0].heading
    words = 0

    def emit() -> None:
        chunks.append(Chunk(content_id=content_id, position=len(chunks), heading=heading, text="\n".join(texts)))

    for block in blocks:
        new_section = block.heading != heading
        if texts and (words + block.words > max_words or (new_section and words >= max_words // 3)):
            emit()
            texts = [] if new_section else _tail(texts, overlap_words)
            words = sum(len(t.split()) for t in texts)
        if not texts:
            heading = block.heading
        texts.append(block.text)
        words += block.words
    if texts:
        emit()
    return chunks
