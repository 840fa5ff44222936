"""The interactive API docs page: served by the app, from vendored assets only, under the
application's Content-Security-Policy (no inline script)."""

from __future__ import annotations

import re

DOCS = "/api/docs"


def test_docs_page_answers_and_references_only_local_assets(client):
    page = client.get(DOCS)
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    references = re.findall(r'(?:src|href)="([^"]+)"', html)
    assets = [r for r in references if re.search(r"\.(js|css)(\?|$)", r)]
    assert any(r.endswith("vendor/swagger-ui/swagger-ui-bundle.js") for r in assets)
    assert any(r.endswith("vendor/swagger-ui/swagger-ui.css") for r in assets)
    assert any(r.endswith("js/api_docs.js") for r in assets)
    for reference in references:
        assert reference.startswith(("/", "#")) and not reference.startswith("//"), reference
    for asset in assets:
        with client.get(asset) as served:
            assert served.status_code == 200, asset
    # Every script is a file of ours: the CSP allows no inline script.
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    assert scripts
    assert all('src="/' in attributes and not text.strip() for attributes, text in scripts)
    policy = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    # The page reads the generated document.
    spec_url = re.search(r'data-spec-url="([^"]+)"', html).group(1)
    assert client.get(spec_url).get_json()["openapi"].startswith("3.1")
