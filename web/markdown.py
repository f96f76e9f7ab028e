"""Markdown written by colleagues to HTML that is safe to show: no scripts, no inline handlers, no javascript: links.

Two layers, so one mistake is not enough: markdown-it renders with raw HTML off (a `<script>` in the
source comes out as text), then nh3 keeps only the tags and attributes listed here and only http(s),
mailto and relative links. Comments get a smaller set: a heading is bold text (a comment does not shout over
the item), an image is a link to it (nobody's picture fills the page, and no address is fetched on
viewing), and a line break is kept as typed, as in the plain-text comments before.
"""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markupsafe import Markup

TAGS = {
    "h1", "h2", "h3", "h4", "h5", "h6", "p", "br", "hr", "blockquote", "ul", "ol", "li", "strong", "em", "del",
    "code", "pre", "a", "table", "thead", "tbody", "tr", "th", "td", "img",
}
ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "ol": {"start"}, "code": {"class"}}
URL_SCHEMES = {"http", "https", "mailto"}

COMMENT_TAGS = TAGS - {"h1", "h2", "h3", "h4", "h5", "h6", "img"}
COMMENT_ATTRIBUTES = {tag: names for tag, names in ATTRIBUTES.items() if tag in COMMENT_TAGS}
LINK_REL = "noopener noreferrer nofollow"

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
    ["table", "strikethrough"]
)
_comment_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False, "breaks": True}).enable(
    ["table", "strikethrough"]
)


def _bold_heading(self, tokens, idx, options, env) -> str:
    return "<p><strong>" if tokens[idx].nesting == 1 else "</strong></p>\n"


def _image_as_link(self, tokens, idx, options, env) -> str:
    token = tokens[idx]
    text = self.renderInlineAsText(token.children or [], options, env) or token.attrGet("src") or "image"
    return f'<a href="{escapeHtml(str(token.attrGet("src") or ""))}">{escapeHtml(text)}</a>'


_comment_md.add_render_rule("heading_open", _bold_heading)
_comment_md.add_render_rule("heading_close", _bold_heading)
_comment_md.add_render_rule("image", _image_as_link)


def _attribute(tag: str, name: str, value: str) -> str | None:
    # A code block's class only names its language; any other class could borrow the page's own styles.
    if name == "class":
        return value if tag == "code" and value.startswith("language-") and value.isprintable() else None
    return value


def _clean(html: str, tags: set[str], attributes: dict[str, set[str]]) -> Markup:
    return Markup(nh3.clean(html, tags=tags, attributes=attributes, url_schemes=URL_SCHEMES, link_rel=LINK_REL,
                            strip_comments=True, attribute_filter=_attribute))


def to_html(source: str) -> Markup:
    """Render Markdown (headings, lists, code, tables, links) to sanitised HTML."""
    return _clean(_md.render(source or ""), TAGS, ATTRIBUTES)


def comment_to_html(source: str) -> Markup:
    """Render a comment's Markdown: as an item's, but headings as bold text, images as links, line breaks kept."""
    return _clean(_comment_md.render(source or ""), COMMENT_TAGS, COMMENT_ATTRIBUTES)
