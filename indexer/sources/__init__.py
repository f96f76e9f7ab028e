"""Readers that turn a file (Markdown, a Confluence HTML page, Word, PDF) into one Markdown document.

Each reader takes the file's bytes and returns a `Document`, or raises `SourceError` with a one-line reason
the import reports beside the file's path. File contents are untrusted: readers never run or fetch
anything, and bodies are sanitised when rendered, as every item's is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


class SourceError(Exception):
    """A file that cannot be imported, with why in one line."""


@dataclass
class Document:
    body: str  # Markdown
    title: str = ""  # empty: the file names no title, its file name serves
    fields: dict[str, Any] = field(default_factory=dict)  # record fields the file states (front matter...)
    authors: list[str] = field(default_factory=list)  # ids, e-mails or names, resolved by the import


def not_binary(data: bytes, what: str) -> bytes:
    """The bytes, unless they are binary: a picture renamed .md must not import as a page of mojibake."""
    if b"\0" in data[:8192]:
        raise SourceError(f"not a {what} file: it holds binary data")
    return data


def text_of(data: bytes, what: str) -> str:
    """The bytes as UTF-8 text (a BOM is dropped), or why not."""
    not_binary(data, what)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SourceError(f"not a {what} file: not UTF-8 text (byte {exc.start})") from None


def reader_for(suffix: str) -> Callable[[bytes], Document] | None:
    """The reader of a document file by its suffix; None for the formats a document import does not read.
    Imports happen on first use: a JSON Lines import never loads the HTML, Word and PDF libraries."""
    suffix = suffix.lower()
    if suffix in (".md", ".markdown"):
        from indexer.sources.markdown import read_markdown

        return read_markdown
    if suffix in (".html", ".htm"):
        from indexer.sources.html import read_html

        return read_html
    if suffix == ".docx":
        from indexer.sources.docx import read_docx

        return read_docx
    if suffix == ".pdf":
        from indexer.sources.pdf import read_pdf

        return read_pdf
    return None


DOCUMENT_SUFFIXES = (".md", ".markdown", ".html", ".htm", ".docx", ".pdf")
