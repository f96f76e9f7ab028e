"""/docs works offline: the vendored Swagger UI renders every operation in Chromium under the site's CSP,
with no request leaving the server and no policy violation."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.conftest import TIMEOUT_MS
from web.middleware import CSP


def test_docs_render_offline_under_the_site_csp(live, http, browser):
    response = http.get("/docs")
    assert response.status_code == 200
    assert response.headers["content-security-policy"] == CSP
    assert "cdn" not in response.text and "<script>" not in response.text
    requests, violations, errors = [], [], []
    page = browser.new_page()
    try:
        page.set_default_timeout(TIMEOUT_MS)
        page.on("request", lambda request: requests.append(request.url))
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("console", lambda message: violations.append(message.text)
                if "Content Security Policy" in message.text else None)
        page.goto(live.url + "/docs")
        expect(page.locator(".opblock-summary-path", has_text="/api/users/{user_id}/password")).to_be_visible()
        expect(page.locator(".swagger-ui .info .title")).to_contain_text("Knowhow")
    finally:
        page.close()
    assert (violations, errors) == ([], [])
    assert [url for url in requests if not url.startswith(live.url)] == []
