"""The Markdown of the enterprises' descriptions (``webapp.markdown``): the usual formatting
rendered, hostile input neutralised by the sanitiser."""

from __future__ import annotations

import re

import pytest
from markupsafe import Markup

from webapp.markdown import ALLOWED_TAGS, render_markdown, sanitise_html


def test_markdown_renders_the_usual_formatting():
    html = render_markdown(
        "# Titre\n\n**gras** *it* `code`\n\n- un\n- deux\n\n[site](https://e.org)"
    )
    assert isinstance(html, Markup)
    assert "<h3>Titre</h3>" in html  # moved under the page's own headings
    assert "<strong>gras</strong>" in html and "<em>it</em>" in html and "<code>code</code>" in html
    assert "<li>un</li>" in html
    assert '<a href="https://e.org" rel="nofollow noopener">site</a>' in html


@pytest.mark.parametrize(
    "text",
    [
        "<script>alert(1)</script>",
        "Avant <script src=https://evil.example/x.js></script> après",
        '<img src=x onerror="alert(1)">',
        "[clic](javascript:alert(1))",
        "[clic](JaVaScRiPt:alert(1))",
        "[clic](data:text/html;base64,PHNjcmlwdD4=)",
        "![image](javascript:alert(1))",
        '<a href="javascript:alert(1)">x</a>',
        "<iframe src=https://evil.example></iframe>",
        '<div style="background:url(javascript:alert(1))">x</div>',
    ],
)
def test_markdown_neutralises_hostile_input(text):
    html = str(render_markdown(text))
    for tag in re.finditer(r"<([a-zA-Z][a-zA-Z0-9]*)([^>]*)>", html):
        name, attributes = tag.group(1).lower(), tag.group(2)
        assert name in ALLOWED_TAGS, html
        assert not re.search(r"\bon[a-z]+\s*=|style\s*=", attributes, re.I), html
        for url in re.findall(r'href="([^"]*)"', attributes):
            assert url.startswith(("http://", "https://", "mailto:")), html


def test_the_sanitiser_strips_tags_attributes_and_schemes_it_does_not_know():
    html = sanitise_html(
        '<a href="javascript:alert(1)" onclick="x()">a</a><img src=x onerror=alert(1)>'
        '<script>bad()</script><p style="color:red" class="x">p</p>'
        '<a href="https://e.org" target="_blank">b</a>'
    )
    assert "onclick" not in html and "onerror" not in html and "<img" not in html
    assert "<script" not in html and "bad()" not in html
    assert "javascript:" not in html and "style=" not in html and "class=" not in html
    assert '<a href="https://e.org" rel="nofollow noopener">b</a>' in html
    assert "<p>p</p>" in html


def test_empty_markdown_is_empty_markup():
    assert render_markdown(None) == Markup("") and render_markdown("  \n") == Markup("")
