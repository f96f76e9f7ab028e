"""What an import reads: the files named and everything below the folders named, each with the folder it is
imported from (links between pages, and `--delete-missing`, are relative to it)."""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from indexer.sources import DOCUMENT_SUFFIXES

KINDS = {".jsonl": "jsonl", ".csv": "csv", **{suffix: "document" for suffix in DOCUMENT_SUFFIXES}}


@dataclass(frozen=True)
class FoundFile:
    root: str  # the absolute folder it is imported from
    path: str  # inside root, '/'-separated (what links between pages are written against)
    shown: str  # as the person who ran the import names it, for messages
    kind: str  # jsonl, csv or document

    @property
    def location(self) -> str:
        return f"{self.root}/{self.path}"


@dataclass
class Found:
    files: list[FoundFile]
    folders: list[str]  # the roots of the folders named (what --delete-missing looks under)
    ignored: Counter  # suffix -> files of other types in the folders (images, styles...)


def find_files(paths: list[Path]) -> Found:
    """Every importable file under `paths`, in a stable order, each once. Hidden files and folders (.git,
    .obsidian) are passed over, and so are the attachments of a Confluence export. A file named on its own
    is read as JSON Lines unless its suffix says otherwise, as `knowhow import` always has."""
    found = Found([], [], Counter())
    seen: set[str] = set()

    def add(file: FoundFile) -> None:
        if file.location not in seen:
            seen.add(file.location)
            found.files.append(file)

    for given in paths:
        if not given.is_dir():
            absolute = given.resolve()
            kind = KINDS.get(absolute.suffix.lower(), "jsonl")
            add(FoundFile(str(absolute.parent), absolute.name, str(given), kind))
            continue
        root = str(given.resolve())
        found.folders.append(root)
        for folder, dirs, names in os.walk(root):
            dirs[:] = sorted(d for d in dirs if not d.startswith(".")
                             and not (d == "attachments" and any(n.lower().endswith((".html", ".htm")) for n in names)))
            for name in sorted(n for n in names if not n.startswith(".")):
                relative = Path(folder, name).relative_to(root).as_posix()
                suffix = Path(name).suffix.lower()
                if suffix in KINDS:
                    add(FoundFile(root, relative, os.path.join(str(given), relative), KINDS[suffix]))
                else:
                    found.ignored[suffix or "(no suffix)"] += 1
    return found

