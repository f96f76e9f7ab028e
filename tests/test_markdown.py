"""Markdown from colleagues becomes safe HTML: the useful parts kept, anything executable dropped."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from web.markdown import to_html


def test_markdown_keeps_headings_lists_code_tables_and_links():
    html = to_html(
        "# Title\n\n- one\n- two\n\n1. first\n\n`inline` and\n\n```python\nprint(1)\n```\n\n"
        "| a | b |\n|---|---|\n| 1 | 2 |\n\n[docs](https://example.com/x) [rel](/browse?tag=vpn) [mail](mailto:a@b.c)"
    )
    assert "<h1>Title</h1>" in html
    assert "<ul>\n<li>one</li>\n<li>two</li>\n</ul>" in html
    assert "<ol>\n<li>first</li>\n</ol>" in html
    assert "<code>inline</code>" in html
    assert '<pre><code class="language-python">print(1)\n</code></pre>' in html
    assert "<table>" in html and "<th>a</th>" in html and "<td>2</td>" in html
    assert '<a href="https://example.com/x" rel="noopener noreferrer nofollow">docs</a>' in html
    assert '<a href="/browse?tag=vpn" rel="noopener noreferrer nofollow">rel</a>' in html
    assert '<a href="mailto:a@b.c" rel="noopener noreferrer nofollow">mail</a>' in html


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        '<a href="#" onclick="alert(1)">x</a>',
        "[x](javascript:alert(1))",
        "[x](JaVaScRiPt:alert(1))",
        "[x](  javascript:alert(1))",
        "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "![x](javascript:alert(1))",
        '![x](x" onerror="alert(1))',
        "<svg onload=alert(1)>",
        "<iframe src=https://evil.example></iframe>",
        "```\n</code><script>alert(1)</script>\n```",
        '<div style="background:url(javascript:alert(1))">x</div>',
    ],
)
def test_markdown_drops_scripts_handlers_and_javascript_urls(source):
    elements = parse(str(to_html(source)))
    assert {tag for tag, _ in elements} <= {"p", "a", "img", "pre", "code"}
    for tag, attrs in elements:
        assert not [name for name in attrs if name.startswith("on") or name == "style"], (tag, attrs)
        for name in ("href", "src"):
            value = "".join((attrs.get(name) or "").split()).lower()
            assert not value.startswith(("javascript:", "data:", "vbscript:")), (tag, attrs)


def test_markdown_code_class_is_only_a_language():
    assert parse(str(to_html("```python\nx\n```"))) == [("pre", {}), ("code", {"class": "language-python"})]
    assert parse(str(to_html('Some <code class="badge">x</code>'))) == [("p", {})]


def parse(html: str) -> list[tuple[str, dict[str, str | None]]]:
    """Every element of an HTML fragment with its attributes, as the browser would build them."""
    found = []

    class Collector(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.append((tag, dict(attrs)))

    Collector().feed(html)
    return found
