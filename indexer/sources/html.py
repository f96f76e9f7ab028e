"""HTML pages, as a Confluence space's HTML export writes them: the page title, the body without the
navigation around it, the breadcrumbs (the space and the parent pages) as tags, the people named as
creator and last editor as authors. Any other HTML page imports its <main>, <article> or <body>.

beautifulsoup4 selects the parts; markdownify (MIT, on top of beautifulsoup4) writes the Markdown.
"""

from __future__ import annotations

import re

from bs4 import BeautifulSoup, Tag
from markdownify import MarkdownConverter

from indexer.sources import Document, SourceError, not_binary

# Chrome and what carries no knowledge: scripts, styles, navigation, Confluence's table-of-contents macro
# (links to headings the item shows anyway) and its attachment lists (attachments are not imported).
_CHROME = "script, style, noscript, template, nav, header, footer, form, .toc-macro, .pageSection, #footer"
_BLANK_LINES = re.compile(r"\n{3,}")


class _Converter(MarkdownConverter):
    class Options(MarkdownConverter.DefaultOptions):
        heading_style = "atx"
        bullets = "-"
        strip = ("img",)  # attachments and images are not imported: a link to nothing helps nobody


def html_to_markdown(html: Tag | str) -> str:
    """Markdown of an HTML fragment: headings as `#`, lists, tables, code blocks and links kept."""
    soup = html if isinstance(html, Tag) else BeautifulSoup(html, "html.parser")
    return _BLANK_LINES.sub("\n\n", _Converter().convert_soup(soup)).strip()


def read_html(data: bytes) -> Document:
    # Bytes, not text: a page's own <meta charset> is honoured (older wiki pages are not all UTF-8).
    soup = BeautifulSoup(not_binary(data, "HTML"), "html.parser")
    title = _title(soup)
    crumbs = [li.get_text(" ", strip=True) for li in soup.select("#breadcrumbs li")]
    authors = [span.get_text(" ", strip=True) for span in soup.select(".page-metadata .author")]
    main = soup.select_one("#main-content") or soup.find("main") or soup.find("article") or soup.body or soup
    for chrome in main.select(_CHROME):
        chrome.decompose()
    body = html_to_markdown(main)
    if not body:
        raise SourceError("no text in this HTML page")
    fields = {"tags": [c for c in crumbs if c and c != title]} if crumbs else {}
    return Document(body=body, title=title, fields=fields, authors=list(dict.fromkeys(a for a in authors if a)))


def _title(soup: BeautifulSoup) -> str:
    """Confluence writes "Space : Page" in both #title-text and <title>; the page's own title is after it."""
    found = soup.select_one("#title-text") or soup.title
    title = " ".join(found.get_text(" ").split()) if found else ""
    if soup.select_one("#breadcrumbs") and " : " in title:
        title = title.split(" : ", 1)[1]
    return title
