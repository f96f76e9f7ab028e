"""Markdown written by colleagues to HTML that is safe to show: no scripts, no inline handlers, no javascript: links.

Two layers, so one mistake is not enough: markdown-it renders with raw HTML off (a `<script>` in the
source comes out as text), then nh3 keeps only the tags and attributes listed here and only http(s),
mailto and relative links.
"""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

TAGS = {
    "h1", "h2", "h3", "h4", "h5", "h6", "p", "br", "hr", "blockquote", "ul", "ol", "li", "strong", "em", "del",
    "code", "pre", "a", "table", "thead", "tbody", "tr", "th", "td", "img",
}
ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "ol": {"start"}, "code": {"class"}}
URL_SCHEMES = {"http", "https", "mailto"}

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
    ["table", "strikethrough"]
)


def _attribute(tag: str, name: str, value: str) -> str | None:
    # A code block's class only names its language; any other class could borrow the page's own styles.
    if name == "class":
        return value if tag == "code" and value.startswith("language-") and value.isprintable() else None
    return value


def to_html(source: str) -> Markup:
    """Render Markdown (headings, lists, code, tables, links) to sanitised HTML."""
    html = _md.render(source or "")
    clean = nh3.clean(
        html,
        tags=TAGS,
        attributes=ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
        attribute_filter=_attribute,
    )
    return Markup(clean)
