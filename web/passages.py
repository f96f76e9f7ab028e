"""An item's body as HTML cut into its indexed passages, each with an anchor (#p-N) a search result links
to, so the reader lands on the passage that answered and CSS (:target) highlights it without script.

The body is Markdown and the passages are plain-text chunks (indexer.chunking) that may overlap, so the
two are matched by their words: each top-level block of the Markdown (a list item counts as a block: long
lists span passages) belongs to a passage holding its word triples, passages running in order.
Each run of blocks of one passage is rendered and sanitised on its own (web.markdown.to_html).
"""

from __future__ import annotations

from markdown_it import MarkdownIt
from markupsafe import Markup

from finder.terms import words
from web.markdown import to_html

# Parses blocks as web.markdown renders them (same preset and rules), to find where each block's lines are;
# their inline content is web.markdown's to parse, when it renders each run.
_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
    ["table", "strikethrough"]
).disable("inline")
_SHINGLE = 3  # words: a block shares its triples with the passage it went into, rarely with another


def passage_html(body: str, passages: list[str]) -> Markup:
    """The body rendered as `<div class="passage" id="p-N">` runs, N each passage's position. With one passage
    (most short items) the body renders whole: there is nothing to point into."""
    if len(passages) < 2:
        return to_html(body)
    env: dict = {}
    lines = body.replace("\r\n", "\n").split("\n")
    starts = _block_starts(_md.parse("\n".join(lines), env))
    blocks = ["\n".join(lines[a:b]) for a, b in zip(starts, [*starts[1:], len(lines)])]
    block_grams, passage_grams = [_shingles(b) for b in blocks], [_shingles(p) for p in passages]
    owners = _owners(block_grams, passage_grams)
    anchors = _stray_anchors(block_grams, passage_grams, owners)
    references = _references(env)
    html, run = [], 0
    while run < len(blocks):
        end = run
        while end < len(blocks) and owners[end] == owners[run]:
            end += 1
        passage = owners[run]
        extra = "".join(f'<span class="passage-anchor" id="p-{n}"></span>'
                        for n in sorted(anchors.get(passage, ())))
        source = "\n".join(blocks[run:end]) + references
        html.append(f'<div class="passage" id="p-{passage}">{extra}{to_html(source)}</div>')
        run = end
    return Markup("\n".join(html))


def _block_starts(tokens) -> list[int]:
    """First lines of the top-level blocks and of the items of top-level lists; always from line 0 (blank
    lines and reference definitions between blocks stay with the block before them)."""
    starts = {0}
    for token in tokens:
        if token.map is None or token.nesting == -1:
            continue
        top = token.level == 0 and token.type not in ("bullet_list_open", "ordered_list_open")
        if top or (token.level == 1 and token.type == "list_item_open"):
            starts.add(token.map[0])
    return sorted(starts)


def _shingles(text: str) -> set[tuple[str, ...]]:
    found = words(text)
    return {tuple(found[n: n + _SHINGLE]) for n in range(len(found) - _SHINGLE + 1)}


def _owners(blocks: list[set], passages: list[set]) -> list[int]:
    """Each block's passage: passages follow the body, so the blocks' passages never go back, and among such
    assignments the one sharing the most word triples wins (a dynamic programme: one block's triples that
    also appear far ahead, say a heading repeated in a closing checklist, cannot drag the rest along).
    Blocks sharing no triple with their passage (headings, which chunks keep apart, rules, images) go
    with the block after them, the last ones with the block before."""
    overlap = [[len(block & passage) for passage in passages] for block in blocks]
    totals = [0] * len(passages)  # best total so far with the last block in passage p
    back: list[list[int]] = []  # per block: for each passage p, the previous block's passage
    for row in overlap:
        reach, best = [], 0
        for p in range(len(passages)):
            best = p if totals[p] > totals[best] else best  # ties: the earlier passage
            reach.append(best)
        back.append(reach)
        totals = [row[p] + totals[reach[p]] for p in range(len(passages))]
    owner = max(range(len(passages)), key=lambda p: (totals[p], -p))
    owners: list[int | None] = [None] * len(blocks)
    for n in range(len(blocks) - 1, -1, -1):
        owners[n] = owner if overlap[n][owner] else None
        owner = back[n][owner]
    following = None
    for n in range(len(owners) - 1, -1, -1):
        owners[n] = following = owners[n] if owners[n] is not None else following
    last = 0
    for n, found in enumerate(owners):
        owners[n] = last = found if found is not None else last
    return owners  # type: ignore[return-value]


def _stray_anchors(blocks: list[set], passages: list[set], owners: list[int]) -> dict[int, set[int]]:
    """Passages no block belongs to (a long paragraph cut in several): their anchor goes at the start of the
    run holding the block that shares most of their words."""
    anchors: dict[int, set[int]] = {}
    for n, passage in enumerate(passages):
        if n in owners:
            continue
        best = max(range(len(blocks)), key=lambda b: (len(passage & blocks[b]), -b))
        anchors.setdefault(owners[best], set()).add(n)
    return anchors


def _references(env: dict) -> str:
    """The body's link reference definitions, added to every run so `[text][ref]` links work in all of them."""
    definitions = []
    for label, ref in env.get("references", {}).items():
        title = ref.get("title") or ""
        quoted = ' "' + title.replace('"', '\\"') + '"' if title else ""
        definitions.append(f"[{label}]: <{ref['href']}>{quoted}")
    return "\n\n" + "\n".join(definitions) if definitions else ""

