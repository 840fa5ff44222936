"""Markdown written by enterprises, rendered to safe HTML.

Two layers: markdown-it-py in CommonMark mode with raw HTML disabled (so ``<script>`` is
shown as text), then nh3 with an allow-list of tags and attributes (so nothing a parser
quirk lets through can run). Headings are moved down two levels: a description sits under
the page's own ``h1`` and ``h2``.
"""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

ALLOWED_TAGS = frozenset(
    {
        "p",
        "br",
        "hr",
        "em",
        "strong",
        "code",
        "pre",
        "blockquote",
        "ul",
        "ol",
        "li",
        "a",
        "h3",
        "h4",
        "h5",
        "h6",
    }
)
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
HEADING_SHIFT = 2
MAX_SOURCE = 20_000  # longer text is cut: rendering cost stays bounded


def _shift_headings(state) -> None:
    for token in state.tokens:
        if token.type in ("heading_open", "heading_close"):
            level = min(int(token.tag[1]) + HEADING_SHIFT, 6)
            token.tag = f"h{level}"


_parser = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
_parser.core.ruler.push("shift_headings", _shift_headings)


def sanitise_html(html: str) -> str:
    """Keep only allowed tags, attributes and URL schemes; links get rel="nofollow noopener"."""
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel="nofollow noopener",
        strip_comments=True,
    )


def render_markdown(text: str | None) -> Markup:
    """Safe HTML for Markdown ``text`` (empty markup for nothing)."""
    if not text or not text.strip():
        return Markup("")
    return Markup(sanitise_html(_parser.render(text[:MAX_SOURCE])))  # noqa: S704 - sanitised
