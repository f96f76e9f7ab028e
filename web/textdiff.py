"""Differences between two texts as a list of {op, text} pieces (equal, delete, insert): whole lines where
lines were added or removed, words within the lines that changed, so a one-word fix reads as one word."""

from __future__ import annotations

import re
from difflib import SequenceMatcher

# A word with the spaces after it, or a run of punctuation: changed words are marked without the
# unchanged spaces around them flickering in and out of the diff.
_TOKENS = re.compile(r"\w+|[^\w\s]+|\s+")


def text_diff(before: str, after: str) -> list[dict[str, str]]:
    """How `after` differs from `before`: the pieces in order; joining the equal and delete pieces gives
    `before`, the equal and insert pieces give `after` (line ends as LF: a browser posts a textarea with
    CRLF, which is no change anyone made)."""
    old, new = newlines(before).splitlines(keepends=True), newlines(after).splitlines(keepends=True)
    pieces: list[dict[str, str]] = []
    for op, i1, i2, j1, j2 in SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if op == "equal":
            _add(pieces, "equal", "".join(old[i1:i2]))
        elif op == "replace":
            pieces.extend(_word_diff("".join(old[i1:i2]), "".join(new[j1:j2])))
        else:
            _add(pieces, "delete", "".join(old[i1:i2]))
            _add(pieces, "insert", "".join(new[j1:j2]))
    return _merged(pieces)


def newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _word_diff(before: str, after: str) -> list[dict[str, str]]:
    old, new = _TOKENS.findall(before), _TOKENS.findall(after)
    pieces: list[dict[str, str]] = []
    for op, i1, i2, j1, j2 in SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if op == "equal":
            _add(pieces, "equal", "".join(old[i1:i2]))
        else:
            _add(pieces, "delete", "".join(old[i1:i2]))
            _add(pieces, "insert", "".join(new[j1:j2]))
    return pieces


def _add(pieces: list[dict[str, str]], op: str, text: str) -> None:
    if text:
        pieces.append({"op": op, "text": text})


def _merged(pieces: list[dict[str, str]]) -> list[dict[str, str]]:
    """Neighbouring pieces of the same kind as one."""
    merged: list[dict[str, str]] = []
    for piece in pieces:
        if merged and merged[-1]["op"] == piece["op"]:
            merged[-1] = {"op": piece["op"], "text": merged[-1]["text"] + piece["text"]}
        else:
            merged.append(piece)
    return merged
