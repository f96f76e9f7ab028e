"""Links between imported pages: a relative link from one file of an import to another (`../vpn/setup.md`,
a Confluence export's `Setting-up_123.html`, an Obsidian `[[Setup]]`) becomes a link to that file's item
(`/content/ID`). Links elsewhere (web addresses, absolute paths, anchors, missing files) stay as written."""

from __future__ import annotations

import posixpath
import re
from urllib.parse import unquote

# [text](target "title"): the target may be <bracketed> or hold one level of parentheses. Not images (!).
_INLINE = re.compile(r"(?<!!)(\[[^\]]*\]\(\s*)(<[^>\n]*>|(?:[^()\s]|\([^()\s]*\))+)(\s+(?:\"[^\"]*\"|'[^']*'))?(\s*\))")
_REFERENCE = re.compile(r"^(\s{0,3}\[[^\]]+\]:\s*)(<[^>\n]*>|\S+)", re.MULTILINE)
_WIKI = re.compile(r"\[\[([^\[\]|#\n]+)(#[^\[\]|\n]*)?(?:\|([^\[\]\n]+))?\]\]")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_FENCE = re.compile(r"^\s{0,3}(```|~~~)")
# A link to a folder or without its suffix, as MkDocs, Docusaurus and wikis write them.
_TRIES = ("", ".md", ".markdown", ".html", ".htm", "/index.md", "/README.md", "/index.html")


class LinkMap:
    """The pages of one import folder: path inside the folder -> item id."""

    def __init__(self, pages: dict[str, str]):
        self.pages = pages
        stems: dict[str, list[str]] = {}
        for path in pages:
            stems.setdefault(posixpath.splitext(posixpath.basename(path))[0].lower(), []).append(path)
        self.stems = {stem: pages[paths[0]] for stem, paths in stems.items() if len(paths) == 1}  # unique names only

    def target(self, page: str, href: str) -> str | None:
        """The item a link written in `page` leads to, or None for a link to elsewhere."""
        if not href or _SCHEME.match(href) or href.startswith(("/", "#", "?")):
            return None
        path = unquote(re.split(r"[#?]", href, maxsplit=1)[0])
        path = posixpath.normpath(posixpath.join(posixpath.dirname(page), path))
        if path.startswith("../") or path == "..":
            return None
        for suffix in _TRIES:
            if (found := self.pages.get(path.rstrip("/") + suffix if suffix else path)) is not None:
                return found
        return None

    def rewrite(self, page: str, body: str) -> str:
        """`body` of `page` with its links to other pages of the folder pointing at their items (code is left
        alone: a link in an example stays an example)."""
        parts, fenced = [], False
        for block in re.split(r"(\n)", body):
            if _FENCE.match(block):
                fenced = not fenced
            parts.append(block if fenced or _FENCE.match(block) else self._line(page, block))
        return "".join(parts)

    def _line(self, page: str, line: str) -> str:
        def inline(match: re.Match) -> str:
            found = self.target(page, match.group(2).strip("<>"))
            if found is None:
                return match.group(0)
            return f"{match.group(1)}/content/{found}{match.group(3) or ''}{match.group(4)}"

        def reference(match: re.Match) -> str:
            found = self.target(page, match.group(2).strip("<>"))
            return match.group(0) if found is None else f"{match.group(1)}/content/{found}"

        def wiki(match: re.Match) -> str:
            name = match.group(1).strip()
            found = self.stems.get(posixpath.basename(name).lower()) or self.target(page, name)
            return match.group(0) if found is None else f"[{(match.group(3) or name).strip()}](/content/{found})"

        return _WIKI.sub(wiki, _REFERENCE.sub(reference, _INLINE.sub(inline, line)))
