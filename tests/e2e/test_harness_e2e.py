"""The browser harness itself: an error in a nested frame or a failed request must be seen, or no test can fail."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import watch_errors

pytestmark = pytest.mark.e2e

_NESTED_ERROR = (
    '<html><body><iframe srcdoc="<script>setTimeout(() => { undefinedLayer.addTo(map); }, 0)</script>">'
    "</iframe></body></html>"
)


def _context(browser):
    context = browser.new_context()
    return context, watch_errors(context)


def test_an_error_inside_a_map_frame_is_caught(browser):
    context, errors = _context(browser)
    page = context.new_page()
    page.set_content(_NESTED_ERROR)
    page.wait_for_function("() => document.querySelector('iframe').contentDocument.readyState === 'complete'")
    page.wait_for_timeout(300)  # the frame's timer has run; the error must now be recorded
    context.close()
    assert any("undefinedLayer" in e for e in errors.errors), errors.errors
    errors.allow("undefinedLayer")


def test_a_failed_request_is_caught(browser, app_server):
    context, errors = _context(browser)
    page = context.new_page()
    page.goto(app_server.url + "/_stcore/health")
    page.evaluate("fetch('/app/static/vendor/tidak-ada.js').catch(() => null)")
    page.wait_for_timeout(500)
    context.close()
    assert any("tidak-ada.js" in e for e in errors.errors), errors.errors
    errors.allow("tidak-ada.js")
