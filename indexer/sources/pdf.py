"""PDF files: text by pypdf (BSD, pure Python, maintained), page by page. Headings, best effort: a line that
is an entry of the document's outline (its bookmarks) becomes a heading at that entry's depth; a PDF
without an outline is plain paragraphs. A scanned PDF has no text to import."""

from __future__ import annotations

import io
import logging
import re

from pypdf import PdfReader

from indexer.sources import Document, SourceError
from indexer.sources.markdown import without_title_heading

# pypdf logs every repair of a damaged file; the import reports what matters in one line instead.
logging.getLogger("pypdf").setLevel(logging.ERROR)
_JUNK_TITLE = re.compile(r"^(microsoft (word|powerpoint) - |untitled)|\.(docx?|pdf|pptx?)$", re.IGNORECASE)


def read_pdf(data: bytes) -> Document:
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise SourceError("an encrypted PDF: remove its password first")
        pages = [page.extract_text() or "" for page in reader.pages]
        headings = _outline(reader)
        title = _title(reader)
    except SourceError:
        raise
    except Exception as exc:  # noqa: BLE001 (pypdf raises many kinds on damaged input)
        raise SourceError(f"not a readable PDF: {str(exc)[:200] or type(exc).__name__}") from None
    body = "\n\n".join(_with_headings(page, headings) for page in pages if page.strip()).strip()
    if not body:
        raise SourceError("no text in this PDF (a scan? it needs OCR first)")
    return Document(body=without_title_heading(title, body), title=title)


def _outline(reader: PdfReader) -> dict[str, int]:
    """Bookmark titles (whitespace folded) and their depth, 1 for the top level."""
    found: dict[str, int] = {}

    def walk(entries, depth: int) -> None:
        for entry in entries:
            if isinstance(entry, list):
                walk(entry, depth + 1)
            elif getattr(entry, "title", None):
                found.setdefault(" ".join(str(entry.title).split()), min(depth, 6))

    walk(reader.outline, 1)
    return found


def _with_headings(text: str, headings: dict[str, int]) -> str:
    lines = []
    for line in text.splitlines():
        depth = headings.get(" ".join(line.split()))
        lines.extend(["", "#" * depth + " " + line.strip(), ""] if depth else [line])
    return "\n".join(lines)


def _title(reader: PdfReader) -> str:
    title = " ".join(str((reader.metadata or {}).get("/Title") or "").split())
    return "" if _JUNK_TITLE.search(title) else title
