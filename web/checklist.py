"""The writing checklist shown beside the preview: pure checks on a draft that help and never block saving."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

SHORT_WORDS = 40
LONG_WORDS = 1500
# Acronyms everyone at work reads without help; anything else is explained at first use.
KNOWN_ACRONYMS = frozenset({"VPN", "PDF", "URL", "IT", "HR", "FAQ", "OK", "CEO", "USB", "PC", "API", "ID", "UK",
                            "US", "EU", "AM", "PM", "TV", "CSV", "HTML", "SQL", "L&D"})
HOWTO_VERBS = frozenset({
    "add", "apply", "ask", "book", "build", "change", "check", "claim", "clean", "configure", "connect", "create",
    "deploy", "do", "find", "fix", "get", "give", "install", "make", "move", "onboard", "open", "order", "plan",
    "prepare", "publish", "read", "record", "remove", "renew", "replace", "report", "request", "reset", "run",
    "send", "set", "share", "start", "stop", "submit", "test", "update", "upgrade", "use", "write",
})
_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*")
_ACRONYM = re.compile(r"(?<![\w&/.-])([A-Z]{2,6})(?![\w&/-])")
_NUMBERED = re.compile(r"^\s*\d+[.)]\s+\S", re.MULTILINE)
_BULLET = re.compile(r"^\s*[-*+]\s+\S", re.MULTILINE)
_CODE = re.compile(r"```.*?```|`[^`\n]*`", re.DOTALL)


@dataclass(frozen=True)
class Check:
    """One line of the checklist: what it looks at, whether the draft passes, and a tip when it does not."""

    name: str
    label: str
    passed: bool
    tip: str = ""


def checklist(title: str, body: str, kind: str, official: bool = False,
              reviewed: date | datetime | str | None = None, similar: list[str] | None = None) -> list[Check]:
    """The checks that apply to this draft, in reading order.

    - title says the task: more than one word; for a how-to it starts with "How to" or a verb (from a short list
      of common work verbs, or any word ending in "ing" such as "Setting up").
    - steps numbered (how-tos only): several bullet points or paragraphs but no numbered list is a hint that the
      steps should be numbered.
    - acronyms explained at first use: an all-caps word of 2-6 letters (outside code) whose first use is neither
      followed by "(Expansion ...)" nor preceded by a parenthesised use like "Expansion Words (EW)". Common
      acronyms in KNOWN_ACRONYMS are skipped. Only the first unexplained one is named, to keep the tip short.
    - length: under SHORT_WORDS words is too short to be useful; over LONG_WORDS suggests splitting.
    - official content carries the date it was last reviewed.
    - not a near-duplicate: `similar` holds the titles of items the draft looks like (None: not checked, as
      for an edit of an existing item).
    """
    checks = [_title(title, kind)]
    if kind == "howto":
        checks.append(_steps(body))
    checks += [_acronyms(body), _length(body)]
    if official:
        checks.append(Check("reviewed", "Last reviewed date", reviewed is not None,
                            "" if reviewed else "Official content should say when it was last reviewed: "
                            "set a review date when you publish it."))
    if similar is not None:
        checks.append(_duplicate(similar))
    return checks


def _duplicate(similar: list[str]) -> Check:
    if not similar:
        return Check("duplicate", "Not a near-duplicate", True)
    return Check("duplicate", "Not a near-duplicate", False,
                 f"it looks like “{similar[0]}”{' and others' if len(similar) > 1 else ''}: improve that item "
                 "instead, or say in the title how yours differs.")


def _title(title: str, kind: str) -> Check:
    words = _WORD.findall(title)
    label = "Title says the task"
    if len(words) < 2:
        return Check("title", label, False, "Use a few words that say what the reader will learn or do, "
                                            "not a single word.")
    if kind == "howto":
        first = words[0].lower()
        if not (title.lower().startswith("how to") or first in HOWTO_VERBS or first.endswith("ing")):
            return Check("title", label, False, "Start a how-to's title with “How to” or a verb, e.g. "
                                                "“Book a meeting room”.")
    return Check("title", label, True)


def _steps(body: str) -> Check:
    text = _CODE.sub("", body)
    numbered = len(_NUMBERED.findall(text))
    bullets = len(_BULLET.findall(text))
    paragraphs = [p for p in re.split(r"\n\s*\n", text) if p.strip() and not p.lstrip().startswith("#")]
    several = bullets >= 3 or len(paragraphs) >= 4
    passed = numbered >= 2 or not several
    return Check("steps", "Steps numbered", passed,
                 "" if passed else "Number the steps (1. 2. 3.) so readers can follow and keep their place.")


def _acronyms(body: str) -> Check:
    text = _CODE.sub("", body)
    seen: set[str] = set()
    for match in _ACRONYM.finditer(text):
        word = match.group(1)
        if word in seen or word in KNOWN_ACRONYMS:
            seen.add(word)
            continue
        seen.add(word)
        after = text[match.end():match.end() + 3]
        before = text[max(0, match.start() - 1):match.start()]
        explained_after = re.match(r"\s?\(\s*[A-Za-z]", after) is not None
        explained_before = before == "(" and text[match.end():match.end() + 1] == ")"
        if not (explained_after or explained_before):
            return Check("acronyms", "Acronyms explained", False,
                         f"Explain {word} the first time it appears, e.g. “{word} (what it stands for)”.")
    return Check("acronyms", "Acronyms explained", True)


def _length(body: str) -> Check:
    words = len(_WORD.findall(_CODE.sub(" ", body)))
    if words < SHORT_WORDS:
        return Check("length", "Length", False,
                     f"{words} words: add the context a newcomer needs (aim for at least {SHORT_WORDS}).")
    if words > LONG_WORDS:
        return Check("length", "Length", False,
                     f"{words:,} words: consider splitting it into shorter items that each answer one question.")
    return Check("length", "Length", True)
