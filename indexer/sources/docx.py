"""Word documents: mammoth (BSD) maps the document's styles to HTML (Heading 1 -> <h1>, lists, tables,
links), which html_to_markdown turns into Markdown: headings stay headings. Images are left out."""

from __future__ import annotations

import io
import zipfile

import mammoth

from indexer.sources import Document, SourceError
from indexer.sources.html import html_to_markdown
from indexer.sources.markdown import without_title_heading

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # a Compound File: a password-protected DOCX, or an old .doc
# The most uncompressed XML a document may expand to: a few MB of text is a long book; a zip bomb is not.
MAX_XML_BYTES = 200_000_000


def read_docx(data: bytes) -> Document:
    if data.startswith(_OLE):
        raise SourceError("an encrypted (password-protected) Word file or an old .doc: save it as an "
                          "unprotected .docx")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if sum(info.file_size for info in archive.infolist() if info.filename.endswith(".xml")) > MAX_XML_BYTES:
                raise SourceError("the document expands to more than 200 MB of XML")
            if "word/document.xml" not in archive.namelist():
                raise SourceError("not a Word document: the archive holds no word/document.xml")
    except zipfile.BadZipFile:
        raise SourceError("not a readable .docx: the file is not a valid zip archive (corrupt or truncated)") from None
    try:
        result = mammoth.convert_to_html(io.BytesIO(data), convert_image=mammoth.images.img_element(lambda image: {}))
    except SourceError:
        raise
    except Exception as exc:  # noqa: BLE001 (a malformed document fails anywhere in mammoth)
        raise SourceError(f"not a readable .docx: {type(exc).__name__}: {str(exc)[:200]}") from None
    body = html_to_markdown(result.value)
    if not body:
        raise SourceError("no text in this Word document")
    title = _core_title(data)
    return Document(body=without_title_heading(title, body), title=title)


def _core_title(data: bytes) -> str:
    """The Title in the document's properties, when the author set one (else the file name serves)."""
    from xml.etree import ElementTree

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            root = ElementTree.fromstring(archive.read("docProps/core.xml"))
    except (KeyError, zipfile.BadZipFile, ElementTree.ParseError):
        return ""
    found = root.find("{http://purl.org/dc/elements/1.1/}title")
    return " ".join((found.text or "").split()) if found is not None else ""
